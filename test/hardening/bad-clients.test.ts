/**
 * Hostile and broken clients, written byte by byte on raw sockets (an HTTP client library
 * would refuse to send most of this). A real proxy in front of a real upstream that records
 * every request it receives: whatever the proxy refuses must never reach it, in any form.
 */
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { UserConfig } from '../../src/config/types.js'
import type { RunningProxy } from '../../src/start-proxy.js'
import { request, startTestProxy, type TestProxy } from '../helpers/servers.js'
import { within } from '../helpers/wait.js'
import { collect, firstBody, startRecordingUpstream, talk, type RecordingUpstream } from './wire.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function recordingUpstream(name?: string): Promise<RecordingUpstream> {
  const upstream = await startRecordingUpstream(name)
  cleanups.push(() => upstream.close())
  return upstream
}

async function proxyWith(config: UserConfig): Promise<TestProxy> {
  const proxy = await startTestProxy(config)
  cleanups.push(() => proxy.close(0))
  return proxy
}

/** An upstream behind `/api` (body cap 1 KiB) and a catch-all `/`, so a refusal is never a plain routing miss. */
async function setup(): Promise<{ upstream: RecordingUpstream; proxy: TestProxy }> {
  const upstream = await recordingUpstream()
  const proxy = await proxyWith({
    routes: [
      { name: 'api', path: '/api', target: upstream.url, maxRequestBodyBytes: 1024 },
      { name: 'root', path: '/', target: upstream.url },
    ],
  })
  return { upstream, proxy }
}

/**
 * Sends a well-formed request after the attack and waits until the upstream has it: anything
 * the attack had got forwarded would have arrived by then. Returns what the upstream saw
 * before the sentinel.
 */
async function seenBeforeSentinel(proxy: TestProxy, upstream: RecordingUpstream): Promise<string[]> {
  const res = await within(5_000, request(`${proxy.url}/api/sentinel`), 'the sentinel request')
  expect(res.status).toBe(200)
  const urls = upstream.seen.map((s) => `${s.method} ${s.url}${s.complete ? '' : ' (incomplete)'}`)
  expect(urls.at(-1)).toBe('GET /api/sentinel')
  return urls.slice(0, -1)
}

const HEAD = 'Host: localhost\r\n'

// ─── request smuggling ──────────────────────────────────────────────────────────────────────
describe('ambiguous framing (request smuggling) → 400, nothing forwarded, connection closed', () => {
  const smuggled = `GET /api/smuggled HTTP/1.1\r\n${HEAD}\r\n`
  const cases: Array<[string, string]> = [
    ['Content-Length and Transfer-Encoding (CL first)', `POST /api/x HTTP/1.1\r\n${HEAD}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`],
    ['Transfer-Encoding and Content-Length (TE first)', `POST /api/x HTTP/1.1\r\n${HEAD}Transfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n${smuggled}`],
    ['two different Content-Length headers', `POST /api/x HTTP/1.1\r\n${HEAD}Content-Length: 5\r\nContent-Length: 41\r\n\r\nhello${smuggled}`],
    ['a Content-Length list with different values', `POST /api/x HTTP/1.1\r\n${HEAD}Content-Length: 5, 41\r\n\r\nhello${smuggled}`],
    ['an obs-folded header (continuation line starting with a space)', `GET /api/x HTTP/1.1\r\n${HEAD}X-Folded: first\r\n second\r\n\r\n`],
    ['an obs-folded header (continuation line starting with a tab)', `GET /api/x HTTP/1.1\r\n${HEAD}X-Folded: first\r\n\tsecond\r\n\r\n`],
    ['Transfer-Encoding hidden in an obs-fold', `POST /api/x HTTP/1.1\r\n${HEAD}Content-Length: 5\r\nX-Note: a\r\n Transfer-Encoding: chunked\r\n\r\nhello`],
    ['whitespace between a header name and its colon', `POST /api/x HTTP/1.1\r\n${HEAD}Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\nhello`],
    ['a Transfer-Encoding whose last coding is not chunked', `POST /api/x HTTP/1.1\r\n${HEAD}Transfer-Encoding: chunked, identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n`],
    ['bare LF line endings', `GET /api/x HTTP/1.1\n${HEAD.replace('\r\n', '\n')}\n`],
    ['a bare LF ending one header line', `GET /api/x HTTP/1.1\r\nHost: localhost\nX-After: 1\r\n\r\n`],
    ['a bare CR inside a header value', `GET /api/x HTTP/1.1\r\n${HEAD}X-Split: a\rb\r\n\r\n`],
  ]
  it.each(cases)('%s', async (_name, bytes) => {
    const { upstream, proxy } = await setup()

    const answer = await talk(proxy.port, bytes)
    expect(answer.statuses, answer.text).toEqual([400])
    expect(await seenBeforeSentinel(proxy, upstream)).toEqual([])
  })

  it('an invalid chunk size (`zz`) after a valid head: no 2xx, the connection is closed, no complete request upstream', async () => {
    const { upstream, proxy } = await setup()

    const answer = await talk(proxy.port, `POST /api/x HTTP/1.1\r\n${HEAD}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n${smuggled}`)
    // The head was valid, so the request may already be on its way upstream when the body
    // turns out bad; what matters is that it is never completed, answered 2xx or followed by
    // the smuggled request.
    expect(answer.statuses.filter((s) => s < 300), answer.text).toEqual([])
    expect(answer.statuses.every((s) => s === 400), answer.text).toBe(true)
    const seen = await seenBeforeSentinel(proxy, upstream)
    expect(seen.filter((s) => !s.endsWith('(incomplete)'))).toEqual([])
    expect(seen.join()).not.toContain('smuggled')
  })

  it('a chunk size with an overflowing number of hex digits', async () => {
    const { upstream, proxy } = await setup()
    const answer = await talk(proxy.port, `POST /api/x HTTP/1.1\r\n${HEAD}Transfer-Encoding: chunked\r\n\r\n${'f'.repeat(40)}\r\nhello\r\n0\r\n\r\n`)
    expect(answer.statuses.filter((s) => s < 300), answer.text).toEqual([])
    const seen = await seenBeforeSentinel(proxy, upstream)
    expect(seen.filter((s) => !s.endsWith('(incomplete)'))).toEqual([])
  })
})

// ─── sizes ──────────────────────────────────────────────────────────────────────────────────
describe('oversized requests', () => {
  it.each([
    ['one 64 KiB header', `GET /api/x HTTP/1.1\r\n${HEAD}X-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`],
    ['640 headers of 100 bytes', `GET /api/x HTTP/1.1\r\n${HEAD}${Array.from({ length: 640 }, (_, i) => `X-H${i}: ${'b'.repeat(92)}\r\n`).join('')}\r\n`],
    ['a 64 KiB request target', `GET /api/${'c'.repeat(64 * 1024)} HTTP/1.1\r\n${HEAD}\r\n`],
  ])('%s → 431, never forwarded', async (_name, bytes) => {
    const { upstream, proxy } = await setup()
    const answer = await talk(proxy.port, bytes)
    expect(answer.statuses, answer.text.slice(0, 200)).toEqual([431])
    expect(await seenBeforeSentinel(proxy, upstream)).toEqual([])
  })

  it('a declared Content-Length over maxRequestBodyBytes → 413 before any upstream call, connection closed', async () => {
    const { upstream, proxy } = await setup()
    const answer = await talk(proxy.port, `POST /api/upload HTTP/1.1\r\n${HEAD}Content-Length: 4096\r\n\r\n${'x'.repeat(4096)}`)
    expect(answer.statuses).toEqual([413])
    expect(answer.text).toMatch(/\r\nx-devproxy-error: payload_too_large\r\n/i)
    expect(firstBody(answer.text).error.type).toBe('payload_too_large')
    expect(await seenBeforeSentinel(proxy, upstream)).toEqual([])
    expect(upstream.connections()).toBe(1) // the sentinel's
  })

  it('a declared 100 MB body that never comes → 413 at once, not a wait for the body', async () => {
    const { upstream, proxy } = await setup()
    const answer = await talk(proxy.port, `POST /api/upload HTTP/1.1\r\n${HEAD}Content-Length: 104857600\r\n\r\n`, 2_000)
    expect(answer.statuses).toEqual([413])
    expect(await seenBeforeSentinel(proxy, upstream)).toEqual([])
  })
})

// ─── slow headers ───────────────────────────────────────────────────────────────────────────
describe('headers timeout', () => {
  /** With a short headers timeout. */
  async function proxyWithHeadersTimeout(target: string, headersTimeoutMs: number): Promise<RunningProxy> {
    const proxy = await startTestProxy({ routes: [{ name: 'api', path: '/api', target }] }, { headersTimeoutMs })
    cleanups.push(() => proxy.close(0))
    return proxy
  }

  it('a client sending its head one byte every 100 ms is cut off after headersTimeoutMs (500 ms)', async () => {
    const upstream = await recordingUpstream()
    const proxy = await proxyWithHeadersTimeout(upstream.url, 500)
    const head = Buffer.from(`GET /api/slow HTTP/1.1\r\n${HEAD}X-Pad: ${'p'.repeat(200)}\r\n\r\n`)
    let sent = 0
    let timer: NodeJS.Timeout | undefined
    const answer = await within(
      5_000,
      collect(
        proxy.port,
        (socket) => {
          // A paced client, not a wait: one byte per tick until the server hangs up.
          timer = setInterval(() => {
            if (socket.destroyed || sent >= head.length) return clearInterval(timer)
            socket.write(head.subarray(sent, ++sent))
          }, 100)
        },
        (socket: Socket) => socket.once('close', () => clearInterval(timer)),
      ),
      'the proxy cutting off the slow client',
    )
    clearInterval(timer)

    expect(sent).toBeLessThan(head.length / 2)
    expect(answer.closedAfterMs).toBeGreaterThanOrEqual(400)
    expect(answer.closedAfterMs).toBeLessThan(3_000)
    expect(answer.statuses.every((s) => s === 408), answer.text).toBe(true)
    expect(upstream.seen).toEqual([])
    expect(upstream.connections()).toBe(0)
  })

  it('the same proxy still serves a client that sends its head at once', async () => {
    const upstream = await recordingUpstream()
    const proxy = await proxyWithHeadersTimeout(upstream.url, 500)
    const res = await within(5_000, request(`${proxy.url}/api/fast`), 'the response')
    expect(res.status).toBe(200)
    expect(upstream.seen.map((s) => s.url)).toEqual(['/api/fast'])
  })
})

// ─── absurd methods and targets ─────────────────────────────────────────────────────────────
describe('absurd methods and request targets → 400 or 404, never forwarded', () => {
  const close = `${HEAD}Connection: close\r\n\r\n`
  const cases: Array<[string, string, number[]]> = [
    ['a method with a space (FOO BAR)', `FOO BAR / HTTP/1.1\r\n${close}`, [400]],
    ['an unknown method token', `FROBNICATE /api/x HTTP/1.1\r\n${close}`, [400]],
    ['a 5 KB method name', `${'M'.repeat(5 * 1024)} /api/x HTTP/1.1\r\n${close}`, [400]],
    ['no method at all', ` /api/x HTTP/1.1\r\n${close}`, [400]],
    ['the asterisk form on GET (GET *)', `GET * HTTP/1.1\r\n${close}`, [400, 404]],
    ['a relative target escaping upwards (../../etc/passwd)', `GET ../../etc/passwd HTTP/1.1\r\n${close}`, [400, 404]],
    ['an authority-form target on GET', `GET example.com:80 HTTP/1.1\r\n${close}`, [400, 404]],
    ['a raw space inside the target', `GET /api/a b HTTP/1.1\r\n${close}`, [400]],
    ['a control character (0x01) inside the target', `GET /api/a\x01b HTTP/1.1\r\n${close}`, [400]],
    ['a DEL (0x7f) inside the target', `GET /api/a\x7fb HTTP/1.1\r\n${close}`, [400]],
    ['a NUL inside the target', `GET /api/a\x00b HTTP/1.1\r\n${close}`, [400]],
    ['an unknown HTTP version', `GET /api/x HTTP/9.9\r\n${close}`, [400, 505]],
    // llhttp parses a request line without a version as HTTP/0.9, headers and all.
    ['no HTTP version (an HTTP/0.9 request line)', `GET /api/x\r\n${close}`, [400, 505]],
  ]
  it.each(cases)('%s', async (_name, bytes, allowed) => {
    const { upstream, proxy } = await setup()
    const answer = await talk(proxy.port, bytes)
    expect(answer.statuses.length, answer.text).toBe(1)
    expect(allowed).toContain(answer.statuses[0])
    expect(await seenBeforeSentinel(proxy, upstream)).toEqual([])
  })
})

// ─── not an open proxy ──────────────────────────────────────────────────────────────────────
describe('absolute-form targets: devproxy is never an open proxy', () => {
  const refused: Array<[string, (port: number) => string]> = [
    ['GET http://example.com/ with Host: example.com', () => `GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n`],
    ['GET http://example.com/api/x with a loopback Host', (port) => `GET http://example.com/api/x HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`],
    ['GET https://example.com/api/x', () => `GET https://example.com/api/x HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n`],
    ['POST http://10.0.0.1:8080/api/x', () => `POST http://10.0.0.1:8080/api/x HTTP/1.1\r\nHost: 10.0.0.1:8080\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi`],
    ['GET http://127.0.0.1.example.com/ (a loopback-looking name)', () => `GET http://127.0.0.1.example.com/ HTTP/1.1\r\nHost: 127.0.0.1.example.com\r\nConnection: close\r\n\r\n`],
  ]
  it.each(refused)('%s → 404 no_route saying it is not an open proxy; the upstream never sees it', async (_name, bytes) => {
    const { upstream, proxy } = await setup()
    const answer = await talk(proxy.port, bytes(proxy.port))
    expect(answer.statuses, answer.text).toEqual([404])
    expect(answer.text).toMatch(/\r\nx-devproxy-error: no_route\r\n/i)
    expect(firstBody(answer.text).error.message).toMatch(/not an open proxy/)
    expect(await seenBeforeSentinel(proxy, upstream)).toEqual([])
  })

  it('CONNECT to another host: the connection is closed with no 2xx and nothing forwarded', async () => {
    const { upstream, proxy } = await setup()
    const answer = await talk(proxy.port, `CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n`)
    expect(answer.statuses.filter((s) => s < 300)).toEqual([])
    expect(await seenBeforeSentinel(proxy, upstream)).toEqual([])
  })

  it('a WebSocket upgrade with an absolute-form target for another host is refused', async () => {
    const { upstream, proxy } = await setup()
    const answer = await talk(
      proxy.port,
      `GET http://example.com/ws HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    )
    expect(answer.statuses, answer.text).toEqual([404])
    expect(answer.text).toMatch(/\r\nx-devproxy-error: no_route\r\n/i)
    expect(await seenBeforeSentinel(proxy, upstream)).toEqual([])
  })

  it.each([
    ['127.0.0.1', (port: number) => `127.0.0.1:${port}`],
    ['localhost', (port: number) => `localhost:${port}`],
  ])("the proxy's own address (%s) in absolute form still works, forwarded in origin form", async (_name, authority) => {
    const { upstream, proxy } = await setup()
    const answer = await talk(proxy.port, `GET http://${authority(proxy.port)}/api/x?q=1 HTTP/1.1\r\nHost: ${authority(proxy.port)}\r\nConnection: close\r\n\r\n`)
    expect(answer.statuses, answer.text).toEqual([200])
    expect(upstream.seen.map((s) => s.url)).toEqual(['/api/x?q=1'])
  })
})

// ─── path normalization ─────────────────────────────────────────────────────────────────────
describe('routing on the normalized path: /public/.. cannot reach /admin through /public', () => {
  async function twoRoutes() {
    const pub = await recordingUpstream('public')
    const admin = await recordingUpstream('admin')
    const proxy = await proxyWith({
      routes: [
        { name: 'public', path: '/public', target: pub.url },
        { name: 'admin', path: '/admin', target: admin.url },
      ],
    })
    return { pub, admin, proxy }
  }

  const escapes = [
    '/public/../admin/secret',
    '/public/%2e%2e/admin/secret',
    '/public/%2E%2E%2Fadmin/secret',
    '/public/./../admin',
    '/public/..%2fadmin/secret',
    '/public/.%2e/admin/secret',
    '/public/%2e%2e%5cadmin/secret',
    '/public/..\\admin/secret',
    '/public/x/../../admin/secret',
    '/public/../admin/secret?next=/public',
  ]
  it.each(escapes)('%s never reaches the /public upstream; /admin sees only /admin paths', async (target) => {
    const { pub, admin, proxy } = await twoRoutes()
    const answer = await talk(proxy.port, `GET ${target} HTTP/1.1\r\n${HEAD}Connection: close\r\n\r\n`)
    expect(answer.statuses.length, answer.text).toBe(1)
    expect(pub.seen).toEqual([])
    for (const seen of admin.seen) expect(seen.url).toMatch(/^\/admin(\/|\?|$)/)
    // Either routed to the route the normalized path belongs to, or refused.
    if (answer.statuses[0] === 200) expect(admin.seen).toHaveLength(1)
    else expect([400, 404]).toContain(answer.statuses[0])
  })

  it('a WebSocket upgrade to /public/../admin/ws never reaches the /public upstream', async () => {
    const { pub, admin, proxy } = await twoRoutes()
    await talk(
      proxy.port,
      `GET /public/../admin/ws HTTP/1.1\r\n${HEAD}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    )
    expect(pub.seen).toEqual([])
    for (const seen of admin.seen) expect(seen.url).toMatch(/^\/admin(\/|\?|$)/)
  })

  it('dot segments that stay inside /public are resolved and forwarded there', async () => {
    const { pub, admin, proxy } = await twoRoutes()
    for (const target of ['/public/ok', '/public/a/../b', '/public/./c']) {
      const answer = await talk(proxy.port, `GET ${target} HTTP/1.1\r\n${HEAD}Connection: close\r\n\r\n`)
      expect(answer.statuses, `${target}: ${answer.text}`).toEqual([200])
    }
    expect(pub.seen.map((s) => s.url)).toEqual(['/public/ok', '/public/b', '/public/c'])
    expect(admin.seen).toEqual([])
  })

  it('escaping above the root reaches nobody: /public/../../etc/passwd → 404', async () => {
    const { pub, admin, proxy } = await twoRoutes()
    const answer = await talk(proxy.port, `GET /public/../../etc/passwd HTTP/1.1\r\n${HEAD}Connection: close\r\n\r\n`)
    expect(answer.statuses).toEqual([404])
    expect(pub.seen).toEqual([])
    expect(admin.seen).toEqual([])
  })
})
