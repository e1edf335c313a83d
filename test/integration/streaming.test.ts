import { createHash } from 'node:crypto'
import { once } from 'node:events'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { UserRoute } from '../../src/config/types.js'
import { echoHandler, request, startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'

const MiB = 1024 * 1024

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function upstreamWith(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestUpstream> {
  const upstream = await startUpstream(handler)
  cleanups.push(() => upstream.close())
  return upstream
}

async function proxyTo(upstream: TestUpstream, route: Partial<UserRoute> = {}): Promise<TestProxy> {
  const proxy = await startTestProxy({ routes: [{ path: '/', target: upstream.url, ...route }] })
  cleanups.push(() => proxy.close(0))
  return proxy
}

interface Deferred<T> {
  promise: Promise<T>
  resolve(value: T): void
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

/** Rejects if `promise` has not settled within `ms`: a bound on an awaited event, never a pause. */
async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, bound])
  } finally {
    clearTimeout(timer)
  }
}

/** Writes `total` bytes of `chunk` repeated, waiting for 'drain' whenever the socket is full. */
function writeWithBackpressure(out: NodeJS.WritableStream & { destroyed?: boolean }, total: number, chunk: Buffer, onDone: () => void): void {
  let sent = 0
  const go = () => {
    while (sent < total) {
      if (out.destroyed) return
      const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent)
      sent += piece.length
      if (!out.write(piece)) {
        out.once('drain', go)
        return
      }
    }
    onDone()
  }
  go()
}

describe('keep-alive', () => {
  it.each([
    ['GET', undefined],
    ['POST', 'x'.repeat(4096)],
  ])('20 sequential %s requests on one client connection use 1 upstream connection', async (method, body) => {
    const upstream = await upstreamWith(echoHandler)
    const proxy = await proxyTo(upstream)
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    cleanups.push(() => agent.destroy())

    for (let i = 0; i < 20; i++) {
      const res = await request(`${proxy.url}/ka/${i}`, { method, body, agent })
      expect(res.status).toBe(200)
      expect(res.json().url).toBe(`/ka/${i}`)
      expect(res.json().body).toBe(body ?? '')
    }
    expect(upstream.connections()).toBe(1)
  })
})

describe('large bodies stream through', () => {
  it('a 256 MiB response arrives whole while the proxy process RSS stays bounded', { timeout: 120_000 }, async () => {
    const TOTAL = 256 * MiB
    const upstream = await upstreamWith((_req, res) => {
      // No content-length: the byte count at the client is the only proof of completeness.
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      writeWithBackpressure(res, TOTAL, Buffer.alloc(64 * 1024, 0xab), () => res.end())
    })
    const proxy = await proxyTo(upstream)
    const finished = proxy.nextTransaction()

    const baseline = process.memoryUsage.rss()
    let peak = baseline
    let received = 0
    let events = 0
    const req = http.get(`${proxy.url}/big`, { agent: false })
    const [res] = (await once(req, 'response')) as [IncomingMessage]
    expect(res.statusCode).toBe(200)
    res.on('data', (chunk: Buffer) => {
      received += chunk.length
      if (++events % 16 === 0) peak = Math.max(peak, process.memoryUsage.rss())
    })
    await once(res, 'end')
    peak = Math.max(peak, process.memoryUsage.rss())

    expect(received).toBe(TOTAL)
    expect((peak - baseline) / MiB).toBeLessThan(100)
    const tx = await finished
    expect(tx.ending).toBe('completed')
    expect(tx.responseBytes).toBe(TOTAL)
  })

  it.each([
    ['chunked', false],
    ['with content-length', true],
  ])('a 64 MiB upload (%s) arrives complete at the upstream', { timeout: 60_000 }, async (_name, withLength) => {
    const TOTAL = 64 * MiB
    const upstream = await upstreamWith((req, res) => {
      const hash = createHash('sha256')
      let bytes = 0
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        hash.update(chunk)
      })
      req.on('end', () => {
        const body = JSON.stringify({
          bytes,
          sha256: hash.digest('hex'),
          contentLength: req.headers['content-length'] ?? null,
          transferEncoding: req.headers['transfer-encoding'] ?? null,
        })
        res.writeHead(200, { 'content-type': 'application/json' }).end(body)
      })
    })
    const proxy = await proxyTo(upstream, { maxRequestBodyBytes: 128 * MiB })

    const chunk = Buffer.alloc(256 * 1024)
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31) & 0xff
    const sentHash = createHash('sha256')
    let remaining = TOTAL
    while (remaining > 0) {
      const n = Math.min(remaining, chunk.length)
      sentHash.update(chunk.subarray(0, n))
      remaining -= n
    }

    const req = http.request(`${proxy.url}/upload`, {
      method: 'POST',
      agent: false,
      headers: withLength ? { 'content-length': String(TOTAL) } : { 'transfer-encoding': 'chunked' },
    })
    const response = once(req, 'response') as Promise<[IncomingMessage]>
    writeWithBackpressure(req, TOTAL, chunk, () => req.end())
    const [res] = await response
    const parts: Buffer[] = []
    for await (const part of res) parts.push(part as Buffer)

    expect(res.statusCode).toBe(200)
    const seen = JSON.parse(Buffer.concat(parts).toString())
    expect(seen.bytes).toBe(TOTAL)
    expect(seen.sha256).toBe(sentHash.digest('hex'))
    if (withLength) expect(seen.contentLength).toBe(String(TOTAL))
    else expect(seen.transferEncoding).toBe('chunked')
  })
})

describe('long-lived streams arrive as written', () => {
  it.each([
    ['server-sent events', 'text/event-stream', (i: number) => `id: ${i}\nevent: tick\ndata: {"n":${i}}\n\n`],
    ['an NDJSON stream', 'application/x-ndjson', (i: number) => `{"n":${i}}\n`],
  ])('%s: headers first, then each event as soon as the upstream writes it', async (_name, contentType, frame) => {
    const upstreamRes = deferred<ServerResponse>()
    const upstream = await upstreamWith((_req, res) => {
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache' })
      res.flushHeaders()
      upstreamRes.resolve(res)
    })
    const proxy = await proxyTo(upstream)

    const req = http.get(`${proxy.url}/events`, { agent: false })
    // The upstream has written no event yet: the response must still start.
    const [res] = (await within(1_000, once(req, 'response'), 'response headers before the first event')) as [IncomingMessage]
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe(contentType)
    expect(res.headers['content-length']).toBeUndefined()

    let received = ''
    let waiter: { until: string; resolve: () => void } | undefined
    res.setEncoding('utf8')
    res.on('data', (text: string) => {
      received += text
      if (waiter && received === waiter.until) waiter.resolve()
    })
    const arrived = (until: string) => new Promise<void>((resolve) => (waiter = { until, resolve }))

    const writer = await upstreamRes.promise
    let expected = ''
    for (let i = 0; i < 5; i++) {
      expected += frame(i)
      const seen = arrived(expected)
      const start = performance.now()
      writer.write(frame(i))
      await within(1_000, seen, `event ${i}`)
      expect(performance.now() - start).toBeLessThan(500)
    }
    writer.end()
    await once(res, 'end')
    expect(received).toBe(expected)
    expect((await proxy.nextTransaction()).ending).toBe('completed')
  })
})

describe('a client that goes away', () => {
  it.each([
    ['mid-download', true],
    ['while waiting for response headers', false],
  ])('aborting %s destroys the upstream request', async (_name, respond) => {
    const upstreamSocket = deferred<Socket>()
    const upstreamResClosed = deferred()
    const upstream = await upstreamWith((req, res) => {
      res.once('close', () => upstreamResClosed.resolve())
      upstreamSocket.resolve(req.socket)
      if (!respond) return // hang: never answer
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      writeWithBackpressure(res, Number.MAX_SAFE_INTEGER, Buffer.alloc(64 * 1024, 1), () => res.end())
    })
    const proxy = await proxyTo(upstream)
    const finished = proxy.nextTransaction()

    const req = http.get(`${proxy.url}/download`, { agent: false })
    req.on('error', () => {}) // the abort below
    const socket = await upstreamSocket.promise
    // Not events.once: the upstream socket may see ECONNRESET first (the proxy hangs up with
    // response bytes unread), and 'close' is what matters.
    const socketClosed = new Promise((resolve) => socket.once('close', resolve))
    if (respond) {
      const [res] = (await once(req, 'response')) as [IncomingMessage]
      await once(res, 'data')
    }
    req.destroy()

    // Bounded by the test's own timeout: the proxy must hang up on the upstream by itself.
    await socketClosed
    await upstreamResClosed.promise
    expect(upstream.openSockets()).toBe(0)

    const tx = await finished
    expect(tx.ending).toBe('client-aborted')
    expect(tx.attempts).toHaveLength(1)
    expect(tx.attempts[0]!.outcome).toBe(respond ? 'response' : 'aborted')
  })
})
