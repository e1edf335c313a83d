/**
 * What arrives at the front door that is not a plain HTTP/1.x request, and what devproxy
 * answers: HTTP/0.9 request lines, CONNECT tunnels, h2c upgrade offers (`curl --http2`),
 * repeated Host fields and heads with thousands of header fields. Real sockets both sides: a
 * recording upstream behind a real proxy, clients written byte for byte (and real curl).
 * Every refusal is answered at once, closes its connection, and leaves the proxy serving.
 */
import { execFile, spawnSync } from 'node:child_process'
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { RunningProxy } from '../../src/start-proxy.js'
import { collect, firstBody, startRecordingUpstream, talk, type RecordingUpstream, type Talk } from '../hardening/wire.js'
import { request, startTestProxy, startUpstream, type TestProxy } from '../helpers/servers.js'
import { within } from '../helpers/wait.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setup(): Promise<{ upstream: RecordingUpstream; proxy: TestProxy }> {
  const upstream = await startRecordingUpstream()
  cleanups.push(() => upstream.close())
  const proxy = await startTestProxy({
    routes: [
      { name: 'api', path: '/api', target: upstream.url },
      { name: 'ws', path: '/ws', target: upstream.url, ws: true },
    ],
  })
  cleanups.push(() => within(2_000, proxy.close(0), 'the proxy closing'))
  return { upstream, proxy }
}

/** A proxy with a short headers timeout. */
async function proxyWithHeadersTimeout(target: string, headersTimeoutMs: number): Promise<RunningProxy> {
  const proxy = await startTestProxy({ routes: [{ name: 'api', path: '/api', target }] }, { headersTimeoutMs })
  cleanups.push(() => within(2_000, proxy.close(0), 'the proxy closing'))
  return proxy
}

/** The proxy still serves a well-formed request after whatever came before (it did not crash or wedge). */
async function expectStillServing(proxy: { url: string }): Promise<void> {
  const res = await within(5_000, request(`${proxy.url}/api/sentinel`), 'the sentinel request')
  expect(res.status).toBe(200)
}

/** Writes `bytes` one byte per `everyMs`, as a slow client would; resolves with everything answered once closed. */
function talkSlowly(port: number, bytes: string, everyMs = 5): Promise<Talk> {
  const data = Buffer.from(bytes, 'latin1')
  let timer: NodeJS.Timeout | undefined
  let sent = 0
  return within(
    10_000,
    collect(
      port,
      (socket) => {
        timer = setInterval(() => {
          if (socket.destroyed || sent >= data.length) return clearInterval(timer)
          socket.write(data.subarray(sent, ++sent))
        }, everyMs)
      },
      (socket: Socket) => socket.once('close', () => clearInterval(timer)),
    ),
    'the proxy answering the slow client and closing',
  )
}

/**
 * The status of each response the proxy sent, in order. The upstream's JSON bodies end without
 * a line break, so a pipelined response starts right after a `}` (wire.ts `statusesOf` looks
 * for a preceding CRLF and misses those).
 */
function statusesIn(answer: Talk): number[] {
  return [...answer.text.matchAll(/HTTP\/1\.[01] (\d{3}) [A-Z]/g)].map((m) => Number(m[1]))
}

/** The head of the first response in `text`, lower-cased names. */
function headerOf(text: string, name: string): string | undefined {
  const head = text.slice(0, text.indexOf('\r\n\r\n'))
  return new RegExp(`\\r\\n${name}: ([^\\r]*)`, 'i').exec(head)?.[1]
}

const HOST = 'Host: localhost\r\n'

// ─── HTTP/0.9 ───────────────────────────────────────────────────────────────────────────────
describe('HTTP/0.9 request lines (RFC 9110 §15.6.6: 505 HTTP Version Not Supported)', () => {
  it('RFC 9110 §15.6.6: `GET /api/x` with no version → 505 at once (not a 408 after the headers timeout), connection closed', async () => {
    const { upstream, proxy } = await setup()
    const answer = await talk(proxy.port, 'GET /api/x\r\n', 2_000)
    expect(statusesIn(answer), answer.text).toEqual([505])
    expect(answer.closedAfterMs).toBeLessThan(1_000)
    expect(headerOf(answer.text, 'x-devproxy-error')).toBe('unsupported_http_version')
    const body = firstBody(answer.text)
    expect(body.error.type).toBe('unsupported_http_version')
    expect(body.error.message).toMatch(/HTTP\/0\.9/)
    expect(body.error.hint).toMatch(/HTTP\/1\.1/)
    const tx = await within(2_000, proxy.nextTransaction(), 'the logged transaction')
    expect(tx).toMatchObject({ method: 'GET', url: '/api/x', status: 505, error: { type: 'unsupported_http_version' } })
    expect(upstream.seen).toEqual([])
    await expectStillServing(proxy)
  })

  it('RFC 9110 §15.6.6: the same request line sent one byte at a time → 505', async () => {
    const { upstream, proxy } = await setup()
    const answer = await talkSlowly(proxy.port, 'GET /api/x\r\n')
    expect(statusesIn(answer), answer.text).toEqual([505])
    expect(upstream.seen).toEqual([])
  })

  it('RFC 9112 §2.2: empty lines before an HTTP/0.9 request line are skipped; it still gets 505', async () => {
    const { proxy } = await setup()
    const answer = await talk(proxy.port, '\r\n\r\nGET /api/x\n', 2_000)
    expect(statusesIn(answer), answer.text).toEqual([505])
  })

  it('RFC 9112 §3: an HTTP/1.1 client sending its request one byte at a time is served as before', async () => {
    const { upstream, proxy } = await setup()
    const answer = await talkSlowly(proxy.port, `GET /api/slow HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`, 2)
    expect(statusesIn(answer), answer.text).toEqual([200])
    expect(upstream.seen.map((s) => s.url)).toEqual(['/api/slow'])
  })

  it('RFC 9112 §9.3.2: pipelined HTTP/1.1 requests in one write are all served, in order', async () => {
    const { upstream, proxy } = await setup()
    const answer = await talk(
      proxy.port,
      `GET /api/1 HTTP/1.1\r\n${HOST}\r\nPOST /api/2 HTTP/1.1\r\n${HOST}Content-Length: 2\r\n\r\nhiGET /api/3 HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`,
    )
    expect(statusesIn(answer), answer.text).toEqual([200, 200, 200])
    // Responses come back in order; upstream arrival need not (each goes on its own pooled connection).
    expect(upstream.seen.map((s) => `${s.method} ${s.url} ${s.body}`).sort()).toEqual(['GET /api/1 ', 'GET /api/3 ', 'POST /api/2 hi'])
  })

  it('RFC 9112 §9.3: a keep-alive connection serves a second request sent after the first answer', async () => {
    const { proxy } = await setup()
    const answer = await within(
      5_000,
      collect(proxy.port, (socket) => {
        socket.write(`GET /api/1 HTTP/1.1\r\n${HOST}\r\n`)
        socket.once('data', () => socket.write(`GET /api/2 HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`))
      }),
      'two requests on one connection',
    )
    expect(statusesIn(answer), answer.text).toEqual([200, 200])
  })

  it('RFC 9112 §3: bytes that are no request line at all (a TLS ClientHello) get 400 at once, not a wait for a line feed', async () => {
    const { proxy } = await setup()
    const clientHello = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, ...Array.from({ length: 64 }, (_, i) => (i * 7) & 0x7f || 1).filter((b) => b !== 0x0a)])
    const answer = await talk(proxy.port, clientHello, 2_000)
    expect(statusesIn(answer), answer.text).toEqual([400])
    expect(answer.closedAfterMs).toBeLessThan(1_000)
  })

  it('RFC 9110 §15.5.9: a client that connects and sends nothing is still cut off after headersTimeoutMs with 408', async () => {
    const upstream = await startRecordingUpstream()
    cleanups.push(() => upstream.close())
    const proxy = await proxyWithHeadersTimeout(upstream.url, 300)
    const answer = await within(3_000, collect(proxy.port, () => {}), 'the proxy cutting off the silent client')
    expect(statusesIn(answer), answer.text).toEqual([408])
    expect(answer.closedAfterMs).toBeGreaterThanOrEqual(250)
  })

  it('RFC 9110 §15.5.9: a request line that never ends is cut off after headersTimeoutMs with 408', async () => {
    const upstream = await startRecordingUpstream()
    cleanups.push(() => upstream.close())
    const proxy = await proxyWithHeadersTimeout(upstream.url, 300)
    const answer = await within(3_000, collect(proxy.port, (socket) => socket.write('GET /api/never-ending')), 'the proxy cutting off the client')
    expect(statusesIn(answer), answer.text).toEqual([408])
    expect(upstream.seen).toEqual([])
  })

  it('RFC 9112 §9.6: closing the proxy does not wait for a connection that has not sent its request line yet', async () => {
    const upstream = await startRecordingUpstream()
    cleanups.push(() => upstream.close())
    const proxy = await startTestProxy({ routes: [{ name: 'api', path: '/api', target: upstream.url }] })
    const closed = collect(proxy.port, (socket) => socket.write('GET /api/x'))
    await new Promise((resolve) => setTimeout(resolve, 50))
    await within(2_000, proxy.close(0), 'the proxy closing')
    await within(2_000, closed, 'the client connection closing')
  })
})

// ─── CONNECT ────────────────────────────────────────────────────────────────────────────────
describe('CONNECT (RFC 9110 §9.3.6: a reverse proxy does not tunnel)', () => {
  it('RFC 9110 §15.6.2: CONNECT example.com:443 → 501 connect_not_supported with a hint, logged, connection closed', async () => {
    const { upstream, proxy } = await setup()
    const answer = await talk(proxy.port, `CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n`, 2_000)
    expect(statusesIn(answer), answer.text).toEqual([501])
    expect(headerOf(answer.text, 'x-devproxy-error')).toBe('connect_not_supported')
    expect(headerOf(answer.text, 'connection')).toBe('close')
    const body = firstBody(answer.text)
    expect(body.error.type).toBe('connect_not_supported')
    expect(body.error.message).toMatch(/reverse proxy.*CONNECT/)
    // Issue 30: forward mode exists now; the hint names how to turn it on.
    expect(body.error.hint).toMatch(/--forward.*--intercept.*outbound/)
    const tx = await within(2_000, proxy.nextTransaction(), 'the logged transaction')
    expect(tx).toMatchObject({ method: 'CONNECT', url: 'example.com:443', status: 501, error: { type: 'connect_not_supported' }, ending: 'error' })
    expect(upstream.seen).toEqual([])
    await expectStillServing(proxy)
  })

  it('RFC 9110 §9.3.6: bytes sent after the CONNECT head (a TLS ClientHello) are never tunnelled or forwarded', async () => {
    const { upstream, proxy } = await setup()
    const answer = await talk(proxy.port, `CONNECT 127.0.0.1:${upstream.port} HTTP/1.1\r\nHost: 127.0.0.1:${upstream.port}\r\n\r\nGET /api/tunnelled HTTP/1.1\r\n${HOST}\r\n`, 2_000)
    expect(statusesIn(answer), answer.text).toEqual([501])
    expect(upstream.connections()).toBe(0)
    await expectStillServing(proxy)
    expect(upstream.seen.map((s) => s.url)).toEqual(['/api/sentinel'])
  })
})

// ─── h2c upgrade offers ─────────────────────────────────────────────────────────────────────
const H2C = 'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n'

describe('Upgrade: h2c offers (RFC 9110 §7.8: a server MAY ignore Upgrade) are served as HTTP/1.1', () => {
  it('RFC 9110 §7.8: a GET offering h2c gets the upstream answer over HTTP/1.1; Upgrade and HTTP2-Settings are not forwarded', async () => {
    const { upstream, proxy } = await setup()
    const answer = await talk(proxy.port, `GET /api/h2c?q=1 HTTP/1.1\r\n${HOST}${H2C}Accept: */*\r\n\r\n`.replace('Connection: Upgrade', 'Connection: close, Upgrade'), 2_000)
    expect(statusesIn(answer), answer.text).toEqual([200])
    expect(answer.text).not.toMatch(/^HTTP\/1\.1 101/)
    expect(upstream.seen.map((s) => s.url)).toEqual(['/api/h2c?q=1'])
    const seen = upstream.seen[0]!.headers
    expect(seen.upgrade).toBeUndefined()
    expect(seen['http2-settings']).toBeUndefined()
    expect(seen.accept).toBe('*/*')
    const tx = await within(2_000, proxy.nextTransaction(), 'the logged transaction')
    expect(tx).toMatchObject({ kind: 'http', method: 'GET', url: '/api/h2c?q=1', status: 200 })
  })

  it('RFC 9112 §9.3: the connection stays open after an h2c offer and serves the next request', async () => {
    const { upstream, proxy } = await setup()
    const answer = await within(
      5_000,
      collect(proxy.port, (socket) => {
        socket.write(`GET /api/first HTTP/1.1\r\n${HOST}${H2C}\r\n`)
        socket.once('data', () => socket.write(`GET /api/second HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`))
      }),
      'two requests on one connection',
    )
    expect(statusesIn(answer), answer.text).toEqual([200, 200])
    expect(upstream.seen.map((s) => s.url)).toEqual(['/api/first', '/api/second'])
    expect(upstream.connections()).toBe(1)
  })

  it('RFC 9110 §7.8: a POST offering h2c has its body forwarded whole, and a request pipelined behind it is served too', async () => {
    const { upstream, proxy } = await setup()
    const answer = await talk(
      proxy.port,
      `POST /api/upload HTTP/1.1\r\n${HOST}${H2C}Content-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world` +
        `GET /api/after HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`,
    )
    expect(statusesIn(answer), answer.text).toEqual([200, 200])
    expect(upstream.seen.map((s) => `${s.method} ${s.url} ${s.body}`).sort()).toEqual(['GET /api/after ', 'POST /api/upload hello world'])
    expect(upstream.seen.every((s) => s.complete)).toBe(true)
  })

  it('RFC 9112 §9.3.2: an h2c offer pipelined behind another request is answered after it, and the request behind it too', async () => {
    const { upstream, proxy } = await setup()
    const answer = await talk(
      proxy.port,
      `GET /api/a HTTP/1.1\r\n${HOST}\r\nGET /api/b HTTP/1.1\r\n${HOST}${H2C}\r\nGET /api/c HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`,
    )
    expect(statusesIn(answer), answer.text).toEqual([200, 200, 200])
    expect([...answer.text.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1])).toEqual(['/api/a', '/api/b', '/api/c'])
    expect(upstream.seen.find((s) => s.url === '/api/b')!.headers.upgrade).toBeUndefined()
  })

  it('RFC 9112 §9.3: an h2c offer as the second request of a keep-alive connection is served too', async () => {
    const { upstream, proxy } = await setup()
    const answer = await within(
      5_000,
      collect(proxy.port, (socket) => {
        socket.write(`GET /api/first HTTP/1.1\r\n${HOST}\r\n`)
        socket.once('data', () => socket.write(`GET /api/second HTTP/1.1\r\n${HOST}${H2C.replace('Connection: Upgrade', 'Connection: close, Upgrade')}\r\n`))
      }),
      'two requests on one connection',
    )
    expect(statusesIn(answer), answer.text).toEqual([200, 200])
    expect(upstream.seen.map((s) => s.url)).toEqual(['/api/first', '/api/second'])
  })

  it('RFC 9110 §7.8: a chunked POST offering h2c, its body arriving after the head, is forwarded whole', async () => {
    const { upstream, proxy } = await setup()
    const answer = await within(
      5_000,
      collect(proxy.port, (socket) => {
        socket.write(`POST /api/chunks HTTP/1.1\r\n${HOST}${H2C.replace('Connection: Upgrade', 'Connection: close, Upgrade')}Transfer-Encoding: chunked\r\n\r\n`)
        setTimeout(() => socket.write('5\r\nhello\r\n'), 20)
        setTimeout(() => socket.write('6\r\n world\r\n0\r\n\r\n'), 40)
      }),
      'the chunked upload',
    )
    expect(statusesIn(answer), answer.text).toEqual([200])
    expect(upstream.seen.map((s) => `${s.method} ${s.url} ${s.body}`)).toEqual(['POST /api/chunks hello world'])
  })

  it("RFC 9112 §9.3: a pipelined h2c offer is not cut by the keep-alive idle timeout of the response before it (upstream takes 7 s)", async () => {
    const upstream = await startUpstream((req, res) => setTimeout(() => res.end(`ok ${req.url}`), req.url === '/api/slow' ? 7_000 : 0))
    cleanups.push(() => upstream.close())
    const proxy = await startTestProxy({ routes: [{ name: 'api', path: '/api', target: upstream.url, timeoutMs: 20_000 }] })
    cleanups.push(() => within(2_000, proxy.close(0), 'the proxy closing'))
    const answer = await talk(
      proxy.port,
      `GET /api/fast HTTP/1.1\r\n${HOST}\r\nGET /api/slow HTTP/1.1\r\n${HOST}${H2C.replace('Connection: Upgrade', 'Connection: close, Upgrade')}\r\n`,
      15_000,
    )
    expect(statusesIn(answer), answer.text).toEqual([200, 200])
    expect(answer.text).toMatch(/ok \/api\/slow$/)
  }, 20_000)

  it('RFC 9110 §15.5.9: after an h2c offer was served, the next request head is still bound by headersTimeoutMs (408)', async () => {
    const upstream = await startRecordingUpstream()
    cleanups.push(() => upstream.close())
    const proxy = await proxyWithHeadersTimeout(upstream.url, 400)
    const answer = await within(
      5_000,
      collect(proxy.port, (socket) => {
        socket.write(`GET /api/first HTTP/1.1\r\n${HOST}${H2C}\r\n`)
        socket.once('data', () => socket.write(`GET /api/stalled HTTP/1.1\r\n${HOST}`))
      }),
      'the stalled second request being cut off',
    )
    expect(statusesIn(answer), answer.text).toEqual([200, 408])
    expect(upstream.seen.map((s) => s.url)).toEqual(['/api/first'])
  })

  it('RFC 9112 §9.6: closing the proxy closes an idle keep-alive connection that began with an h2c offer', async () => {
    const upstream = await startRecordingUpstream()
    cleanups.push(() => upstream.close())
    const proxy = await startTestProxy({ routes: [{ name: 'api', path: '/api', target: upstream.url }] })
    let answered!: () => void
    const firstAnswer = new Promise<void>((resolve) => (answered = resolve))
    const closed = collect(proxy.port, (socket) => {
      socket.write(`GET /api/first HTTP/1.1\r\n${HOST}${H2C}\r\n`)
      socket.once('data', () => answered())
    })
    await within(5_000, firstAnswer, 'the first answer')
    expect(proxy.inFlight()).toBe(0)
    await within(2_000, proxy.close(5_000), 'the proxy closing without waiting out the grace period')
    const answer = await within(2_000, closed, 'the client connection closing')
    expect(statusesIn(answer)).toEqual([200])
  })

  it('RFC 6455 §4.1: a WebSocket upgrade is still proxied as a WebSocket (the upstream sees Upgrade: websocket)', async () => {
    const { upstream, proxy } = await setup()
    const answer = await talk(
      proxy.port,
      `GET /ws/hmr HTTP/1.1\r\n${HOST}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    )
    // The recording upstream refuses upgrades with 404; what matters is that it got one.
    expect(statusesIn(answer), answer.text).toEqual([404])
    expect(upstream.seen.map((s) => `${s.url} ${s.headers.upgrade}`)).toEqual(['/ws/hmr websocket'])
  })
})

const curlMissing = spawnSync('curl', ['--version']).status !== 0
if (curlMissing) console.warn('front-door.test.ts: curl is not installed; the `curl --http2` tests are skipped')

function curl(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '--max-time', '5', ...args], (error, stdout, stderr) => (error ? reject(Object.assign(error, { stderr })) : resolve({ stdout, stderr })))
  })
}

describe.skipIf(curlMissing)('curl --http2 against devproxy (RFC 9110 §7.8: h2c offer ignored, HTTP/1.1 answer)', () => {
  it('RFC 9110 §7.8: curl --http2 GET gets the upstream answer over HTTP/1.1', async () => {
    const { upstream, proxy } = await setup()
    const { stdout } = await curl(['--http2', '-w', '\n%{http_version} %{response_code}', `${proxy.url}/api/curl`])
    const [body, status] = stdout.split('\n')
    expect(status).toBe('1.1 200')
    expect(JSON.parse(body!)).toMatchObject({ method: 'GET', url: '/api/curl' })
    expect(upstream.seen[0]!.headers.upgrade).toBeUndefined()
  })

  it('RFC 9112 §9.3: curl --http2 with two URLs reuses the one connection', async () => {
    const { upstream, proxy } = await setup()
    const { stdout } = await curl(['--http2', '-o', '/dev/null', '-w', '%{response_code} %{num_connects}\n', `${proxy.url}/api/one`, '-o', '/dev/null', `${proxy.url}/api/two`])
    expect(stdout.trim().split('\n')).toEqual(['200 1', '200 0'])
    expect(upstream.seen.map((s) => s.url)).toEqual(['/api/one', '/api/two'])
  })

  it('RFC 9110 §7.8: curl --http2 POST has its body forwarded', async () => {
    const { upstream, proxy } = await setup()
    const { stdout } = await curl(['--http2', '-d', 'name=devproxy', '-o', '/dev/null', '-w', '%{http_version} %{response_code}', `${proxy.url}/api/form`])
    expect(stdout).toBe('1.1 200')
    expect(upstream.seen.map((s) => `${s.method} ${s.url} ${s.body}`)).toEqual(['POST /api/form name=devproxy'])
  })
})

// ─── Host ───────────────────────────────────────────────────────────────────────────────────
describe('more than one Host field (RFC 9112 §3.2: 400)', () => {
  const cases: Array<[string, string]> = [
    ['two Host fields', `GET /api/x HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n`],
    ['two Host fields in different letter case', `GET /api/x HTTP/1.1\r\nHost: localhost\r\nhOST: evil.example\r\n\r\n`],
    ['two identical Host fields', `GET /api/x HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\n\r\n`],
    ['two Host fields on an HTTP/1.0 request', `GET /api/x HTTP/1.0\r\nHost: localhost\r\nHost: evil.example\r\n\r\n`],
    ['two Host fields on a POST with a body', `POST /api/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nHost: evil.example\r\n\r\nhello`],
    ['two Host fields on a WebSocket upgrade', `GET /ws/x HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`],
    ['two Host fields on an h2c offer', `GET /api/x HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n${H2C}\r\n`],
  ]
  it.each(cases)('RFC 9112 §3.2: %s → 400 bad_request, upstream never called, connection closed', async (_name, bytes) => {
    const { upstream, proxy } = await setup()
    const answer = await talk(proxy.port, bytes, 2_000)
    expect(statusesIn(answer), answer.text).toEqual([400])
    expect(headerOf(answer.text, 'x-devproxy-error')).toBe('bad_request')
    expect(firstBody(answer.text).error.message).toMatch(/Host/)
    const tx = await within(2_000, proxy.nextTransaction(), 'the logged transaction')
    expect(tx).toMatchObject({ status: 400, error: { type: 'bad_request' } })
    expect(upstream.seen).toEqual([])
    expect(upstream.connections()).toBe(0)
    await expectStillServing(proxy)
  })

  it('RFC 9112 §3.2: one Host field is served as before', async () => {
    const { upstream, proxy } = await setup()
    const answer = await talk(proxy.port, `GET /api/x HTTP/1.1\r\nHost: localhost\r\nX-Host: also-fine\r\nConnection: close\r\n\r\n`)
    expect(statusesIn(answer), answer.text).toEqual([200])
    expect(upstream.seen.map((s) => s.url)).toEqual(['/api/x'])
  })
})

// ─── header count ───────────────────────────────────────────────────────────────────────────
describe('thousands of request header fields (RFC 9110 §5.4: nothing dropped; RFC 6585 §5: 431 when too large)', () => {
  /** `count` distinct short fields: x0: 1, x1: 1, … (names in base 36). */
  function manyFields(count: number, value = '1'): string {
    let out = ''
    for (let i = 0; i < count; i++) out += `x${i.toString(36)}: ${value}\r\n`
    return out
  }

  it('RFC 9110 §5.4: 3,000 small header fields within the 16 KiB head limit all reach the upstream (none silently dropped)', async () => {
    const { upstream, proxy } = await setup()
    // The upstream is a Node server too: lift its own 2,000-entry cap so it can count them all.
    upstream.server.maxHeadersCount = 0
    const answer = await talk(proxy.port, `GET /api/many HTTP/1.1\r\n${HOST}${manyFields(3_000)}Connection: close\r\n\r\n`)
    expect(statusesIn(answer), answer.text).toEqual([200])
    const seen = upstream.seen[0]!.headers
    const names = Object.keys(seen).filter((name) => /^x[0-9a-z]+$/.test(name))
    expect(names.length).toBe(3_000)
    expect(seen['x0']).toBe('1')
    expect(seen[`x${(2_999).toString(36)}`]).toBe('1')
    await expectStillServing(proxy)
  })

  it('RFC 9110 §5.4, RFC 6585 §5: 3,000 header fields over the 16 KiB head limit → 431, upstream never called, connection closed', async () => {
    const { upstream, proxy } = await setup()
    const answer = await talk(proxy.port, `GET /api/many HTTP/1.1\r\n${HOST}${manyFields(3_000, 'a-longer-value')}Connection: close\r\n\r\n`)
    expect(statusesIn(answer), answer.text).toEqual([431])
    expect(upstream.seen).toEqual([])
    await expectStillServing(proxy)
  })
})

// ─── all of them, on the wire ───────────────────────────────────────────────────────────────
describe('after every one of these refusals (wire level)', () => {
  /** TCP sockets open in this process: clients, the proxy's both sides, the upstream's. */
  function openTcpSockets(): number {
    return process.getActiveResourcesInfo().filter((name) => name === 'TCPSocketWrap').length
  }

  /** Resolves once `check` holds, checking every 10 ms; rejects after `ms`. */
  async function eventually(check: () => boolean, ms: number, what: string): Promise<void> {
    const deadline = performance.now() + ms
    while (!check()) {
      if (performance.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  it('RFC 9112 §9.6: no connection is left open on the proxy, and it keeps serving', async () => {
    const { upstream, proxy } = await setup()
    await expectStillServing(proxy)
    const before = openTcpSockets()
    const refusals: Array<[string, string | Buffer, number]> = [
      ['HTTP/0.9', 'GET /api/x\r\n', 505],
      ['CONNECT', `CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01`, 501],
      ['two Host fields', `GET /api/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n`, 400],
      ['two Host fields on an upgrade', `GET /ws/x HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`, 400],
      ['a head over 16 KiB', `GET /api/x HTTP/1.1\r\n${HOST}X-Big: ${'b'.repeat(17 * 1024)}\r\n\r\n`, 431],
      ['an h2c offer', `GET /api/x HTTP/1.1\r\n${HOST}${H2C.replace('Connection: Upgrade', 'Connection: close, Upgrade')}\r\n`, 200],
    ]
    for (const [name, bytes, status] of refusals) {
      const answer = await talk(proxy.port, bytes, 2_000)
      expect(statusesIn(answer), `${name}: ${answer.text}`).toEqual([status])
    }
    await expectStillServing(proxy)
    await eventually(() => openTcpSockets() <= before, 2_000, 'every refused connection closing on the proxy side')
    expect(upstream.seen.map((s) => s.url)).toEqual(['/api/sentinel', '/api/x', '/api/sentinel'])
  })
})
