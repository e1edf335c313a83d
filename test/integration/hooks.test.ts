import { get, type IncomingMessage, type ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { echoHandler, request, startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'

/**
 * onRequest / onResponse / target and retry functions over real sockets: what the upstream
 * received and what the client got. A proxy forwards what its route's code decided, framed by
 * the proxy itself (RFC 9112 §6: Content-Length follows the body actually sent).
 */

const echoed = (body: Buffer) => JSON.parse(body.toString('utf8')) as { method: string; url: string; headers: Record<string, string>; body: string }

describe('onRequest', () => {
  let upstream: TestUpstream
  let proxy: TestProxy
  let upstreamCalls = 0
  let lastRaw: string[] = []
  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      upstreamCalls++
      lastRaw = req.rawHeaders
      echoHandler(req, res)
    })
    proxy = await startTestProxy({
      routes: [
        {
          name: 'change',
          path: '/change',
          target: upstream.url,
          onRequest(ctx) {
            ctx.method = 'PUT'
            ctx.path = `${ctx.path}?added=1`
            ctx.headers.authorization = 'Bearer dev'
            delete ctx.headers['x-secret']
            ctx.setBody('replaced')
          },
        },
        {
          name: 'read',
          path: '/read',
          target: upstream.url,
          async onRequest(ctx) {
            const body = (await ctx.json()) as { user: string }
            ctx.headers['x-user'] = body.user
          },
        },
        {
          name: 'answer',
          path: '/answer',
          target: upstream.url,
          onRequest: async (ctx) => (ctx.headers['x-let-through'] ? undefined : { status: 401, headers: { 'www-authenticate': 'Bearer' }, json: { error: 'login first', client: ctx.client.address } }),
        },
        {
          name: 'throws',
          path: '/throws',
          target: upstream.url,
          onRequest() {
            throw new Error('the hook broke')
          },
        },
        { name: 'slow', path: '/slow', target: upstream.url, hookTimeoutMs: 50, onRequest: () => new Promise<void>(() => {}) },
        { name: 'malformed', path: '/malformed', target: upstream.url, onRequest: (() => 42) as never },
        // Synchronous hooks run in the request's own tick: their answers and failures are the same.
        { name: 'sync-answer', path: '/sync-answer', target: upstream.url, onRequest: (ctx) => (ctx.method === 'DELETE' ? { status: 405, json: { allowed: 'GET' } } : undefined) },
        { name: 'sync-bad-file', path: '/sync-bad-file', target: upstream.url, onRequest: () => ({ file: 'no-such-file.json' }) },
        { name: 'bad-header', path: '/bad-header', target: upstream.url, onRequest: (ctx) => void (ctx.headers['x-split'] = 'a\r\nInjected: yes') },
        {
          name: 'case',
          path: '/case',
          target: upstream.url,
          onRequest(ctx) {
            // Written as people write them; ctx.headers has them in lower case.
            ctx.headers['Authorization'] = 'Bearer new'
            ctx.headers['X-Added'] = '1'
          },
        },
      ],
    })
  })
  afterAll(async () => {
    await proxy.close()
    await upstream.close()
  })

  it('changes the forwarded method, path, header fields and body; the proxy frames the new body (RFC 9112 §6.2)', async () => {
    const response = await request(`${proxy.url}/change/item`, { method: 'POST', headers: { 'x-secret': 's3cret', 'content-type': 'text/plain' }, body: 'original body' })
    const seen = echoed(response.body)
    expect(seen.method).toBe('PUT')
    expect(seen.url).toBe('/change/item?added=1')
    expect(seen.headers.authorization).toBe('Bearer dev')
    expect(seen.headers['x-secret']).toBeUndefined()
    expect(seen.headers['content-length']).toBe('8')
    expect(seen.body).toBe('replaced')
    // The proxy's own fields are still added after the hook (RFC 9110 §7.6.3).
    expect(seen.headers.via).toMatch(/devproxy/)
    const tx = proxy.transactions.at(-1)!
    expect(tx.hooked).toBe(true)
    expect(tx.forwardedHeaders?.authorization).toBe('Bearer dev')
  })

  it('reads the body as JSON and forwards it unchanged', async () => {
    const response = await request(`${proxy.url}/read`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":"ada"}' })
    const seen = echoed(response.body)
    expect(seen.headers['x-user']).toBe('ada')
    expect(seen.body).toBe('{"user":"ada"}')
    expect(seen.headers['content-length']).toBe('14')
  })

  it('answers without calling the upstream when it returns an answer', async () => {
    const before = upstreamCalls
    const response = await request(`${proxy.url}/answer`)
    expect(response.status).toBe(401)
    expect(response.headers['www-authenticate']).toBe('Bearer')
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(response.json()).toEqual({ error: 'login first', client: '127.0.0.1' })
    expect(upstreamCalls).toBe(before)
    const tx = proxy.transactions.at(-1)!
    expect(tx.attempts.at(-1)?.by).toBe('hook')
    // Returning nothing forwards.
    expect((await request(`${proxy.url}/answer`, { headers: { 'x-let-through': '1' } })).status).toBe(200)
    expect(upstreamCalls).toBe(before + 1)
  })

  it('a hook that throws is answered 500 hook_error naming the hook and the line that threw; the proxy keeps serving', async () => {
    const response = await request(`${proxy.url}/throws`)
    expect(response.status).toBe(500)
    expect(response.headers['x-devproxy-error']).toBe('hook_error')
    const { error } = response.json()
    expect(error.message).toMatch(/^route "throws" onRequest threw at test\/integration\/hooks\.test\.ts:\d+:\d+: the hook broke$/)
    expect(error.hook).toBe('onRequest')
    expect(proxy.transactions.at(-1)?.error?.type).toBe('hook_error')
    expect((await request(`${proxy.url}/read`, { method: 'POST', body: '{"user":"x"}' })).status).toBe(200)
  })

  it('a hook that runs past hookTimeoutMs is answered 500 hook_timeout', async () => {
    const response = await request(`${proxy.url}/slow`)
    expect(response.status).toBe(500)
    expect(response.json().error).toMatchObject({ type: 'hook_timeout', message: 'route "slow" onRequest did not finish within hookTimeoutMs (50 ms)' })
  })

  it('a hook that returns something that is not an answer is answered 500 hook_error saying what was expected', async () => {
    const response = await request(`${proxy.url}/malformed`)
    expect(response.status).toBe(500)
    expect(response.json().error.message).toContain('onRequest must return nothing (to forward the request) or an answer such as { status: 200, json: {...} }')
    expect(response.json().error.message).toMatch(/got 42$/)
  })

  it('a synchronous hook answers, forwards, or fails as an async one does (an answer it cannot send is a hook_error, not a crash)', async () => {
    const before = upstreamCalls
    const refused = await request(`${proxy.url}/sync-answer`, { method: 'DELETE' })
    expect(refused.status).toBe(405)
    expect(refused.json()).toEqual({ allowed: 'GET' })
    expect(upstreamCalls).toBe(before)
    expect((await request(`${proxy.url}/sync-answer`)).status).toBe(200)
    expect(upstreamCalls).toBe(before + 1)
    const broken = await request(`${proxy.url}/sync-bad-file`)
    expect(broken.status).toBe(500)
    expect(broken.json().error.type).toBe('hook_error')
    expect(broken.json().error.message).toContain('no-such-file.json')
    expect((await request(`${proxy.url}/sync-answer`)).status).toBe(200)
  })

  it('a field set as `Authorization` replaces `authorization` (names are case-insensitive, RFC 9110 §5.1); the fields keep the case the client sent', async () => {
    await request(`${proxy.url}/case`, { headers: { Authorization: 'Bearer old', 'X-Custom-Case': 'kept' } })
    const pairs = Array.from({ length: lastRaw.length / 2 }, (_, i) => [lastRaw[2 * i]!, lastRaw[2 * i + 1]!] as const)
    expect(pairs.filter(([name]) => name.toLowerCase() === 'authorization')).toEqual([['Authorization', 'Bearer new']])
    expect(pairs).toContainEqual(['X-Custom-Case', 'kept'])
    expect(pairs).toContainEqual(['X-Added', '1'])
  })

  it('a header value with CR LF set by a hook is refused, never forwarded (RFC 9110 §5.5)', async () => {
    const before = upstreamCalls
    const response = await request(`${proxy.url}/bad-header`)
    expect(response.status).toBe(500)
    expect(response.json().error.message).toContain('ctx.headers has x-split with a CR, LF or NUL in its value')
    expect(upstreamCalls).toBe(before)
  })
})

describe('onResponse', () => {
  let upstream: TestUpstream
  let proxy: TestProxy
  beforeAll(async () => {
    upstream = await startUpstream((req: IncomingMessage, res: ServerResponse) => {
      const body = JSON.stringify({ items: [1, 2, 3], path: req.url })
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-upstream': 'yes' })
      res.end(body)
    })
    proxy = await startTestProxy({
      routes: [
        {
          name: 'head',
          path: '/head',
          target: upstream.url,
          onResponse(ctx) {
            ctx.status = 203
            ctx.headers['cache-control'] = 'no-store'
            delete ctx.headers['x-upstream']
          },
        },
        {
          name: 'body',
          path: '/body',
          target: upstream.url,
          async onResponse(ctx) {
            const data = (await ctx.json()) as { items: number[] }
            ctx.setBody(JSON.stringify({ count: data.items.length, source: ctx.source, path: ctx.request.path }))
          },
        },
        { name: 'small', path: '/small', target: upstream.url, maxResponseBodyBytes: 10, onResponse: async (ctx) => void (await ctx.body()) },
        { name: 'returns', path: '/returns', target: upstream.url, onResponse: (() => ({ status: 500 })) as never },
        { name: 'case', path: '/case', target: upstream.url, onResponse: (ctx) => void (ctx.headers['Content-Type'] = 'text/plain') },
      ],
    })
  })
  afterAll(async () => {
    await proxy.close()
    await upstream.close()
  })

  it('changes status and header fields while the body still streams; -v shows the upstream\'s fields as received', async () => {
    const response = await request(`${proxy.url}/head`)
    expect(response.status).toBe(203)
    expect(response.headers['cache-control']).toBe('no-store')
    expect(response.headers['x-upstream']).toBeUndefined()
    expect(response.json()).toEqual({ items: [1, 2, 3], path: '/head' })
    const tx = proxy.transactions.at(-1)!
    expect(tx.responseHeadersReceived?.['x-upstream']).toBe('yes')
    expect(tx.responseHeadersSent?.['x-upstream']).toBeUndefined()
    expect(tx.attempts.at(-1)?.status).toBe(200)
  })

  it('a field set as `Content-Type` replaces the upstream\'s `content-type`, not joined with it (RFC 9110 §5.1, §5.3)', async () => {
    // Node's client keeps the first of repeated Content-Type fields: read the raw ones.
    const raw = await new Promise<string[]>((resolve, reject) => {
      get(`${proxy.url}/case`, (res) => res.resume().on('end', () => resolve(res.rawHeaders))).on('error', reject)
    })
    const pairs = Array.from({ length: raw.length / 2 }, (_, i) => [raw[2 * i]!, raw[2 * i + 1]!] as const)
    expect(pairs.filter(([name]) => name.toLowerCase() === 'content-type').map(([, value]) => value)).toEqual(['text/plain'])
  })

  it('reads and replaces the body; Content-Length follows the new body', async () => {
    const response = await request(`${proxy.url}/body/x`)
    const text = response.body.toString('utf8')
    expect(JSON.parse(text)).toEqual({ count: 3, source: 'upstream', path: '/body/x' })
    expect(response.headers['content-length']).toBe(String(Buffer.byteLength(text)))
  })

  it('a body over maxResponseBodyBytes that the hook asks to read is answered 502 upstream_body_too_large', async () => {
    const response = await request(`${proxy.url}/small`)
    // The declared length is over the limit: refused before the hook reads a byte.
    expect(response.status).toBe(502)
    expect(response.headers['x-devproxy-error']).toBe('upstream_body_too_large')
  })

  it('returning a value is a hook_error that says to change ctx instead', async () => {
    const response = await request(`${proxy.url}/returns`)
    expect(response.status).toBe(500)
    expect(response.json().error.message).toContain('onResponse must return nothing: change ctx.status, ctx.headers or call ctx.setBody')
  })
})

describe('target and retry as functions', () => {
  let blue: TestUpstream
  let green: TestUpstream
  let flaky: TestUpstream
  let proxy: TestProxy
  let flakyCalls = 0
  beforeAll(async () => {
    blue = await startUpstream((_req, res) => res.end('blue'))
    green = await startUpstream((_req, res) => res.end('green'))
    flaky = await startUpstream((_req, res) => {
      flakyCalls++
      res.statusCode = flakyCalls % 3 === 0 ? 200 : 503
      res.end(String(res.statusCode))
    })
    proxy = await startTestProxy({
      routes: [
        { name: 'pick', path: '/pick', target: (req) => (req.headers['x-color'] === 'green' ? green.url : blue.url) },
        { name: 'bad-target', path: '/bad-target', target: () => 'localhost:3000' },
        { name: 'flaky', path: '/flaky', target: flaky.url, retry: (req) => (req.url.includes('retry') ? { attempts: 3, on: ['5xx'], baseMs: 1, maxMs: 2 } : { attempts: 1 }) },
        { name: 'bad-retry', path: '/bad-retry', target: flaky.url, retry: () => ({ attempts: 0 }) },
      ],
    })
  })
  afterAll(async () => {
    await proxy.close()
    await Promise.all([blue.close(), green.close(), flaky.close()])
  })

  it('a target function chooses the upstream per request', async () => {
    expect((await request(`${proxy.url}/pick`)).body.toString()).toBe('blue')
    expect((await request(`${proxy.url}/pick`, { headers: { 'x-color': 'green' } })).body.toString()).toBe('green')
    expect(proxy.transactions.at(-1)?.target).toBe(green.url)
  })

  it('a target function that returns no origin is a hook_error with the fix', async () => {
    const response = await request(`${proxy.url}/bad-target`)
    expect(response.status).toBe(500)
    expect(response.json().error.message).toContain('route "bad-target" target must return an origin such as "http://localhost:3000"')
  })

  it('a retry function chooses the policy per request', async () => {
    flakyCalls = 0
    const once = await request(`${proxy.url}/flaky/once`)
    expect(once.status).toBe(503)
    expect(proxy.transactions.at(-1)?.attempts).toHaveLength(1)
    flakyCalls = 0
    const retried = await request(`${proxy.url}/flaky/retry`)
    expect(retried.status).toBe(200)
    expect(proxy.transactions.at(-1)?.attempts.map((a) => a.status)).toEqual([503, 503, 200])
  })

  it('a retry function returning an invalid policy is a hook_error naming the field', async () => {
    const response = await request(`${proxy.url}/bad-retry`)
    expect(response.status).toBe(500)
    expect(response.json().error.message).toMatch(/route "bad-retry" retry must return a retry policy such as \{ attempts: 3 \} \(\.?attempts must be/)
  })
})
