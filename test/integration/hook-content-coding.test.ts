import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request, startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'

/**
 * Route code reads bodies as content, not as wire bytes: an upstream that compresses (Express's
 * compression, Vite, any CDN) sends `Content-Encoding: gzip | br | deflate` (RFC 9110 §8.4), and
 * `ctx.json()` or a transform on those bytes would see garbage. Peers do the same:
 * http-proxy-middleware's responseInterceptor and mockttp's beforeResponse hand the decoded
 * body. What the client gets must then be labelled for what it is (RFC 9110 §8.4: the coding
 * field describes the bytes sent).
 */

const DATA = { items: [1, 2, 3], secret: 'token-123' }
const JSON_TEXT = JSON.stringify(DATA)
const SSE_TEXT = 'event: tick\ndata: secret 1\n\nevent: tick\ndata: secret 2\n\n'
/** 64 MiB of zeros in a few KiB of gzip: more than any cap once decoded. */
const BOMB = gzipSync(Buffer.alloc(64 * 1024 * 1024))

const encoders: Record<string, (bytes: Buffer) => Buffer> = {
  gzip: gzipSync,
  br: brotliCompressSync,
  deflate: deflateSync,
  // Some servers send raw deflate under `deflate` (no zlib header); browsers accept both.
  'raw-deflate': deflateRawSync,
}

describe('route code on compressed bodies', () => {
  let upstream: TestUpstream
  let proxy: TestProxy
  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x')
      const coding = url.searchParams.get('coding') ?? 'gzip'
      const wire = coding === 'raw-deflate' ? 'deflate' : coding
      if (url.pathname.endsWith('/bomb')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': BOMB.length })
        res.end(BOMB)
        return
      }
      if (url.pathname.endsWith('/corrupt')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
        res.end('this is not gzip')
        return
      }
      if (url.pathname.endsWith('/zstd')) {
        res.writeHead(200, { 'content-type': url.pathname.startsWith('/sse') ? 'text/event-stream' : 'application/json', 'content-encoding': 'zstd' })
        res.end(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00]))
        return
      }
      if (url.pathname.startsWith('/sse')) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': wire })
        res.end(encoders[coding]!(Buffer.from(SSE_TEXT)))
        return
      }
      if (url.pathname.startsWith('/chunks')) {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': wire })
        // Sent in small pieces: the decoder must carry state across chunks.
        const bytes = encoders[coding]!(Buffer.from('abc'.repeat(2000)))
        for (let i = 0; i < bytes.length; i += 7) res.write(bytes.subarray(i, i + 7))
        res.end()
        return
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': wire, vary: 'accept-encoding' })
      res.end(encoders[coding]!(Buffer.from(JSON_TEXT)))
    })
    proxy = await startTestProxy({
      routes: [
        {
          name: 'replace',
          path: '/replace',
          target: upstream.url,
          async onResponse(ctx) {
            const data = (await ctx.json()) as typeof DATA
            ctx.setBody(JSON.stringify({ ...data, secret: '•••' }))
          },
        },
        {
          name: 'look',
          path: '/look',
          target: upstream.url,
          async onResponse(ctx) {
            const data = (await ctx.json()) as typeof DATA
            ctx.headers['x-items'] = String(data.items.length)
          },
        },
        {
          name: 'capped',
          path: '/capped',
          target: upstream.url,
          maxResponseBodyBytes: 1024 * 1024,
          async onResponse(ctx) {
            await ctx.body()
          },
        },
        {
          name: 'sse',
          path: '/sse',
          target: upstream.url,
          transform: { event: (e) => ({ ...e, data: e.data.replace('secret', '•••') }) },
        },
        {
          name: 'chunks',
          path: '/chunks',
          target: upstream.url,
          transform: { chunk: (c) => Buffer.from(c).toString('latin1').toUpperCase() },
        },
      ],
    })
  })
  afterAll(async () => {
    await proxy.close()
    await upstream.close()
  })

  for (const coding of ['gzip', 'br', 'deflate', 'raw-deflate']) {
    it(`onResponse reads a ${coding} body decoded; the body it sets goes out as given, without the upstream's Content-Encoding (RFC 9110 §8.4)`, async () => {
      const response = await request(`${proxy.url}/replace/data?coding=${coding}`, { headers: { 'accept-encoding': 'gzip, br, deflate' } })
      expect(response.status).toBe(200)
      expect(response.headers['content-encoding']).toBeUndefined()
      expect(response.json()).toEqual({ ...DATA, secret: '•••' })
      expect(response.headers['content-length']).toBe(String(response.body.length))
    })
  }

  it('a body onResponse only read goes on as the upstream sent it, still compressed and labelled so', async () => {
    const response = await request(`${proxy.url}/look/data?coding=gzip`, { headers: { 'accept-encoding': 'gzip' } })
    expect(response.headers['x-items']).toBe('3')
    expect(response.headers['content-encoding']).toBe('gzip')
    expect(response.body.equals(gzipSync(Buffer.from(JSON_TEXT)))).toBe(true)
  })

  it('a body that decodes to more than maxResponseBodyBytes is answered 502 upstream_body_too_large, not decoded without end', async () => {
    const response = await request(`${proxy.url}/capped/bomb`)
    expect(response.status).toBe(502)
    expect(response.json().error.type).toBe('upstream_body_too_large')
    expect(response.json().error.message).toMatch(/decodes to over 1048576 bytes/)
  })

  it('a body that is not what its Content-Encoding says is answered 502 upstream_malformed', async () => {
    const response = await request(`${proxy.url}/look/corrupt`)
    expect(response.status).toBe(502)
    expect(response.json().error.type).toBe('upstream_malformed')
    expect(response.json().error.message).toMatch(/not valid gzip/)
  })

  it('a coding devproxy cannot decode (zstd) is answered 500 hook_error with the way out', async () => {
    const response = await request(`${proxy.url}/look/zstd`)
    expect(response.status).toBe(500)
    expect(response.json().error.type).toBe('hook_error')
    expect(response.json().error.message).toMatch(/encoded "zstd"/)
    expect(response.json().error.hint).toMatch(/accept-encoding/)
    // The upstream did answer: the body says which one, after how many attempts.
    expect(response.json().error).toMatchObject({ route: 'look', target: upstream.url, attempts: 1 })
    const sse = await request(`${proxy.url}/sse/zstd`)
    expect(sse.status).toBe(500)
    expect(sse.json().error.message).toMatch(/transform\.event cannot read a body encoded "zstd"/)
  })

  for (const coding of ['gzip', 'br', 'deflate']) {
    it(`transform.event sees the events of a ${coding} event stream decoded; the client gets them decoded, labelled so`, async () => {
      const response = await request(`${proxy.url}/sse/events?coding=${coding}`)
      expect(response.headers['content-encoding']).toBeUndefined()
      expect(response.body.toString('utf8')).toBe('event: tick\ndata: ••• 1\n\nevent: tick\ndata: ••• 2\n\n')
      // -v and the recording show what the upstream sent: its coding is kept there.
      const tx = await proxy.nextTransaction()
      expect(tx.responseHeadersReceived?.['content-encoding']).toBe(coding)
    })
  }

  for (const coding of ['gzip', 'br', 'raw-deflate']) {
    it(`transform.chunk sees a ${coding} body decoded across small wire chunks`, async () => {
      const response = await request(`${proxy.url}/chunks/text?coding=${coding}`)
      expect(response.headers['content-encoding']).toBeUndefined()
      expect(response.body.toString('latin1')).toBe('ABC'.repeat(2000))
    })
  }
})
