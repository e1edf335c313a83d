import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { authorityProblem } from '../../src/proxy/http/authority.js'
import { absoluteRequestUrl } from '../../src/proxy/http/request-url.js'

describe('RFC 9112 §3.2 + RFC 3986 §3.2.2: what Host (or an :authority) may be', () => {
  it.for(['localhost', 'localhost:8080', 'app.localhost:5173', '127.0.0.1:80', '[::1]:8080', '[::1]', 'my_host.test', 'a%2Db.test', "x!$&'()*+,;=.test"])('%s is an authority', (value) => {
    expect(authorityProblem(value)).toBeUndefined()
  })
  it.for([
    ['evil@localhost', /userinfo/],
    ['user:pass@localhost:80', /userinfo/],
    ['evil"><img src=x>', /the character "\\""/],
    ['a b', /a space/],
    ['host/path', /the character "\/"/],
    ['localhost:80x', /port that is not a number/],
    ['[::1', /IP-literal/],
    ['[::1]x', /after its IP-literal/],
    ['a%zz', /percent-encoding/],
  ] as const)('%s is refused', ([value, why]) => {
    expect(authorityProblem(value)).toMatch(why)
  })
})

describe('the absolute URL a HAR and the inspector show (RFC 9112 §3.3)', () => {
  it.for([
    ['http', 'localhost:8080', '/a?b=1', 'http://localhost:8080/a?b=1'],
    ['https', 'app.localhost', '/', 'https://app.localhost/'],
    ['http', undefined, '/x', 'http://localhost/x'],
    ['http', 'localhost', 'http://localhost/abs', 'http://localhost/abs'],
    ['http', 'evil"><img', '/x', 'http://evil%22%3E%3Cimg/x'],
  ] as const)('%s + %s + %s → %s (a URL har-validator accepts)', async ([scheme, host, target, url]) => {
    expect(absoluteRequestUrl(scheme, host, target)).toBe(url)
    await expect(validateHar(harWith(url))).resolves.toBeTruthy()
  })
})

const validateHar = createRequire(import.meta.url)('har-validator').har as (har: unknown) => Promise<unknown>

function harWith(url: string) {
  const message = { httpVersion: 'HTTP/1.1', cookies: [], headers: [], headersSize: -1, bodySize: 0 }
  return {
    log: {
      version: '1.2',
      creator: { name: 'devproxy', version: 'test' },
      pages: [],
      entries: [
        {
          startedDateTime: new Date(0).toISOString(),
          time: 1,
          request: { ...message, method: 'GET', url, queryString: [] },
          response: { ...message, status: 400, statusText: 'Bad Request', content: { size: 0, mimeType: '' }, redirectURL: '' },
          cache: {},
          timings: { send: 0, wait: 0, receive: 0 },
        },
      ],
    },
  }
}
