import { createHash } from 'node:crypto'
import { once } from 'node:events'
import http, { type IncomingMessage } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { request, startTestProxy, startUpstream, type TestUpstream } from '../helpers/servers.js'

const MiB = 1024 * 1024
const CAP = 256 * 1024

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Body capture for diffs and recordings: a copy of the first bytes, off to the side of the stream. */
describe('body capture', () => {
  it('a 200 MB streamed response is neither buffered nor held: the client has bytes before the upstream finishes, memory stays flat, the capture stops at the cap', { timeout: 120_000 }, async () => {
    const TOTAL = 200 * MiB
    const chunk = Buffer.alloc(64 * 1024, 0x5a)
    let upstreamFinishedAt: number | undefined
    const upstream: TestUpstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      let sent = 0
      const go = () => {
        while (sent < TOTAL) {
          sent += chunk.length
          if (!res.write(chunk)) return void res.once('drain', go)
        }
        res.end(() => (upstreamFinishedAt = performance.now()))
      }
      go()
    })
    cleanups.push(() => upstream.close())
    const proxy = await startTestProxy({ routes: [{ path: '/', target: upstream.url }] }, { captureBodyBytes: CAP })
    cleanups.push(() => proxy.close(0))
    const finished = proxy.nextTransaction()

    const baseline = process.memoryUsage.rss()
    let peak = baseline
    let received = 0
    let firstByteAt: number | undefined
    const req = http.get(`${proxy.url}/big`, { agent: false })
    const [res] = (await once(req, 'response')) as [IncomingMessage]
    res.on('data', (data: Buffer) => {
      firstByteAt ??= performance.now()
      received += data.length
      if (received % (16 * MiB) < data.length) peak = Math.max(peak, process.memoryUsage.rss())
    })
    await once(res, 'end')

    expect(received).toBe(TOTAL)
    expect(firstByteAt).toBeLessThan(upstreamFinishedAt!)
    expect((peak - baseline) / MiB).toBeLessThan(100)
    const tx = await finished
    expect(tx.responseBody?.bytes.length).toBe(CAP)
    expect(tx.responseBody?.totalBytes).toBe(TOTAL)
    expect(tx.responseBody?.truncated).toBe(true)
  })

  it('captures a small request and response body whole, byte for byte', async () => {
    const upstream = await startUpstream((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => res.end(Buffer.concat(chunks).reverse()))
    })
    cleanups.push(() => upstream.close())
    const proxy = await startTestProxy({ routes: [{ path: '/', target: upstream.url }] }, { captureBodyBytes: CAP })
    cleanups.push(() => proxy.close(0))
    const sent = Buffer.from('hello, capture')
    const response = await request(`${proxy.url}/echo`, { method: 'POST', body: sent, headers: { 'content-type': 'text/plain' } })
    const tx = await proxy.nextTransaction()
    expect(tx.requestBody?.bytes.equals(sent)).toBe(true)
    expect(tx.requestBody?.contentType).toBe('text/plain')
    expect(createHash('sha256').update(tx.responseBody!.bytes).digest('hex')).toBe(createHash('sha256').update(response.body).digest('hex'))
    expect(tx.responseBody?.truncated).toBe(false)
  })

  it('is off by default: nothing is kept', async () => {
    const upstream = await startUpstream((_req, res) => res.end('x'))
    cleanups.push(() => upstream.close())
    const proxy = await startTestProxy({ routes: [{ path: '/', target: upstream.url }] })
    cleanups.push(() => proxy.close(0))
    await request(`${proxy.url}/`)
    const tx = await proxy.nextTransaction()
    expect(tx.responseBody).toBeUndefined()
    expect(tx.requestBody).toBeUndefined()
  })
})
