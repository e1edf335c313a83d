import { describe, expect, it } from 'vitest'
import type { TransactionDetail, TransactionSummary } from '../../src/inspector/api.js'
import { buildResendRequest, draftFromDetail, parseHeaderLines, toOriginForm, type ResendDraft } from '../../inspector/src/lib/resend.js'

const original: ResendDraft = { method: 'POST', url: '/api/users', headersText: 'content-type: application/json\naccept: */*', body: '{"a":1}', bodyBase64: false }

describe('buildResendRequest: only what the user changed', () => {
  it.each<{ case: string; draft: Partial<ResendDraft>; result: unknown }>([
    { case: 'nothing changed: an empty request (resend as it was)', draft: {}, result: { request: {} } },
    { case: 'the method, upper-cased', draft: { method: 'put' }, result: { request: { method: 'PUT' } } },
    { case: 'the URL', draft: { url: '/api/users?page=2' }, result: { request: { url: '/api/users?page=2' } } },
    {
      case: 'the headers: all of them, so a removed one stays removed',
      draft: { headersText: 'content-type: text/plain' },
      result: { request: { headers: { 'content-type': 'text/plain' } } },
    },
    { case: 'the body', draft: { body: '{"a":2}' }, result: { request: { body: '{"a":2}' } } },
    { case: 'a base64 body, whitespace dropped', draft: { body: 'AAEC\n/w==', bodyBase64: true }, result: { request: { body: 'AAEC/w==', bodyBase64: true } } },
    { case: 'a method that is no token', draft: { method: 'GET X' }, result: { error: expect.stringMatching(/method/) } },
    { case: 'an absolute URL', draft: { url: 'http://evil.test/' }, result: { error: expect.stringMatching(/path starting with \//) } },
    { case: 'OPTIONS * is allowed', draft: { method: 'OPTIONS', url: '*' }, result: { request: { method: 'OPTIONS', url: '*' } } },
    { case: 'a header line without a colon', draft: { headersText: 'oops' }, result: { error: expect.stringMatching(/line 1/) } },
    { case: 'bad base64', draft: { body: 'not base64!', bodyBase64: true }, result: { error: expect.stringMatching(/base64/) } },
  ])('$case', ({ draft, result }) => {
    expect(buildResendRequest({ ...original, ...draft }, original)).toEqual(result)
  })
})

describe('buildResendRequest with a body captured only in part', () => {
  it('sends the body in the form even unchanged (the server cannot resend what it did not keep)', () => {
    expect(buildResendRequest(original, original, true)).toEqual({ request: { body: '{"a":1}' } })
  })
})

describe('parseHeaderLines', () => {
  it('skips blank lines, trims, and joins a repeated name', () => {
    expect(parseHeaderLines('a: 1\n\n  b :2 \r\na: 3')).toEqual({ headers: { a: '1, 3', b: '2' } })
  })

  it('keeps a colon inside the value', () => {
    expect(parseHeaderLines('referer: http://x/')).toEqual({ headers: { referer: 'http://x/' } })
  })
})

describe('draftFromDetail: the form starts from the request as received', () => {
  const summary = { method: 'PATCH', url: 'http://localhost:8080/a?b=1' } as TransactionSummary
  const detail = (requestBody: TransactionDetail['requestBody']) =>
    ({
      summary,
      headers: {
        request: [
          { name: 'accept', change: 'same', before: '*/*', after: '*/*' },
          { name: 'x-forwarded-for', change: 'added', before: null, after: '127.0.0.1' },
        ],
        response: [],
      },
      requestBody,
    }) as unknown as TransactionDetail

  it('origin-form URL, received headers, a text body as text', () => {
    const body = { contentType: 'text/plain', base64: Buffer.from('hi').toString('base64'), size: 2, truncated: false }
    expect(draftFromDetail(detail(body))).toEqual({ method: 'PATCH', url: '/a?b=1', headersText: 'accept: */*', body: 'hi', bodyBase64: false })
  })

  it('a binary body as base64', () => {
    const base64 = Buffer.from([0, 255]).toString('base64')
    expect(draftFromDetail(detail({ contentType: null, base64, size: 2, truncated: false }))).toMatchObject({ body: base64, bodyBase64: true })
  })

  it.each([
    { url: '/a', result: '/a' },
    { url: 'https://h:1/p/q?x=1#frag', result: '/p/q?x=1' },
    { url: '*', result: '*' },
  ])('toOriginForm($url)', ({ url, result }) => {
    expect(toOriginForm(url)).toBe(result)
  })
})
