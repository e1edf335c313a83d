/**
 * Half-written upstreams that refuse, hang, die mid-answer, lie, or drop keep-alive
 * connections between requests. Each gets the status of DESIGN.md §3, and every client
 * request settles within a bound: no client is ever left hanging.
 */
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { UserRoute } from '../../src/config/types.js'
import { STALE } from '../../src/proxy/exchange/exchange.js'
import { freePort, observe, type Observed } from '../helpers/raw-client.js'
import { startRawUpstream, startTestProxy, type TestProxy, type TestUpstream } from '../helpers/servers.js'
import { deferred, within } from '../helpers/wait.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function rawUpstream(onSocket: (socket: Socket) => void): Promise<TestUpstream> {
  const upstream = await startRawUpstream(onSocket)
  cleanups.push(() => upstream.close())
  return upstream
}

async function proxyTo(target: string, route: Partial<UserRoute> = {}): Promise<TestProxy> {
  const proxy = await startTestProxy({ routes: [{ name: 'api', path: '/api', target, ...route }] })
  cleanups.push(() => proxy.close(0))
  return proxy
}

/** Calls `onHead(socket, n)` for each complete request head (bodiless requests) on a raw upstream socket. */
function onEachHead(socket: Socket, onHead: (socket: Socket, n: number) => void): void {
  let buffered = ''
  let n = 0
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => {
    buffered += chunk
    for (let end = buffered.indexOf('\r\n\r\n'); end !== -1; end = buffered.indexOf('\r\n\r\n')) {
      buffered = buffered.slice(end + 4)
      onHead(socket, ++n)
    }
  })
}

/** `count` concurrent requests through the proxy, all settled within `boundMs`. */
function concurrently(proxy: TestProxy, count: number, boundMs: number): Promise<Observed[]> {
  return within(boundMs, Promise.all(Array.from({ length: count }, (_, i) => observe(`${proxy.url}/api/r${i}`))), `all ${count} requests settling`)
}

function expectProxyError(result: Observed, status: number, type: string): Record<string, unknown> {
  expect(result.kind, result.kind === 'error' ? result.message : '').toBe('response')
  if (result.kind !== 'response') return {}
  expect(result.status).toBe(status)
  expect(result.complete).toBe(true)
  expect(result.headers['x-devproxy-error']).toBe(type)
  const { error } = JSON.parse(result.body.toString('utf8'))
  expect(error.type).toBe(type)
  return error
}

const OK = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok'

describe('an upstream that refuses connections (nothing listening)', () => {
  it('→ 502 upstream_connect_failed, for 10 concurrent requests', async () => {
    const proxy = await proxyTo(`http://127.0.0.1:${await freePort()}`)
    for (const result of await concurrently(proxy, 10, 5_000)) expectProxyError(result, 502, 'upstream_connect_failed')
    expect(proxy.inFlight()).toBe(0)
  })
})

describe('an upstream that accepts and never answers', () => {
  it('→ 504 upstream_timeout after timeoutMs (300 ms), and its connections are closed', async () => {
    const held = new Set<Socket>()
    const upstream = await rawUpstream((socket) => {
      held.add(socket)
      socket.resume()
    })
    const proxy = await proxyTo(upstream.url, { timeoutMs: 300 })

    const started = performance.now()
    const results = await concurrently(proxy, 10, 5_000)
    expect(performance.now() - started).toBeGreaterThanOrEqual(250)
    for (const result of results) expectProxyError(result, 504, 'upstream_timeout')
    await expect.poll(() => upstream.openSockets(), { timeout: 2_000, interval: 20 }).toBe(0)
    expect(held.size).toBe(10)
  })

  it('accepts, reads nothing at all (not even the request) → 504 too', async () => {
    const upstream = await rawUpstream((socket) => socket.pause())
    const proxy = await proxyTo(upstream.url, { timeoutMs: 300 })
    for (const result of await concurrently(proxy, 5, 5_000)) expectProxyError(result, 504, 'upstream_timeout')
  })
})

describe('an upstream that answers headers, then dies', () => {
  it.each([
    ['closes (FIN)', (socket: Socket) => socket.destroy()],
    ['resets (RST)', (socket: Socket) => socket.resetAndDestroy()],
  ])('%s: the client connection is cut, the transaction ends upstream-aborted', async (_name, die) => {
    const upstreamSocket = deferred<Socket>()
    const upstream = await rawUpstream((socket) =>
      onEachHead(socket, (s) => {
        s.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 1000000\r\n\r\n' + 'x'.repeat(4096))
        upstreamSocket.resolve(s)
      }),
    )
    const proxy = await proxyTo(upstream.url)
    const gotHeaders = deferred()
    const observed = observe(`${proxy.url}/api/download`, { onResponse: () => gotHeaders.resolve() })
    await within(5_000, gotHeaders.promise, 'the response headers at the client')
    die(await upstreamSocket.promise)

    const result = await within(5_000, observed, 'the client seeing the response cut')
    expect(result.kind).toBe('response')
    if (result.kind !== 'response') return
    expect(result.status).toBe(200)
    expect(result.complete).toBe(false)
    expect(result.body.length).toBeLessThan(1_000_000)
    const tx = await within(2_000, proxy.nextTransaction(), 'the transaction')
    expect(tx.ending).toBe('upstream-aborted')
    expect(proxy.inFlight()).toBe(0)
  })

  it('10 concurrent downloads whose upstream dies mid-body all settle, none complete', async () => {
    const upstream = await rawUpstream((socket) =>
      onEachHead(socket, (s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n' + 'y'.repeat(8192))),
    )
    const proxy = await proxyTo(upstream.url)
    for (const result of await concurrently(proxy, 10, 5_000)) {
      if (result.kind === 'response') expect(result.complete).toBe(false)
      else expect(result.code).toMatch(/ECONNRESET|EPIPE/)
    }
  })
})

describe('an upstream that sends garbage → 502 upstream_malformed', () => {
  const noise = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 97 + 13) % 256))
  const cases: Array<[string, string | Buffer]> = [
    ['text instead of a status line', 'garbage\r\n\r\n'],
    ['binary noise', noise],
    ['a four-digit status code', 'HTTP/1.1 2000 OK\r\ncontent-length: 0\r\n\r\n'],
    ['an unknown protocol', 'SPDY/3 200 OK\r\ncontent-length: 0\r\n\r\n'],
    ['two different Content-Length headers', 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 5\r\n\r\nok'],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nnot a header\r\n\r\n'],
  ]
  it.each(cases)('%s', async (_name, reply) => {
    const upstream = await rawUpstream((socket) => onEachHead(socket, (s) => s.write(reply)))
    const proxy = await proxyTo(upstream.url)
    for (const result of await concurrently(proxy, 5, 5_000)) expectProxyError(result, 502, 'upstream_malformed')
    await expect.poll(() => upstream.openSockets(), { timeout: 2_000, interval: 20 }).toBe(0)
  })
})

describe('an upstream that sends a huge header block → 502 upstream_malformed', () => {
  it.each([
    ['one 100 KB header', `HTTP/1.1 200 OK\r\nx-big: ${'h'.repeat(100 * 1024)}\r\ncontent-length: 0\r\n\r\n`],
    ['1,000 headers of 100 bytes', `HTTP/1.1 200 OK\r\n${Array.from({ length: 1000 }, (_, i) => `x-h${i}: ${'v'.repeat(90)}\r\n`).join('')}content-length: 0\r\n\r\n`],
    ['a 100 KB status line', `HTTP/1.1 200 ${'O'.repeat(100 * 1024)}\r\ncontent-length: 0\r\n\r\n`],
  ])('%s', async (_name, reply) => {
    const upstream = await rawUpstream((socket) => onEachHead(socket, (s) => s.write(reply)))
    const proxy = await proxyTo(upstream.url)
    for (const result of await concurrently(proxy, 5, 5_000)) expectProxyError(result, 502, 'upstream_malformed')
  })
})

describe('an upstream that closes keep-alive connections between requests', () => {
  async function twentyInARow(proxy: TestProxy): Promise<void> {
    for (let i = 0; i < 20; i++) {
      const result = await within(5_000, observe(`${proxy.url}/api/n${i}`), `request ${i + 1} of 20`)
      expect(result.kind, `request ${i + 1}: ${result.kind === 'error' ? result.message : ''}`).toBe('response')
      if (result.kind !== 'response') return
      expect(result.status, `request ${i + 1}: ${result.body.toString('utf8')}`).toBe(200)
      expect(result.body.toString('utf8')).toBe('ok')
    }
  }

  it('closing each connection shortly after its response: 20 sequential requests all get 200', async () => {
    let closes = 0
    const upstream = await rawUpstream((socket) =>
      onEachHead(socket, (s) =>
        s.write(OK, () => {
          // Promised keep-alive, then gone a moment later: the proxy may or may not have
          // noticed before it reuses the connection.
          setTimeout(() => {
            closes++
            s.destroy()
          }, closes % 4)
        }),
      ),
    )
    const proxy = await proxyTo(upstream.url)
    await twentyInARow(proxy)
    expect(closes).toBeGreaterThan(0)
  })

  it.each([
    ['FIN', (socket: Socket) => socket.destroy()],
    ['RST', (socket: Socket) => socket.resetAndDestroy()],
  ])('dropping (%s) each reused connection as the next request arrives: retried once on a fresh connection, all 20 get 200', async (_name, drop) => {
    let dropped = 0
    const upstream = await rawUpstream((socket) =>
      onEachHead(socket, (s, n) => {
        if (n === 1) s.write(OK)
        else {
          dropped++
          drop(s)
        }
      }),
    )
    const proxy = await proxyTo(upstream.url)
    await twentyInARow(proxy)
    // The stale path really ran: pooled connections were reused, dropped and replaced.
    expect(dropped).toBeGreaterThan(0)
    const staleRetries = proxy.transactions.filter((tx) => tx.attempts.some((a) => a.retryOf === STALE))
    expect(staleRetries).toHaveLength(dropped)
    for (const tx of staleRetries) {
      expect(tx.attempts).toHaveLength(2)
      expect(tx.attempts[1]!.status).toBe(200)
    }
  })

  // RFC 9110 §9.2.2: a proxy MUST NOT automatically retry non-idempotent requests. The upstream
  // below reads each request and only then drops the reused connection, so a resend would run
  // the request twice.
  it.each([
    { method: 'POST', headers: {}, resent: false },
    { method: 'PATCH', headers: {}, resent: false },
    { method: 'POST', headers: { 'idempotency-key': 'k-1' }, resent: true },
    { method: 'PUT', headers: {}, resent: true },
  ])('a $method $headers dropped on a reused connection after the upstream read it: resent $resent', async ({ method, headers, resent }) => {
    const seen: string[] = []
    const upstream = await rawUpstream((socket) =>
      onEachHead(socket, (s, n) => {
        seen.push(`${n}`)
        if (n === 1) s.write(OK)
        else s.destroy()
      }),
    )
    const proxy = await proxyTo(upstream.url)
    const warm = await within(5_000, observe(`${proxy.url}/api/warm`), 'the request that opens the pooled connection')
    expect(warm.kind === 'response' && warm.status).toBe(200)
    const result = await within(5_000, observe(`${proxy.url}/api/order`, { method, headers }), `the ${method}`)
    const heads = seen.length - 1
    if (resent) {
      expect(result.kind === 'response' && result.status).toBe(200)
      expect(heads).toBe(2)
    } else {
      const error = expectProxyError(result, 502, 'upstream_reset')
      expect(error.retry).toMatch(/not sent again .*RFC 9110 §9\.2\.2/)
      // Exactly once: the upstream read the request one time.
      expect(heads).toBe(1)
    }
  })

  // README "What the proxy does": the stale-connection resend is for a pooled connection that
  // failed before any answer. One that had begun answering (part of a status line) was read and
  // worked on: that is the upstream resetting, for the route's retry policy to judge (RFC 9110 §9.2.2).
  it('a reused connection reset after part of the answer is a reset for the retry policy, not a stale socket', async () => {
    const upstream = await rawUpstream((socket) =>
      onEachHead(socket, (s, n) => {
        if (n === 1) s.write(OK)
        else s.write('HTTP/1.1 200 OK\r\n', () => s.resetAndDestroy())
      }),
    )
    const proxy = await proxyTo(upstream.url, { retry: { attempts: 2, on: ['reset'], baseMs: 1, maxMs: 1 } })
    const warm = await within(5_000, observe(`${proxy.url}/api/warm`), 'the request that opens the pooled connection')
    expect(warm.kind === 'response' && warm.status).toBe(200)
    await within(5_000, observe(`${proxy.url}/api/partly`), 'the request whose answer is cut')
    const tx = proxy.transactions.find((t) => t.url === '/api/partly')!
    expect(tx.attempts.map((a) => a.retryOf)).toEqual([undefined, 'reset'])
  })

  it('a fresh connection dropped before the answer is a reset, not a stale socket: 502 upstream_reset, no extra attempt', async () => {
    const upstream = await rawUpstream((socket) => onEachHead(socket, (s) => s.destroy()))
    const proxy = await proxyTo(upstream.url)
    const results = await within(5_000, Promise.all([observe(`${proxy.url}/api/a`), observe(`${proxy.url}/api/b`)]), 'both requests settling')
    for (const result of results) expectProxyError(result, 502, 'upstream_reset')
    for (const tx of proxy.transactions) expect(tx.attempts).toHaveLength(1)
  })
})
