import type { IncomingMessage, ServerResponse } from 'node:http'
import net, { type AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { UserConfig, UserRoute } from '../../src/config/types.js'
import {
  echoHandler,
  request,
  startRawUpstream,
  startTestProxy,
  startUpstream,
  type SimpleResponse,
  type TestProxy,
  type TestUpstream,
} from '../helpers/servers.js'

/** What the echo upstreams answer: who answered, and the request as it arrived there. */
interface Echo {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** An echo upstream that says who it is in `x-upstream`. */
function named(name: string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('x-upstream', name)
    echoHandler(req, res)
  }
}

/** A port with nothing listening on it (bound once, then released). */
async function deadPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

let a: TestUpstream
let b: TestUpstream
let c: TestUpstream
const proxies: TestProxy[] = []

beforeAll(async () => {
  ;[a, b, c] = await Promise.all([startUpstream(named('a')), startUpstream(named('b')), startUpstream(named('c'))])
})
afterAll(async () => {
  await Promise.all([a.close(), b.close(), c.close()])
})
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close(0)))
})

async function proxyWith(routes: UserRoute[], extra: Omit<UserConfig, 'routes'> = {}): Promise<TestProxy> {
  const proxy = await startTestProxy({ ...extra, routes })
  proxies.push(proxy)
  return proxy
}

function get(proxy: TestProxy, path: string, options: Parameters<typeof request>[1] = {}): Promise<SimpleResponse> {
  return request(proxy.url, { ...options, path })
}

/** Which upstream answered (`404` when the proxy found no route). */
function who(res: SimpleResponse): string {
  return res.status === 200 ? String(res.headers['x-upstream']) : String(res.status)
}

describe('route choice', () => {
  it.each([
    // request path     upstream   why
    ['/api/users', 'a'], //         /api
    ['/api', 'a'], //               the prefix itself
    ['/api/', 'a'],
    ['/api/v2', 'b'], //            longest prefix wins, though declared later
    ['/api/v2/users', 'b'],
    ['/api/v2x', 'a'], //           segment-aware: /api/v2x is not under /api/v2
    ['/apix', 'c'], //              segment-aware: /apix is not under /api
    ['/', 'c'],
    ['/other/page', 'c'],
  ])('%s goes to upstream %s', async (path, expected) => {
    const proxy = await proxyWith([
      { name: 'api', path: '/api', target: a.url },
      { name: 'api-v2', path: '/api/v2', target: b.url },
      { name: 'root', path: '/', target: c.url },
    ])
    const res = await get(proxy, path)
    expect(who(res)).toBe(expected)
    expect(res.json<Echo>().url).toBe(path)
  })

  it('a path that only shares characters with a prefix gets no route (404 listing the routes)', async () => {
    const proxy = await proxyWith([{ name: 'api', path: '/api', target: a.url }])
    const res = await get(proxy, '/apix')
    expect(res.status).toBe(404)
    expect(res.headers['x-devproxy-error']).toBe('no_route')
    expect(res.json().error.routes).toEqual([{ name: 'api', path: '/api', target: a.url }])
  })

  it('among equal prefixes the first declared wins', async () => {
    const proxy = await proxyWith([
      { name: 'first', path: '/dup', target: a.url },
      { name: 'second', path: '/dup/', target: b.url },
    ])
    expect(who(await get(proxy, '/dup/x'))).toBe('a')
  })

  it.each([
    // Host header sent            upstream
    ['api.localhost', 'a'],
    ['api.localhost:8080', 'a'], //  the port is ignored
    ['API.Localhost', 'a'], //       case-insensitive
    ['x.app.localhost', 'b'], //     *.app.localhost
    ['deep.x.app.localhost', 'b'],
    ['app.localhost', 'c'], //       the wildcard needs a subdomain
    ['localhost:8080', 'c'],
    ['api.localhost.evil', 'c'],
  ])('Host %s goes to upstream %s', async (host, expected) => {
    const proxy = await proxyWith([
      { name: 'api-host', path: '/', host: 'api.localhost', target: a.url },
      { name: 'app-host', path: '/', host: '*.app.localhost', target: b.url },
      { name: 'any-host', path: '/', target: c.url },
    ])
    const res = await get(proxy, '/x', { headers: { host } })
    expect(who(res)).toBe(expected)
  })

  it.each([
    ['GET', 'b'],
    ['POST', 'a'],
    ['PUT', 'a'], //    declared lower-case in the config
    ['DELETE', 'b'],
  ])('method filter: %s /api/x goes to upstream %s (excluded methods fall through)', async (method, expected) => {
    const proxy = await proxyWith([
      { name: 'writes', path: '/api', methods: ['POST', 'put'], target: a.url },
      { name: 'root', path: '/', target: b.url },
    ])
    const res = await get(proxy, '/api/x', { method })
    expect(who(res)).toBe(expected)
    expect(res.json<Echo>().method).toBe(method)
  })
})

describe('the forwarded path', () => {
  it.each<[string, string, string, Partial<UserRoute>]>([
    ['kept as is by default', '/api/users?id=1', '/api/users?id=1', {}],
    ['stripPrefix', '/api/users?id=1', '/users?id=1', { stripPrefix: true }],
    ['stripPrefix on the prefix itself', '/api', '/', { stripPrefix: true }],
    ['stripPrefix keeps a query on the bare prefix', '/api?x=1', '/?x=1', { stripPrefix: true }],
    ['stripPrefix keeps a trailing slash', '/api/users/', '/users/', { stripPrefix: true }],
    ['rewrite', '/api/users?id=1', '/v1/users?id=1', { rewrite: (p: string) => p.replace(/^\/api/, '/v1') }],
    ['rewrite runs after stripPrefix', '/api/users?id=1', '/v2/users?id=1', { stripPrefix: true, rewrite: (p: string) => `/v2${p}` }],
  ])('%s: %s → %s', async (_name, sent, expected, options) => {
    const proxy = await proxyWith([{ path: '/api', target: a.url, ...options }])
    const res = await get(proxy, sent)
    expect(res.status).toBe(200)
    expect(res.json<Echo>().url).toBe(expected)
  })

  it('a target with a base path is prepended', async () => {
    const proxy = await proxyWith([{ path: '/api', target: `${a.url}/base`, stripPrefix: true }])
    expect((await get(proxy, '/api/users?id=1')).json<Echo>().url).toBe('/base/users?id=1')
  })

  // A literal space cannot appear in an HTTP/1.1 request target (Node's client refuses it with
  // ERR_UNESCAPED_CHARACTERS), so the space of `'a b'` travels as %20. Everything else is what
  // WHATWG URL would re-encode or normalise: `'`, `%2F`, `+`, a repeated key, a second `?`.
  const QUERY = "?q='a%20b'&e=%2F&plus=+&q=?z"
  it.each<[string, string, string, Partial<UserRoute>]>([
    ['as is', `/api/x${QUERY}`, `/api/x${QUERY}`, {}],
    ['with stripPrefix', `/api/x${QUERY}`, `/x${QUERY}`, { stripPrefix: true }],
    ['on the bare prefix with stripPrefix', `/api${QUERY}`, `/${QUERY}`, { stripPrefix: true }],
    ['unusual bytes in the path', "/api/%7Euser/a+b/'q'/%2e%2Ex/x%2Fy;p=1", "/api/%7Euser/a+b/'q'/%2e%2Ex/x%2Fy;p=1", {}],
    // A dot segment, encoded or not, is resolved before routing (test/hardening: path normalization).
    ['an encoded dot segment is resolved', '/api/v1/%2e%2E/v2/users', '/api/v2/users', {}],
  ])('the request target is forwarded byte for byte, %s: %s', async (_name, sent, expected, options) => {
    const proxy = await proxyWith([{ path: '/api', target: a.url, ...options }])
    const res = await get(proxy, sent)
    expect(res.status).toBe(200)
    expect(res.json<Echo>().url).toBe(expected)
  })
})

describe('the Host header', () => {
  it.each([
    ['changeOrigin: true sends the target host:port', true, () => `127.0.0.1:${a.port}`],
    ['changeOrigin: false keeps the client Host', false, () => 'myapp.localhost:5000'],
  ])('%s', async (_name, changeOrigin, expected) => {
    const proxy = await proxyWith([{ path: '/', target: a.url, changeOrigin }])
    const res = await get(proxy, '/x', { headers: { host: 'myapp.localhost:5000' } })
    const seen = res.json<Echo>().headers
    expect(seen.host).toBe(expected())
    expect(seen['x-forwarded-host']).toBe('myapp.localhost:5000')
  })
})

describe('request headers sent upstream', () => {
  const sent = {
    host: 'app.localhost:8080',
    'x-forwarded-for': '203.0.113.7',
    via: '1.0 corp-proxy',
    connection: 'keep-alive, X-Drop-Me',
    'x-drop-me': 'named in Connection',
    'keep-alive': 'timeout=5',
    'proxy-connection': 'keep-alive',
    te: 'trailers',
    'x-keep': 'end-to-end',
    cookie: 'session=secret',
    'x-override': 'from-client',
  }
  let seen: Echo['headers']

  beforeAll(async () => {
    const proxy = await startTestProxy({
      routes: [{ path: '/', target: a.url, headers: { request: { 'x-env': 'dev', cookie: null, 'X-Override': 'from-config' } } }],
    })
    try {
      seen = (await get(proxy, '/headers', { headers: sent })).json<Echo>().headers
    } finally {
      await proxy.close(0)
    }
  })

  it.each([
    ['x-forwarded-for is appended to the incoming one', 'x-forwarded-for', '203.0.113.7, 127.0.0.1'],
    ['x-forwarded-proto is set', 'x-forwarded-proto', 'http'],
    ['x-forwarded-host is the client Host', 'x-forwarded-host', 'app.localhost:8080'],
    // RFC 9110 §7.6.3: the received version and a pseudonym naming this instance (loop detection).
    ['via is appended', 'via', /^1\.0 corp-proxy, 1\.1 devproxy-[0-9a-f]{8}$/],
    ['x-devproxy-attempt counts the attempt', 'x-devproxy-attempt', '1'],
    ['end-to-end headers pass', 'x-keep', 'end-to-end'],
    ['the client Host is kept', 'host', 'app.localhost:8080'],
    ['a route rule sets a header', 'x-env', 'dev'],
    ['a route rule overrides the client value', 'x-override', 'from-config'],
    ['a null route rule removes a header', 'cookie', undefined],
    ['a header named in Connection is removed', 'x-drop-me', undefined],
    ['keep-alive is removed', 'keep-alive', undefined],
    ['proxy-connection is removed', 'proxy-connection', undefined],
    ['te is removed', 'te', undefined],
  ])('%s', (_name, header, expected) => {
    if (expected instanceof RegExp) expect(seen[header]).toMatch(expected)
    else expect(seen[header]).toBe(expected)
  })

  it("the client's Connection header is not forwarded", () => {
    // The proxy's own pooled connection may say keep-alive; nothing of the client's survives.
    expect(String(seen.connection ?? '')).not.toMatch(/x-drop-me/i)
  })

  it('without an incoming x-forwarded-for the client address starts the list', async () => {
    const proxy = await proxyWith([{ path: '/', target: a.url }])
    const headers = (await get(proxy, '/')).json<Echo>().headers
    expect(headers['x-forwarded-for']).toBe('127.0.0.1')
    expect(headers.via).toBe(`1.1 devproxy-${proxy.engine.instanceId}`)
  })
})

describe('response headers sent to the client', () => {
  let raw: TestUpstream
  let res: SimpleResponse

  beforeAll(async () => {
    // A raw upstream, so the response carries exactly these fields.
    raw = await startRawUpstream((socket) => {
      let head = ''
      socket.on('data', (chunk: Buffer) => {
        head += chunk.toString('latin1')
        if (!head.includes('\r\n\r\n')) return
        head = ''
        socket.write(
          [
            'HTTP/1.1 200 OK',
            'Content-Type: text/plain',
            'Content-Length: 2',
            'Connection: keep-alive, X-Up-Secret',
            'Keep-Alive: timeout=5',
            'X-Up-Secret: named in Connection',
            'Proxy-Connection: keep-alive',
            'Trailer: x-checksum',
            'Upgrade: h2c',
            'Via: 1.1 upstream',
            'X-Powered-By: Express',
            'Cache-Control: max-age=600',
            'X-Keep: end-to-end',
            '',
            'ok',
          ].join('\r\n'),
        )
      })
    })
    const proxy = await startTestProxy({
      routes: [{ path: '/', target: raw.url, headers: { response: { 'cache-control': 'no-store', 'x-powered-by': null, 'x-added': 'yes' } } }],
    })
    try {
      res = await get(proxy, '/')
    } finally {
      await proxy.close(0)
      await raw.close()
    }
  })

  it('the body arrives', () => {
    expect(res.status).toBe(200)
    expect(res.body.toString()).toBe('ok')
  })

  it.each([
    ['via is appended', 'via', /^1\.1 upstream, 1\.1 devproxy-[0-9a-f]{8}$/],
    ['end-to-end headers pass', 'x-keep', 'end-to-end'],
    ['a route rule overrides a header', 'cache-control', 'no-store'],
    ['a route rule adds a header', 'x-added', 'yes'],
    ['a null route rule removes a header', 'x-powered-by', undefined],
    ['a header named in Connection is removed', 'x-up-secret', undefined],
    // The test client sends `Connection: close`, so Node adds no Keep-Alive of its own.
    ['keep-alive is removed', 'keep-alive', undefined],
    ['proxy-connection is removed', 'proxy-connection', undefined],
    ['trailer is removed', 'trailer', undefined],
    ['upgrade is removed', 'upgrade', undefined],
  ])('%s', (_name, header, expected) => {
    if (expected instanceof RegExp) expect(res.headers[header]).toMatch(expected)
    else expect(res.headers[header]).toBe(expected)
  })
})

describe('target arrays', () => {
  it('round-robin alternates between two upstreams', async () => {
    const proxy = await proxyWith([{ path: '/', target: [a.url, b.url] }])
    const order: string[] = []
    for (let i = 0; i < 6; i++) order.push(who(await get(proxy, `/rr/${i}`)))
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b'])
  })

  it.each([
    ['dead first', (dead: string) => [dead, a.url]],
    ['dead second', (dead: string) => [a.url, dead]],
  ])('a dead target (%s) costs one 502, then is skipped', async (_name, targets) => {
    const dead = `http://127.0.0.1:${await deadPort()}`
    const proxy = await proxyWith([{ name: 'pool', path: '/', target: targets(dead) }])
    const results: SimpleResponse[] = []
    for (let i = 0; i < 8; i++) results.push(await get(proxy, `/p/${i}`))

    const failures = results.filter((r) => r.status !== 200)
    expect(failures).toHaveLength(1)
    expect(failures[0]!.status).toBe(502)
    expect(failures[0]!.headers['x-devproxy-error']).toBe('upstream_connect_failed')
    expect(failures[0]!.json().error).toMatchObject({ type: 'upstream_connect_failed', route: 'pool', target: dead })
    expect(results.filter((r) => r.status === 200).map(who)).toEqual(Array(7).fill('a'))
  })
})
