import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request, startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'

/**
 * maxResponseBodyBytes: a declared body over the limit is refused 502 before it is read; one
 * that grows past it mid-stream is cut, never passed on as complete (RFC 9112 §8: an incomplete
 * message must not look whole).
 */
describe('maxResponseBodyBytes', () => {
  let upstream: TestUpstream
  let proxy: TestProxy
  const LIMIT = 2_000
  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      if (req.url === '/declared') return void res.writeHead(200, { 'content-length': '5000' }).end(Buffer.alloc(5_000, 'd'))
      if (req.url === '/within') return void res.writeHead(200, { 'content-length': String(LIMIT) }).end(Buffer.alloc(LIMIT, 'w'))
      // Unsized (chunked): 5 × 1,000 bytes.
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      let n = 0
      const next = () => (n++ < 5 ? res.write(Buffer.alloc(1_000, 's'), next) : res.end())
      next()
    })
    proxy = await startTestProxy({ routes: [{ path: '/', target: upstream.url, maxResponseBodyBytes: LIMIT }] })
  })
  afterAll(async () => {
    await proxy.close()
    await upstream.close()
  })

  it('a body declared over the limit: 502 upstream_body_too_large naming both sizes, the body never passed on', async () => {
    const response = await request(`${proxy.url}/declared`)
    expect(response.status).toBe(502)
    expect(response.json().error).toMatchObject({ type: 'upstream_body_too_large', message: expect.stringContaining('5000-byte body, over the route\'s maxResponseBodyBytes (2000)') })
  })

  it('a body exactly at the limit passes whole', async () => {
    const response = await request(`${proxy.url}/within`)
    expect(response.status).toBe(200)
    expect(response.body.length).toBe(LIMIT)
  })

  it('an unsized body that grows past the limit is cut: the client never sees the terminating chunk, and the log says why', async () => {
    const raw = await new Promise<string>((resolve) => {
      const socket = net.connect(proxy.port, '127.0.0.1', () => socket.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n'))
      let text = ''
      socket.setEncoding('latin1')
      socket.on('data', (chunk: string) => (text += chunk))
      socket.on('close', () => resolve(text))
      socket.on('error', () => {})
    })
    // Cut wherever the limit fell (before or after the head went out), but never complete.
    expect(raw.endsWith('0\r\n\r\n')).toBe(false)
    expect((raw.match(/s{1000}/g) ?? []).length).toBeLessThanOrEqual(LIMIT / 1_000)
    const tx = proxy.transactions.find((t) => t.url === '/stream')!
    expect(tx.error?.type).toBe('upstream_body_too_large')
    expect(tx.ending).toBe('upstream-aborted')
    expect(tx.responseBytes).toBeGreaterThan(LIMIT)
  })
})
