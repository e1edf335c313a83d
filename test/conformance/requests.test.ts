/**
 * The request corpus: each client request is written byte for byte straight to a recording
 * upstream and, on a fresh rig, through devproxy; what the upstream parsed through the proxy must
 * equal what it parsed directly, modulo the rewrites the proxy documents — or the proxy refuses
 * it, where RFC 9110/9112 allow that, and then the upstream gets nothing at all.
 *
 * Where a strict parser (the upstream's) refuses bytes that the RFC still gives a meaning
 * (bare LF, obs-fold, a repeated identical Content-Length, TE with CL), `canonical` spells the
 * meaning out in bytes it accepts, and that is what the proxy is judged against.
 */
import { describe, it } from 'vitest'
import { judge, startRig, type RequestCase } from './rig.js'

const H = 'Host: example.test\r\n'
const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: example.test\r\n\r\n'
const BODY = 'hello world'
const CHUNKED = '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'

/** RFC 9110 §9.3 says what a body means for each method; RFC 9112 §6.3 how long it is, for all of them alike. */
const METHOD_SECTIONS: Record<string, string> = {
  GET: 'RFC 9110 §9.3.1',
  HEAD: 'RFC 9110 §9.3.2',
  POST: 'RFC 9110 §9.3.3',
  PUT: 'RFC 9110 §9.3.4',
  DELETE: 'RFC 9110 §9.3.5',
  OPTIONS: 'RFC 9110 §9.3.7',
  PATCH: 'RFC 5789 §2',
}

const bodiesOnEveryMethod: RequestCase[] = Object.entries(METHOD_SECTIONS).flatMap(([method, section]): RequestCase[] => [
  {
    title: `RFC 9112 §6.3 + ${section}: ${method} with a Content-Length body`,
    raw: `${method} /m/${method.toLowerCase()}?q=1 HTTP/1.1\r\n${H}Content-Type: text/plain\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
    verdict: 'forward',
  },
  {
    title: `RFC 9112 §7.1 + ${section}: ${method} with a chunked body`,
    raw: `${method} /m/${method.toLowerCase()}?q=1 HTTP/1.1\r\n${H}Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED}`,
    verdict: 'forward',
  },
])

const manyHeaders = (() => {
  // 3,000 field lines of 5 bytes ("a:0\r\n"): 15,000 bytes, inside Node's 16 KiB default even
  // with the fields the proxy adds.
  const letters = 'abcdefghijklmnopqrstuvwxyz'
  let fields = ''
  for (let i = 0; i < 3000; i++) fields += `${letters[i % 26]}:${Math.floor(i / 26) % 10}\r\n`
  return `GET /many HTTP/1.1\r\n${H}${fields}\r\n`
})()

const cases: RequestCase[] = [
  { title: 'RFC 9112 §6.3: GET without a body (baseline)', raw: `GET /plain?x=1 HTTP/1.1\r\n${H}Accept: */*\r\nUser-Agent: conformance\r\n\r\n`, verdict: 'forward' },
  ...bodiesOnEveryMethod,
  {
    // The client MUST NOT send content in TRACE; the framing still says where the request ends.
    title: 'RFC 9110 §9.3.8: TRACE with a Content-Length body (a client MUST NOT send one): forwarded as framed or refused',
    raw: `TRACE /m/trace HTTP/1.1\r\n${H}Content-Length: ${BODY.length}\r\n\r\n${BODY}`,
    verdict: 'forward-or-refuse',
  },
  {
    title: 'RFC 9110 §9.3.8: TRACE with a chunked body (a client MUST NOT send one): forwarded as framed or refused',
    raw: `TRACE /m/trace HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n${CHUNKED}`,
    verdict: 'forward-or-refuse',
  },
  { title: 'RFC 9110 §8.6: Content-Length: 011 (leading zeros are still 1*DIGIT)', raw: `PUT /cl-zeros HTTP/1.1\r\n${H}Content-Length: 011\r\n\r\n${BODY}`, verdict: 'forward' },
  { title: 'RFC 9112 §7.1: a chunked POST with no data (only the last chunk)', raw: `POST /chunk-empty HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, verdict: 'forward' },
  { title: 'RFC 9110 §8.6: POST with Content-Length: 0', raw: `POST /empty HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n`, verdict: 'forward' },
  {
    title: 'RFC 9112 §6.2: POST with a 100 KiB Content-Length body',
    raw: `POST /big HTTP/1.1\r\n${H}Content-Length: ${100 * 1024}\r\n\r\n${'x'.repeat(100 * 1024)}`,
    verdict: 'forward',
  },

  // ─── Connection options on requests with bodies (RFC 9110 §7.6.1) ───
  {
    title: 'RFC 9110 §7.6.1: Connection: content-length on a DELETE with a body (framing is never dropped)',
    raw: `DELETE /conn/cl HTTP/1.1\r\n${H}Connection: content-length\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
    verdict: 'forward',
  },
  {
    title: 'RFC 9110 §7.6.1: Connection: content-length on a POST with a body',
    raw: `POST /conn/cl HTTP/1.1\r\n${H}Connection: content-length\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
    verdict: 'forward',
  },
  {
    title: 'RFC 9110 §7.6.1: Connection: transfer-encoding on a chunked POST',
    raw: `POST /conn/te HTTP/1.1\r\n${H}Connection: transfer-encoding\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED}`,
    verdict: 'forward',
  },
  {
    title: 'RFC 9110 §7.6.1: Connection: transfer-encoding on a chunked GET',
    raw: `GET /conn/te HTTP/1.1\r\n${H}Connection: transfer-encoding\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED}`,
    verdict: 'forward',
  },
  {
    title: 'RFC 9110 §7.6.1 + RFC 9112 §3.2: Connection: host on a POST with a body (Host stays)',
    raw: `POST /conn/host HTTP/1.1\r\n${H}Connection: host\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
    verdict: 'forward',
  },
  {
    title: 'RFC 9110 §7.6.1 + RFC 9112 §9.6: Connection: close, x-foo on a POST with a body (X-Foo removed, connection closed after)',
    raw: `POST /conn/close HTTP/1.1\r\n${H}Connection: close, x-foo\r\nX-Foo: secret\r\nX-Bar: kept\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
    verdict: 'forward',
    closeAfter: true,
  },
  {
    title: 'RFC 9110 §7.6.1: Keep-Alive, Proxy-Connection and TE (named in Connection) are not forwarded',
    raw: `POST /hop HTTP/1.1\r\n${H}Connection: keep-alive, TE\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nX-End: 1\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
    verdict: 'forward',
  },
  {
    title: 'RFC 9110 §7.8: an h2c upgrade offer is forwarded as a plain request (Upgrade, HTTP2-Settings removed)',
    raw: `GET /h2c HTTP/1.1\r\n${H}Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n`,
    verdict: 'forward',
  },

  // ─── framing conflicts and Transfer-Encoding obfuscations (RFC 9112 §6.1, §6.3) ───
  {
    // §6.3 (3): TE overrides CL; a proxy that forwards MUST remove CL first; §6.1: close after.
    title: 'RFC 9112 §6.3 (3) + §6.1: CL.TE — Content-Length then Transfer-Encoding: chunked, a request smuggled after the last chunk',
    raw: `POST /clte HTTP/1.1\r\n${H}Content-Length: ${'0\r\n\r\n'.length + SMUGGLED.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
    canonical: `POST /clte HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    verdict: 'forward-or-refuse',
    closeAfter: true,
  },
  {
    title: 'RFC 9112 §6.3 (3) + §6.1: TE.CL — Transfer-Encoding: chunked then a short Content-Length',
    raw: `POST /tecl HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    canonical: `POST /tecl HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    verdict: 'forward-or-refuse',
    closeAfter: true,
  },
  {
    title: 'RFC 9112 §6.3 (3) + §6.1: Transfer-Encoding: chunked with a matching Content-Length',
    raw: `POST /te-and-cl HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: ${CHUNKED.length}\r\n\r\n${CHUNKED}`,
    canonical: `POST /te-and-cl HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n${CHUNKED}`,
    verdict: 'forward-or-refuse',
    closeAfter: true,
  },
  {
    // §6.3 (4): chunked is not the final coding of a request → 400 and close; §6.1: an unknown coding → 501.
    title: 'RFC 9112 §6.3 (4) + §6.1: TE.TE — Transfer-Encoding: xchunked with a Content-Length → 400/501, nothing forwarded',
    raw: `POST /xchunked HTTP/1.1\r\n${H}Content-Length: ${'0\r\n\r\n'.length + SMUGGLED.length}\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
    verdict: 'refuse',
    refuse: [400, 501],
    closeOnRefuse: true,
  },
  {
    title: 'RFC 9112 §6.3 (4): Transfer-Encoding: chunked, identity (chunked not final) → 400, nothing forwarded',
    raw: `POST /chunked-identity HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n${CHUNKED}`,
    verdict: 'refuse',
    refuse: [400, 501],
    closeOnRefuse: true,
  },
  {
    title: 'RFC 9112 §6.3 (4): duplicated Transfer-Encoding: chunked / x (combined "chunked, x": chunked not final) → 400',
    raw: `POST /te-dup HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n${CHUNKED}`,
    verdict: 'refuse',
    refuse: [400, 501],
    closeOnRefuse: true,
  },
  {
    // §6.1: a sender MUST NOT apply chunked more than once — a proxy cannot forward this faithfully.
    title: 'RFC 9112 §6.1: duplicated Transfer-Encoding: chunked / chunked (chunked applied twice) → refused',
    raw: `POST /te-twice HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED}`,
    verdict: 'refuse',
    refuse: [400, 501],
    closeOnRefuse: true,
  },
  {
    // §6.1: unknown coding SHOULD be 501; if forwarded, only chunked is the proxy's to remove.
    title: 'RFC 9112 §6.1: Transfer-Encoding: foo then chunked (an unknown coding under chunked): refused, or forwarded keeping foo',
    raw: `POST /te-foo HTTP/1.1\r\n${H}Transfer-Encoding: foo\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED}`,
    verdict: 'forward-or-refuse',
    refuse: [400, 501],
  },
  {
    title: 'RFC 9110 §5.5 + RFC 9112 §6.1: Transfer-Encoding with extra leading whitespace ("  chunked") is chunked',
    raw: `POST /te-space HTTP/1.1\r\n${H}Transfer-Encoding:  chunked\r\n\r\n${CHUNKED}`,
    verdict: 'forward',
  },
  {
    title: 'RFC 9110 §5.5 + RFC 9112 §6.1: Transfer-Encoding:\\tchunked (HTAB is OWS) is chunked',
    raw: `POST /te-tab HTTP/1.1\r\n${H}Transfer-Encoding:\tchunked\r\n\r\n${CHUNKED}`,
    verdict: 'forward',
  },
  {
    title: 'RFC 9112 §6.3 (5): two differing Content-Length fields → 400, nothing forwarded',
    raw: `POST /cl-dup HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: ${5 + SMUGGLED.length}\r\n\r\nhello${SMUGGLED}`,
    verdict: 'refuse',
    closeOnRefuse: true,
  },
  {
    title: 'RFC 9112 §6.3 (5): Content-Length: 5, 41 (a list of differing values) → 400, nothing forwarded',
    raw: `POST /cl-list HTTP/1.1\r\n${H}Content-Length: 5, ${5 + SMUGGLED.length}\r\n\r\nhello${SMUGGLED}`,
    verdict: 'refuse',
    closeOnRefuse: true,
  },
  {
    // §8.6: a recipient MAY reject or replace the repeated identical values by one.
    title: 'RFC 9110 §8.6: two identical Content-Length fields: refused, or forwarded with one',
    raw: `POST /cl-same HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello`,
    canonical: `POST /cl-same HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello`,
    verdict: 'forward-or-refuse',
  },
  {
    title: 'RFC 9110 §8.6 + RFC 9112 §6.3 (5): Content-Length: +5 (not 1*DIGIT) → 400, nothing forwarded',
    raw: `POST /cl-plus HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\nhello`,
    verdict: 'refuse',
    closeOnRefuse: true,
  },
  {
    title: 'RFC 9112 §7.1.1: chunk extensions (5;ext=1, 6;name="quoted") are framing, the data is forwarded',
    raw: `POST /chunk-ext HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6;name="quoted"\r\n world\r\n0\r\n\r\n`,
    verdict: 'forward',
  },
  {
    title: 'RFC 9112 §7.1: chunk sizes with leading zeros (0005)',
    raw: `POST /chunk-zeros HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0005\r\nhello\r\n00006\r\n world\r\n0000\r\n\r\n`,
    verdict: 'forward',
  },
  {
    // Trailer is end-to-end (RFC 9110 §6.6.2), not hop-by-hop; the trailer section travels too.
    title: 'RFC 9112 §7.1.2 + RFC 9110 §6.6.2: trailers on a chunked request, announced by Trailer',
    raw: `POST /trailers HTTP/1.1\r\n${H}Trailer: X-Checksum\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED.slice(0, -2)}X-Checksum: abc123\r\n\r\n`,
    verdict: 'forward',
  },
  {
    title: 'RFC 9112 §7.1: a chunk line ended by a bare LF: no 2xx, no complete request upstream',
    raw: `POST /chunk-lf HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n${SMUGGLED}`,
    verdict: 'refuse-body',
  },
  {
    // §2.2: a recipient MAY recognize a single LF as a line terminator.
    title: 'RFC 9112 §2.2: bare LF line endings in the head: refused, or forwarded as the same request',
    raw: `POST /bare-lf HTTP/1.1\nHost: example.test\nX-Lf: 1\nContent-Length: 5\n\nhello`,
    canonical: `POST /bare-lf HTTP/1.1\r\nHost: example.test\r\nX-Lf: 1\r\nContent-Length: 5\r\n\r\nhello`,
    verdict: 'forward-or-refuse',
  },
  {
    // §5.2: a server MUST either reject with 400 or replace each obs-fold with SP before forwarding.
    title: 'RFC 9112 §5.2: an obs-fold: 400, or forwarded with the fold replaced by spaces',
    raw: `GET /obs-fold HTTP/1.1\r\n${H}X-Folded: first\r\n second\r\nX-After: 1\r\n\r\n`,
    canonical: `GET /obs-fold HTTP/1.1\r\n${H}X-Folded: first second\r\nX-After: 1\r\n\r\n`,
    verdict: 'forward-or-refuse',
    valueMatch: { 'x-folded': /^first +second$/ },
  },

  // ─── request line, Host, versions ───
  { title: 'RFC 9112 §3.2: two Host fields → 400, nothing forwarded', raw: `GET /two-hosts HTTP/1.1\r\n${H}Host: other.test\r\n\r\n`, verdict: 'refuse', closeOnRefuse: false },
  { title: 'RFC 9112 §3.2: an HTTP/1.1 request without Host → 400, nothing forwarded', raw: 'GET /no-host HTTP/1.1\r\nAccept: */*\r\n\r\n', verdict: 'refuse', closeOnRefuse: false },
  {
    title: 'RFC 9112 §3.2.2: an absolute-form target is forwarded in origin form',
    raw: 'GET http://localhost/abs/x?q=1&r=%2F HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n',
    verdict: 'forward',
  },
  {
    // §3.2.2: the target's authority is the host; a proxy MUST replace Host with it when forwarding.
    title: 'RFC 9112 §3.2.2: an absolute-form target whose Host differs: the target\'s authority is forwarded as Host',
    raw: 'GET http://localhost/abs/y HTTP/1.1\r\nHost: other.test\r\nAccept: */*\r\n\r\n',
    canonical: 'GET /abs/y HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n',
    verdict: 'forward',
  },
  {
    title: 'RFC 9110 §7.7: the query string is forwarded byte for byte',
    raw: `GET /query?a=%2F&b=+&c=%E2%82%AC&d&e=%zz&f=a%20b HTTP/1.1\r\n${H}\r\n`,
    verdict: 'forward',
  },
  {
    title: 'RFC 9110 §7.6.3 + §2.5: an HTTP/1.0 request goes up as HTTP/1.1 with Via: 1.0 devproxy-…',
    raw: `GET /ten HTTP/1.0\r\n${H}User-Agent: old\r\n\r\n`,
    verdict: 'forward',
    closeAfter: true,
  },
  {
    title: 'RFC 9110 §7.6.3 + RFC 9112 §6.2: an HTTP/1.0 POST with a Content-Length body',
    raw: `POST /ten HTTP/1.0\r\n${H}Content-Length: ${BODY.length}\r\n\r\n${BODY}`,
    verdict: 'forward',
    closeAfter: true,
  },
  {
    title: 'RFC 9110 §7.6.2 + §7.6.3: X-Forwarded-For and Via are appended to, not replaced',
    raw: `GET /appended HTTP/1.1\r\n${H}X-Forwarded-For: 203.0.113.7\r\nVia: 1.1 edge\r\n\r\n`,
    verdict: 'forward',
  },
  {
    title: 'transparency (RFC 9110 §5.1 leaves case to the sender): header name case preserved (X-MiXeD-CaSe)',
    raw: `GET /case HTTP/1.1\r\n${H}X-MiXeD-CaSe: Value\r\nx-lower: 1\r\nX-UPPER: 2\r\n\r\n`,
    verdict: 'forward',
  },
  {
    title: 'RFC 9110 §5.3: repeated field lines keep their order (and the lines around them theirs)',
    raw: `GET /order HTTP/1.1\r\n${H}Accept: text/html\r\nX-Between: 1\r\nAccept: application/json\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n`,
    verdict: 'forward',
  },
  {
    title: 'README "faults": x-devproxy-fault is never forwarded (fault header off)',
    raw: `GET /fault-header HTTP/1.1\r\n${H}x-devproxy-fault: 503\r\nX-Kept: 1\r\n\r\n`,
    verdict: 'forward',
  },
  {
    title: 'RFC 6585 §5: 3,000 small header fields within 16 KiB: all forwarded, or 431 — never some',
    raw: manyHeaders,
    verdict: 'forward-or-refuse',
    refuse: [431],
  },
  { title: 'RFC 9110 §9.3.6 + §15.6.2: CONNECT → 501, nothing forwarded', raw: `CONNECT example.test:443 HTTP/1.1\r\n${H}\r\n`, verdict: 'refuse', refuse: [501], closeOnRefuse: false },
  { title: 'RFC 9110 §15.6.6 + RFC 9112 §2.3: an HTTP/0.9 request → 505, nothing forwarded', raw: 'GET /nine\r\n\r\n', verdict: 'refuse', refuse: [505], closeOnRefuse: false },
]

describe.concurrent('request side: through devproxy the upstream gets what the client framed (RFC 9110/9112)', () => {
  it.for(cases)('$title', async (c, { expect, onTestFinished }) => {
    const rig = await startRig()
    onTestFinished(() => rig.close())
    const { problems, context } = await judge(rig, c)
    expect(problems, context).toEqual([])
  })
})
