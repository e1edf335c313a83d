/**
 * The response corpus: a raw upstream writes exactly these response bytes; a raw client asks
 * for them directly and through devproxy. What the client gets through the proxy must be what
 * it got directly — status, end-to-end fields (names, case, order, values), body bytes,
 * trailers, the 1xx sequence — modulo the documented rewrites: hop-by-hop fields removed, Via
 * appended, framing re-done (Content-Length or chunked, same bytes), Date added when missing.
 */
import { describe, it } from 'vitest'
import { startTestProxy } from '../helpers/servers.js'
import { compareInterim, compareRelayed, converse, interimOf, show, startRawUpstream, type RawUpstream } from './kit.js'

const DATE = 'Date: Tue, 01 Dec 2026 10:00:00 GMT\r\n'

interface ResponseCase {
  readonly title: string
  /** The bytes the upstream writes once it has the request head (1xx and the final response). */
  readonly response: string
  readonly method?: string
  readonly clientVersion?: '1.0' | '1.1'
  /** The upstream closes the connection after writing (a close-delimited body). */
  readonly close?: boolean
}

const bigChunked = (() => {
  let body = ''
  for (let i = 0; i < 64; i++) body += `1000\r\n${String.fromCharCode(97 + (i % 26)).repeat(4096)}\r\n`
  return `${body}0\r\n\r\n`
})()

const cases: ResponseCase[] = [
  {
    title: 'RFC 9112 §6.2: a 200 with a Content-Length body',
    response: `HTTP/1.1 200 OK\r\n${DATE}Content-Type: text/plain\r\nETag: "v1"\r\nContent-Length: 11\r\n\r\nhello world`,
  },
  { title: 'RFC 9110 §8.6: a 200 with Content-Length: 0', response: `HTTP/1.1 200 OK\r\n${DATE}Content-Length: 0\r\n\r\n` },
  {
    title: 'RFC 9112 §7.1 + §7.1.2 + RFC 9110 §6.6.2: a chunked body with extensions and trailers, announced by Trailer',
    response: `HTTP/1.1 200 OK\r\n${DATE}Content-Type: text/plain\r\nTrailer: X-Checksum\r\nTransfer-Encoding: chunked\r\n\r\n5;a=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc123\r\n\r\n`,
  },
  { title: 'RFC 9112 §7.1: a 256 KiB chunked body in 4 KiB chunks', response: `HTTP/1.1 200 OK\r\n${DATE}Transfer-Encoding: chunked\r\n\r\n${bigChunked}` },
  {
    title: 'RFC 9112 §6.3 (8): a close-delimited body (no length, the upstream closes)',
    response: `HTTP/1.1 200 OK\r\n${DATE}Content-Type: text/plain\r\nConnection: close\r\n\r\nuntil the end`,
    close: true,
  },
  {
    title: 'RFC 9110 §9.3.2 + §8.6: HEAD answered with Content-Length: 11 and no body',
    response: `HTTP/1.1 200 OK\r\n${DATE}Content-Type: text/plain\r\nContent-Length: 11\r\n\r\n`,
    method: 'HEAD',
  },
  { title: 'RFC 9110 §15.3.5 + §8.6: a 204 has no body and no Content-Length/Transfer-Encoding', response: `HTTP/1.1 204 No Content\r\n${DATE}X-Kept: 1\r\n\r\n` },
  { title: 'RFC 9110 §15.4.5 + §8.6: a 304 has no body; its Content-Length, if kept, is the 200\'s', response: `HTTP/1.1 304 Not Modified\r\n${DATE}ETag: "v1"\r\nContent-Length: 11\r\n\r\n` },
  {
    title: 'RFC 9110 §15.2 + RFC 8297: 103 Early Hints (with Link) relayed before the 200',
    response: `HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\nHTTP/1.1 200 OK\r\n${DATE}Content-Length: 2\r\n\r\nok`,
  },
  {
    title: 'RFC 9110 §15.2: a 100 Continue the client did not ask for is relayed (a proxy MUST forward 1xx it did not request)',
    response: `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n${DATE}Content-Length: 2\r\n\r\nok`,
  },
  {
    title: 'RFC 9110 §15.2: 100, 103, 103 then 200 — every 1xx relayed, in order',
    response: `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </b.js>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\n${DATE}Content-Length: 2\r\n\r\nok`,
  },
  {
    title: 'RFC 9110 §15.2: no 1xx to an HTTP/1.0 client (103 then 200)',
    response: `HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\n${DATE}Content-Length: 2\r\n\r\nok`,
    clientVersion: '1.0',
  },
  {
    title: 'RFC 9112 §6.1: a chunked response reaches an HTTP/1.0 client without Transfer-Encoding, same bytes',
    response: `HTTP/1.1 200 OK\r\n${DATE}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n`,
    clientVersion: '1.0',
  },
  {
    title: 'RFC 9110 §7.6.1: hop-by-hop response fields and those named in Connection are removed',
    response: `HTTP/1.1 200 OK\r\n${DATE}Connection: keep-alive, X-Secret\r\nKeep-Alive: timeout=9\r\nX-Secret: 1\r\nProxy-Connection: keep-alive\r\nUpgrade: foo/2\r\nX-Public: 2\r\nContent-Length: 2\r\n\r\nok`,
  },
  {
    title: 'RFC 9110 §7.6.1: Connection: content-length on a response keeps its framing',
    response: `HTTP/1.1 200 OK\r\n${DATE}Connection: content-length\r\nContent-Length: 11\r\n\r\nhello world`,
  },
  { title: 'RFC 9110 §7.6.3: the upstream\'s Via is appended to', response: `HTTP/1.1 200 OK\r\n${DATE}Via: 1.1 origin-cache\r\nContent-Length: 2\r\n\r\nok` },
  {
    title: 'RFC 9110 §5.3 + RFC 6265 §3: two Set-Cookie lines stay two lines, in order',
    response: `HTTP/1.1 200 OK\r\n${DATE}Set-Cookie: a=1; Path=/\r\nX-Between: 1\r\nSet-Cookie: b=2; Path=/\r\nContent-Length: 2\r\n\r\nok`,
  },
  { title: 'RFC 9110 §6.6.1: a response without Date gets one', response: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' },
  {
    title: 'RFC 9110 §15.5.1: a 404 with a body is relayed as it is',
    response: `HTTP/1.1 404 Not Found\r\n${DATE}Content-Type: application/json\r\nContent-Length: 17\r\n\r\n{"error":"nope"}\n`,
  },
]

async function startResponder(c: ResponseCase): Promise<RawUpstream> {
  return startRawUpstream(({ socket }) => {
    socket.write(Buffer.from(c.response, 'latin1'))
    if (c.close) socket.end()
  })
}

describe.concurrent('response side: through devproxy the client gets what the upstream sent (RFC 9110/9112)', () => {
  it.for(cases)('$title', async (c, { expect, onTestFinished }) => {
    const direct = await startResponder(c)
    const behind = await startResponder(c)
    const proxy = await startTestProxy({ routes: [{ path: '/', target: behind.url }] })
    onTestFinished(async () => {
      await proxy.close(0)
      await Promise.all([direct.close(), behind.close()])
    })
    const method = c.method ?? 'GET'
    const version = c.clientVersion ?? '1.1'
    const request = `${method} /r HTTP/${version}\r\nHost: example.test\r\n\r\n`

    const straight = await converse(direct.port, request, [method])
    const relayed = await converse(proxy.port, request, [method])
    const directFinal = straight.parsed.finals[0]
    if (!directFinal?.complete) throw new Error(`oracle bug in "${c.title}": directly, the client got ${show(straight.bytes)}`)

    const problems: string[] = []
    const final = relayed.parsed.finals[0]
    if (!final) {
      problems.push(`client got no final response${relayed.parsed.error ? ` (${relayed.parsed.error})` : ''}`)
    } else {
      problems.push(...compareRelayed(directFinal, final, { method, clientVersion: version }))
      if (relayed.parsed.finals.length > 1) problems.push(`client got ${relayed.parsed.finals.length} final responses`)
    }
    // 1xx are end to end, but never for an HTTP/1.0 client (RFC 9110 §15.2).
    const wantInterim = version === '1.0' ? [] : interimOf(straight.parsed)
    problems.push(...compareInterim(wantInterim, interimOf(relayed.parsed)))
    expect(problems, `client got through the proxy: ${show(relayed.bytes, 800)}`).toEqual([])
  })
})
