/**
 * Every refusal, with a request pipelined behind it (RFC 9112 §9.6): once the server decides to
 * close a connection it stops reading requests from it, so the request behind a refused one must
 * never reach the upstream — not even when Node's parser has already read it. Each case names the
 * rule it refuses by; the pipelined request is a DELETE, the kind a smuggling attack would hide.
 *
 * Compared with the upstream reached directly: the recording upstream behind devproxy must see
 * nothing of the refused request (or, where the head legitimately streamed upstream before the
 * refusal, no complete request) and nothing at all of the one behind it.
 */
import { afterAll, beforeAll, describe, it } from 'vitest'
import { startTestProxy, type TestProxy } from '../helpers/servers.js'
import { converse, show, startRecordingUpstream, type RecordingUpstream } from './kit.js'

const H = 'Host: example.test\r\n'
const PIPELINED = `DELETE /pipelined HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n`
/** The route's request body limit, small enough for the 413 cases. */
const LIMIT = 16

interface RefusalCase {
  readonly title: string
  readonly raw: string
  readonly status: number
  /** The head streams upstream before the body turns out to be too large: the upstream may see it, never complete. */
  readonly headMayPass?: boolean
}

const refusals: RefusalCase[] = [
  { title: 'RFC 9112 §6.1: Transfer-Encoding: gzip, chunked → 501', raw: `POST /te-gzip HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`, status: 501 },
  { title: 'RFC 9112 §6.1: Transfer-Encoding: deflate, chunked → 501', raw: `POST /te-deflate HTTP/1.1\r\n${H}Transfer-Encoding: deflate, chunked\r\n\r\n0\r\n\r\n`, status: 501 },
  {
    title: 'RFC 9112 §6.1: Transfer-Encoding: identity then chunked on two lines → 501',
    raw: `POST /te-identity HTTP/1.1\r\n${H}Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    status: 501,
  },
  {
    title: 'RFC 9112 §6.1: Transfer-Encoding: gzip then chunked on two lines → 501',
    raw: `POST /te-gzip-lines HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    status: 501,
  },
  { title: 'RFC 9112 §6.1: an HTTP/1.0 request with Transfer-Encoding → 400 (faulty framing)', raw: `POST /ten-te HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, status: 400 },
  { title: 'RFC 9112 §3.2: two Host fields → 400', raw: `GET /two-hosts HTTP/1.1\r\n${H}Host: other.test\r\n\r\n`, status: 400 },
  { title: 'RFC 9112 §3.2 + RFC 3986 §3.2.2: a Host that is no host name (`evil"><img`) → 400', raw: 'GET /bad-host HTTP/1.1\r\nHost: evil"><img src=x>\r\n\r\n', status: 400 },
  { title: 'RFC 9110 §4.2.4: a Host with userinfo (evil@localhost) → 400', raw: 'GET /userinfo HTTP/1.1\r\nHost: evil@localhost\r\n\r\n', status: 400 },
  { title: 'RFC 9110 §4.2.4: an absolute-form target with userinfo → 400', raw: 'GET http://evil@localhost/abs HTTP/1.1\r\nHost: localhost\r\n\r\n', status: 400 },
  { title: 'RFC 6585 §5: a request head over 16 KiB → 431', raw: `GET /huge HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`, status: 431 },
  { title: 'RFC 9110 §15.5.14: a declared Content-Length over the route limit → 413', raw: `POST /big HTTP/1.1\r\n${H}Content-Length: 32\r\n\r\n${'b'.repeat(32)}`, status: 413 },
  {
    title: 'RFC 9110 §15.5.14: a chunked body that grows over the route limit → 413',
    raw: `POST /big-chunked HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n20\r\n${'c'.repeat(32)}\r\n0\r\n\r\n`,
    status: 413,
    headMayPass: true,
  },
  { title: 'RFC 9110 §15.6.6: HTTP/2.0 on a request line → 505', raw: `GET /two HTTP/2.0\r\n${H}\r\n`, status: 505 },
  { title: 'RFC 9112 §5.1: a field name with a space → 400 (the parser refuses it)', raw: `GET /space HTTP/1.1\r\n${H}Bad Name: x\r\n\r\n`, status: 400 },
]

let upstream: RecordingUpstream
let proxy: TestProxy

beforeAll(async () => {
  upstream = await startRecordingUpstream()
  proxy = await startTestProxy({ routes: [{ path: '/', target: upstream.url, maxRequestBodyBytes: LIMIT }] })
})

afterAll(async () => {
  await proxy.close(0)
  await upstream.close()
})

describe('a refused request takes nothing pipelined behind it upstream (RFC 9112 §9.6)', () => {
  it.for(refusals)('$title', async (c, { expect }) => {
    const before = upstream.requests.length
    const bytesBefore = upstream.raw().length
    const { parsed, closed, bytes } = await converse(proxy.port, c.raw + PIPELINED, [c.raw.slice(0, c.raw.indexOf(' ')), 'DELETE'])
    const seen = upstream.requests.slice(before)
    const context = `client got: ${show(bytes, 400)}\nupstream got: ${show(upstream.raw().subarray(bytesBefore), 400)}`
    expect(parsed.finals.map((f) => f.status), context).toEqual([c.status])
    expect(closed, `${context}\nthe connection stayed open after the refusal`).toBe(true)
    expect(seen.map((r) => r.url), context).not.toContain('/pipelined')
    if (c.headMayPass) expect(seen.filter((r) => r.complete), context).toEqual([])
    else expect(upstream.raw().length - bytesBefore, context).toBe(0)
  })
})

describe('a request that ends its connection takes nothing pipelined behind it upstream (RFC 9112 §9.6)', () => {
  it.for([
    { title: 'Connection: close, then a pipelined DELETE: only the first is served', raw: `GET /closing HTTP/1.1\r\n${H}Connection: close\r\n\r\n`, first: '/closing' },
    { title: 'an HTTP/1.0 request (no keep-alive), then a pipelined DELETE: only the first is served', raw: `GET /ten HTTP/1.0\r\n${H}\r\n`, first: '/ten' },
  ])('$title', async (c, { expect }) => {
    const before = upstream.requests.length
    const { parsed, closed, bytes } = await converse(proxy.port, c.raw + PIPELINED, ['GET', 'DELETE'])
    const seen = upstream.requests.slice(before).map((r) => `${r.method} ${r.url}`)
    expect(parsed.finals.map((f) => f.status), show(bytes, 400)).toEqual([200])
    expect(closed).toBe(true)
    expect(seen).toEqual([`GET ${c.first}`])
  })
})
