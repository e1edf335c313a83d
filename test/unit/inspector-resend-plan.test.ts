import { describe, expect, it } from 'vitest'
import { INTERNAL_REQUEST_FIELDS } from '../../src/inspector/api.js'
import { planResend, RESEND_HEADER } from '../../src/inspector/resend.js'
import { fakeTransaction } from '../helpers/transaction.js'

/** What the inspector resends (issue 28 item 3): the request as it came, nothing of devproxy's own, nothing added. */

const h2 = fakeTransaction({
  method: 'POST',
  httpVersion: '2.0',
  scheme: 'https',
  requestHeaders: { ':method': 'POST', ':path': '/api/users', ':authority': 'localhost:8443', ':scheme': 'https', 'content-length': '2', 'x-app': '1' },
  requestBytes: 2,
  requestBody: { contentType: undefined, contentEncoding: undefined, bytes: Buffer.from('{}'), totalBytes: 2, truncated: false },
})

describe('planResend', () => {
  it('an HTTP/2 request over HTTPS: resent over HTTP/2, to HTTPS, with its :authority and no Host made up', () => {
    const plan = planResend(h2, {})
    expect(plan).toMatchObject({ http2: true, scheme: 'https', authority: 'localhost:8443', method: 'POST', path: '/api/users', declaresLength: true })
    expect(plan.headers).toEqual({ 'x-app': '1' })
    expect(plan.body.toString()).toBe('{}')
  })

  it('over HTTP/1.1, an HTTP/2 original would need a Host: its :authority', () => {
    expect(planResend({ ...h2, httpVersion: '1.1' }, {}).headers.host).toBe('localhost:8443')
  })

  it.each<[string, Record<string, string>, boolean]>([
    ['a GET that said nothing of a body (RFC 9110 §8.6)', { host: 'localhost:8080' }, false],
    ['a request that said Content-Length: 0', { host: 'localhost:8080', 'content-length': '0' }, true],
    ['edited headers that name a length', { 'Content-Length': '5' }, true],
  ])('%s: declaresLength %s', (_what, requestHeaders, declares) => {
    expect(planResend(fakeTransaction({ requestHeaders }), {}).declaresLength).toBe(declares)
  })

  it("devproxy's own fields and fields blanked as a devproxy secret are not resent", () => {
    const tx = fakeTransaction({ requestHeaders: { host: 'localhost:8080', [RESEND_HEADER]: 'm', 'x-devproxy-session': 'devproxy_session_x', 'x-app': 'kept' } })
    expect(planResend(tx, {}).headers).toEqual({ host: 'localhost:8080', 'x-app': 'kept' })
    expect(planResend(tx, { headers: { authorization: 'Bearer [devproxy secret]', 'x-app': 'edited' } }).headers).toEqual({ 'x-app': 'edited' })
  })

  it('the marker the proxy never forwards is one of the fields the inspector calls its own', () => {
    expect(INTERNAL_REQUEST_FIELDS).toContain(RESEND_HEADER)
  })
})
