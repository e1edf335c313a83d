import type { Entry, Har } from 'har-format'
import { describe, expect, it } from 'vitest'
import { plainPalette } from '../../src/terminal/palette.js'
import { DEFAULT_IGNORED_HEADERS, diffHars, formatHarDiff, harEndpointKey, type EndpointDiff } from '../../src/record/har-diff.js'

interface Call {
  method?: string
  url: string
  status?: number
  headers?: Record<string, string>
  body?: string | Buffer
  mimeType?: string
  truncated?: boolean
}

/** A minimal HAR 1.2 entry; a Buffer body is stored base64, as devproxy stores binary. */
function entry({ method = 'GET', url, status = 200, headers = {}, body = '', mimeType = 'application/json', truncated }: Call): Entry {
  const text = Buffer.isBuffer(body) ? body.toString('base64') : body
  const size = Buffer.isBuffer(body) ? body.length : Buffer.byteLength(body)
  return {
    startedDateTime: '2026-11-23T10:00:00.000Z',
    time: 1,
    request: { method, url: new URL(url, 'http://localhost:8080').href, httpVersion: 'HTTP/1.1', cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: 0 },
    response: {
      status,
      statusText: '',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: Object.entries(headers).map(([name, value]) => ({ name, value })),
      content: { size, mimeType, text, ...(Buffer.isBuffer(body) ? { encoding: 'base64' } : {}) },
      redirectURL: '',
      headersSize: -1,
      bodySize: truncated ? size * 10 : size,
    },
    cache: {},
    timings: { send: 0, wait: 1, receive: 0 },
    ...(truncated === undefined ? {} : { _devproxy: { truncated: { request: false, response: truncated } } }),
  }
}

function har(...calls: Call[]): Har {
  return { log: { version: '1.2', creator: { name: 'test', version: '1' }, pages: [], entries: calls.map(entry) } }
}

const users = { url: '/api/users', body: '{"name":"Ann","requestId":"r1"}' }
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255])

describe('diffHars: endpoint by endpoint', () => {
  const cases: Array<{ name: string; a: Har; b: Har; ignore?: string[]; equal: boolean; endpoints: Array<Partial<EndpointDiff>> }> = [
    {
      name: 'identical recordings are equal',
      a: har(users, { method: 'POST', url: '/api/users', status: 201 }),
      b: har(users, { method: 'POST', url: '/api/users', status: 201 }),
      equal: true,
      endpoints: [
        { key: 'GET /api/users', change: 'same', calls: { before: 1, after: 1 }, headers: [], body: undefined },
        { key: 'POST /api/users', change: 'same' },
      ],
    },
    {
      name: 'an endpoint only in B is added, one only in A removed',
      a: har(users, { method: 'DELETE', url: '/api/x' }),
      b: har(users, { url: '/api/users/7' }),
      equal: false,
      endpoints: [
        { key: 'DELETE /api/x', change: 'removed', calls: { before: 1, after: 0 } },
        { key: 'GET /api/users', change: 'same' },
        { key: 'GET /api/users/7', change: 'added', calls: { before: 0, after: 1 } },
      ],
    },
    {
      name: 'a status change',
      a: har(users),
      b: har({ ...users, status: 500 }),
      equal: false,
      endpoints: [{ key: 'GET /api/users', change: 'changed', status: { before: 200, after: 500 }, headers: [], body: undefined }],
    },
    {
      name: 'a header change is reported, a new date is not',
      a: har({ ...users, headers: { Date: 'Mon, 23 Nov 2026 10:00:00 GMT', 'Cache-Control': 'no-store' } }),
      b: har({ ...users, headers: { Date: 'Mon, 23 Nov 2026 11:00:00 GMT', 'Cache-Control': 'max-age=60' } }),
      equal: false,
      endpoints: [{ change: 'changed', headers: [{ op: '~', name: 'cache-control', before: 'no-store', after: 'max-age=60' }] }],
    },
    {
      name: 'every default-ignored header may change',
      a: har({ ...users, headers: Object.fromEntries(DEFAULT_IGNORED_HEADERS.map((name) => [name, 'a'])) }),
      b: har({ ...users, headers: Object.fromEntries(DEFAULT_IGNORED_HEADERS.map((name) => [name, 'b'])) }),
      equal: true,
      endpoints: [{ change: 'same' }],
    },
    {
      name: '--ignore NAME leaves a header out',
      a: har({ ...users, headers: { etag: '"1"' } }),
      b: har({ ...users, headers: { ETag: '"2"' } }),
      ignore: ['ETag'],
      equal: true,
      endpoints: [{ change: 'same' }],
    },
    {
      name: 'a JSON body change, by path',
      a: har(users),
      b: har({ ...users, body: '{"requestId":"r1","name":"Anna"}' }),
      equal: false,
      endpoints: [{ change: 'changed', body: { kind: 'json', changes: [{ op: '~', path: '$.name', before: 'Ann', after: 'Anna' }] } }],
    },
    {
      name: '--ignore $.requestId silences a change there',
      a: har(users),
      b: har({ ...users, body: '{"name":"Ann","requestId":"r2"}' }),
      ignore: ['$.requestId'],
      equal: true,
      endpoints: [{ change: 'same', body: undefined }],
    },
    {
      name: 'reordered JSON keys are the same body',
      a: har(users),
      b: har({ ...users, body: '{"requestId":"r1","name":"Ann"}' }),
      equal: true,
      endpoints: [{ change: 'same' }],
    },
    {
      name: 'identical base64 binary bodies are the same',
      a: har({ url: '/logo.png', body: png, mimeType: 'image/png' }),
      b: har({ url: '/logo.png', body: Buffer.from(png), mimeType: 'image/png' }),
      equal: true,
      endpoints: [{ change: 'same' }],
    },
    {
      name: 'truncated bodies are compared by size and hash',
      a: har({ ...users, truncated: true }),
      b: har({ ...users, body: '{"name":"Bob","requestId":"r1"}', truncated: true }),
      equal: false,
      endpoints: [{ change: 'changed', body: expect.objectContaining({ kind: 'truncated', same: false }) }],
    },
    {
      name: 'truncated bodies with the same size and hash are the same',
      a: har({ ...users, truncated: true }),
      b: har({ ...users, truncated: true }),
      equal: true,
      endpoints: [{ change: 'same' }],
    },
    {
      name: 'the last call of each side is compared; a different number of calls is a change',
      a: har({ ...users, status: 500 }, users, users),
      b: har({ ...users, status: 500 }, users, users, users, users),
      equal: false,
      endpoints: [{ change: 'changed', calls: { before: 3, after: 5 }, headers: [], body: undefined }],
    },
    {
      name: 'only the last calls count when the counts match',
      a: har({ ...users, status: 500 }, users),
      b: har({ ...users, status: 404 }, users),
      equal: true,
      endpoints: [{ change: 'same', calls: { before: 2, after: 2 } }],
    },
    {
      name: 'query order, cache-busters and the host do not make endpoints differ',
      a: har({ ...users, url: 'http://localhost:8080/api/users?page=2&sort=name&_=1700000000' }),
      b: har({ ...users, url: 'http://127.0.0.1:9000/api/users?sort=name&page=2&ts=1700000999' }),
      equal: true,
      endpoints: [{ key: 'GET /api/users?page=2&sort=name', change: 'same' }],
    },
    {
      name: 'a different query is a different endpoint',
      a: har({ ...users, url: '/api/users?page=1' }),
      b: har({ ...users, url: '/api/users?page=2' }),
      equal: false,
      endpoints: [
        { key: 'GET /api/users?page=1', change: 'removed' },
        { key: 'GET /api/users?page=2', change: 'added' },
      ],
    },
  ]

  it.each(cases)('$name', ({ a, b, ignore = [], equal, endpoints }) => {
    const diff = diffHars(a, b, { ignore })
    expect(diff.equal).toBe(equal)
    expect(diff.endpoints).toHaveLength(endpoints.length)
    endpoints.forEach((expected, i) => expect(diff.endpoints[i]).toMatchObject(expected))
  })

  it('changed base64 binary bodies are compared by size and hash', () => {
    const changed = Buffer.from(png)
    changed[9] = 7
    const [endpoint] = diffHars(har({ url: '/logo.png', body: png, mimeType: 'image/png' }), har({ url: '/logo.png', body: changed, mimeType: 'image/png' }), { ignore: [] }).endpoints
    expect(endpoint?.body).toMatchObject({ kind: 'binary', same: false, before: { bytes: 12 }, after: { bytes: 12 } })
    if (endpoint?.body?.kind !== 'binary') throw new Error('expected a binary diff')
    expect(endpoint.body.before.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(endpoint.body.before.sha256).not.toBe(endpoint.body.after.sha256)
  })

  it('entries without a request or response are skipped, not fatal', () => {
    const broken = har(users)
    broken.log.entries.push({} as Entry, { request: { method: 'GET', url: '/x' } } as Entry)
    expect(diffHars(broken, har(users), { ignore: [] }).equal).toBe(true)
  })

  it('a malformed JSON path is refused up front', () => {
    expect(() => diffHars(har(), har(), { ignore: ['$.items['] })).toThrow(expect.objectContaining({ code: 'ignore_path_invalid' }))
  })

  it('keys drop the route slot of endpointKey', () => {
    expect(harEndpointKey('GET', 'http://localhost:8080/a%20b?z=1&a=2&cb=9')).toBe('GET /a%20b?a=2&z=1')
    expect(harEndpointKey('GET', 'not a url')).toBe('GET not a url')
  })
})

describe('formatHarDiff', () => {
  it('added, removed and changed endpoints, then a summary', () => {
    const a = har(
      users,
      users,
      { ...users, headers: { etag: '"1"' } },
      { method: 'DELETE', url: '/api/x' },
      { url: '/same' },
    )
    const b = har(
      users,
      users,
      users,
      users,
      { ...users, status: 500, headers: { etag: '"2"', 'x-cache': 'miss' }, body: '{"name":"Anna","requestId":"r1"}' },
      { url: '/api/users/7' },
      { url: '/same' },
    )
    expect(formatHarDiff(diffHars(a, b, { ignore: [] }), plainPalette)).toEqual([
      '- DELETE /api/x',
      '~ GET /api/users',
      '    3 calls → 5 calls (comparing the last of each)',
      '    status 200 → 500',
      '    ~ etag: "1" → "2"',
      '    + x-cache: miss',
      '    ~ $.name: "Ann" → "Anna"',
      '+ GET /api/users/7',
      '4 endpoints: 1 added, 1 removed, 1 changed, 1 same',
    ])
  })

  it('a status change, repeated calls, a call with no response', () => {
    const lines = formatHarDiff(diffHars(har(users, users), har(users, { ...users, status: 0 }), { ignore: [] }), plainPalette)
    expect(lines).toEqual([
      '~ GET /api/users',
      '    (2 calls each: comparing the last)',
      '    status 200 → no response',
      '1 endpoint: 0 added, 0 removed, 1 changed, 0 same',
    ])
  })

  it('added and removed endpoints note repeated calls', () => {
    expect(formatHarDiff(diffHars(har(), har(users, users), { ignore: [] }), plainPalette)).toEqual(['+ GET /api/users (2 calls)', '1 endpoint: 1 added, 0 removed, 0 changed, 0 same'])
  })

  it('equal recordings: one line', () => {
    expect(formatHarDiff(diffHars(har(users, { url: '/a' }), har(users, { url: '/a' }), { ignore: [] }), plainPalette)).toEqual(['no differences (2 endpoints)'])
    expect(formatHarDiff(diffHars(har(), har(), { ignore: [] }), plainPalette)).toEqual(['no differences (0 endpoints)'])
  })
})
