/**
 * The control API on the wire: a real proxy, its control server in a temp directory, and raw
 * HTTP requests that set exactly the headers under test.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectToProxy } from '../../src/control/client.js'
import { startControlServer, type ControlServer } from '../../src/start-control.js'
import { entryPath, writeState } from '../../src/control/state-file.js'
import { ControlError } from '../../src/errors.js'
import { startControlledProxy, type ControlledProxy } from '../helpers/control.js'
import { request, type SimpleResponse, type TestProxy, type TestUpstream } from '../helpers/servers.js'

let running: ControlledProxy
let dir: string
let upstream: TestUpstream
let proxy: TestProxy
let control: ControlServer
let port: number

beforeAll(async () => {
  running = await startControlledProxy('control', (target) => [{ name: 'api', path: '/api', target, methods: ['GET', 'POST'] }])
  ;({ dir, upstream, proxy, control, port } = running)
})
afterAll(() => running.close())

/** A request to the control API: the right Host and token unless the test says otherwise. */
function call(method: string, path: string, options: { token?: string | null; headers?: Record<string, string>; body?: unknown } = {}): Promise<SimpleResponse> {
  const token = options.token === undefined ? control.token : options.token
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
  return request(`${control.url}${path}`, {
    method,
    headers: {
      host: `127.0.0.1:${port}`,
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(body === undefined ? {} : { body }),
  })
}

describe('the control server', () => {
  it('listens on 127.0.0.1 only, on a port of its own', () => {
    expect(control.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(port).not.toBe(proxy.port)
  })

  it('writes its entry .devproxy/proxies/<pid>-<port>.json, mode 0600, with what a client needs', async () => {
    const file = join(dir, '.devproxy', 'proxies', `${process.pid}-${proxy.port}.json`)
    expect(control.stateFile).toBe(file)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect((await stat(join(dir, '.devproxy'))).mode & 0o777).toBe(0o700)
    const state = JSON.parse(await readFile(file, 'utf8'))
    expect(state).toEqual({ pid: process.pid, url: proxy.url, urls: [proxy.url], controlUrl: control.url, token: control.token, startedAt: expect.any(Number), command: 'start' })
    // Named for what it is, so whatever shows or records traffic can recognise and redact it (src/local-api/secrets.ts).
    expect(control.token).toMatch(/^devproxy_control_[A-Za-z0-9_-]{43}$/)
  })
})

describe('who may call it', () => {
  it('no token: 401 with WWW-Authenticate', async () => {
    const response = await call('GET', '/v1/status', { token: null })
    expect(response.status).toBe(401)
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/)
    expect(response.json().error.type).toBe('unauthorized')
  })

  it.each([
    ['a wrong token of the same length', () => `${control.token.slice(0, -1)}${control.token.endsWith('A') ? 'B' : 'A'}`],
    ['a shorter token', () => control.token.slice(0, 10)],
    ['a longer token', () => `${control.token}x`],
  ])('%s: 401', async (_what, token) => {
    const response = await call('GET', '/v1/status', { token: token() })
    expect(response.status).toBe(401)
  })

  it('another scheme: 401', async () => {
    const response = await call('GET', '/v1/status', { token: null, headers: { authorization: `Basic ${control.token}` } })
    expect(response.status).toBe(401)
  })

  it('the right token: 200', async () => {
    expect((await call('GET', '/v1/status')).status).toBe(200)
  })

  it.each(['localhost', '[::1]'])('Host %s:PORT is accepted', async (host) => {
    expect((await call('GET', '/v1/status', { headers: { host: `${host}:${port}` } })).status).toBe(200)
  })

  it.each([
    ['another name (DNS rebinding)', () => `evil.example:${port}`],
    ['no port', () => '127.0.0.1'],
    ['another port', () => `127.0.0.1:${port + 1}`],
  ])('Host with %s: 403, even with the right token', async (_what, host) => {
    const response = await call('GET', '/v1/status', { headers: { host: host() } })
    expect(response.status).toBe(403)
    expect(response.json().error.type).toBe('forbidden')
  })

  it.each(['http://evil.example', 'null', 'http://localhost:5173'])('an Origin header (%s): 403, even with the right token', async (origin) => {
    const response = await call('POST', '/v1/faults', { headers: { origin }, body: { faults: [{ kind: '5xx' }] } })
    expect(response.status).toBe(403)
    expect(proxy.faults.list()).toEqual([])
  })
})

describe('routes', () => {
  it('GET /v1/status: the proxy, its routes, faults and counters', async () => {
    const response = await call('GET', '/v1/status')
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(response.headers['cache-control']).toBe('no-store')
    expect(response.json()).toEqual({
      pid: process.pid,
      url: proxy.url,
      urls: [proxy.url],
      command: 'start',
      startedAt: expect.any(Number),
      routes: [{ name: 'api', path: '/api', methods: ['GET', 'POST'], targets: [upstream.url] }],
      faults: [],
      counters: { requests: expect.any(Number), errors: expect.any(Number), faults: expect.any(Number) },
    })
  })

  it('counters follow the traffic', async () => {
    const before = (await call('GET', '/v1/status')).json().counters.requests
    await request(`${proxy.url}/api/x`)
    await proxy.nextTransaction()
    expect((await call('GET', '/v1/status')).json().counters.requests).toBe(before + 1)
  })

  it('POST, GET, DELETE /v1/faults: a round trip through the engine', async () => {
    const added = await call('POST', '/v1/faults', {
      body: { faults: [{ kind: '5xx', rate: 0.3, route: 'api', seed: 1 }, { kind: 'latency', latencyMs: [100, 200], forMs: 60_000 }] },
    })
    expect(added.status).toBe(201)
    const faults = added.json().faults
    expect(faults).toEqual([
      expect.objectContaining({ id: expect.any(String), kind: '5xx', rate: 0.3, route: 'api', seed: 1, source: 'api', matched: 0, injected: 0 }),
      expect.objectContaining({ id: expect.any(String), kind: 'latency', latencyMs: [100, 200], expiresAt: expect.any(Number) }),
    ])
    expect(proxy.faults.list().map((f) => f.id)).toEqual(faults.map((f: { id: string }) => f.id))
    expect((await call('GET', '/v1/faults')).json()).toEqual(faults)
    expect((await call('GET', '/v1/status')).json().faults).toEqual(faults)

    const [first, second] = faults as Array<{ id: string }>
    const removed = await call('DELETE', `/v1/faults/${first!.id}`)
    expect(removed.status).toBe(204)
    expect(removed.body.length).toBe(0)
    expect(proxy.faults.list().map((f) => f.id)).toEqual([second!.id])
    expect((await call('DELETE', `/v1/faults/${first!.id}`)).status).toBe(404)

    const cleared = await call('DELETE', '/v1/faults')
    expect(cleared.json()).toEqual({ cleared: 1 })
    expect(proxy.faults.list()).toEqual([])
  })

  it('an invalid spec: 400 listing each issue, and nothing is added', async () => {
    const response = await call('POST', '/v1/faults', { body: { faults: [{ kind: '5xx', rate: 0.3 }, { kind: 'explode', rate: 3 }, { kind: 'status' }] } })
    expect(response.status).toBe(400)
    const { error } = response.json()
    expect(error.type).toBe('fault_invalid')
    expect(error.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'faults[1].kind' }),
        expect.objectContaining({ path: 'faults[1].rate' }),
        expect.objectContaining({ path: 'faults[2].statuses' }),
      ]),
    )
    expect(error.message).toContain('faults[1].rate must be a rate from 0 to 1')
    expect(proxy.faults.list()).toEqual([])
  })

  it('a fault naming no route: 422 listing the routes, and nothing is added', async () => {
    const response = await call('POST', '/v1/faults', { body: { faults: [{ kind: 'reset', rate: 1 }, { kind: '5xx', rate: 1, route: 'nope' }] } })
    expect(response.status).toBe(422)
    expect(response.json().error).toEqual({
      type: 'fault_never_matches',
      message: 'faults[1].route "nope" names no route of this proxy; its routes are api',
      issues: [{ path: 'faults[1].route', message: '"nope" names no route of this proxy; its routes are api' }],
      routes: ['api'],
    })
    expect(proxy.faults.list()).toEqual([])
  })

  it('a method its route never takes: 422', async () => {
    const response = await call('POST', '/v1/faults', { body: { faults: [{ kind: '5xx', route: 'api', method: 'DELETE' }] } })
    expect(response.status).toBe(422)
    expect(response.json().error.message).toBe('faults[0].method "DELETE" never reaches route api, which takes only GET, POST')
    expect(proxy.faults.list()).toEqual([])
  })

  it('a method no request can carry: 4xx, and nothing is added', async () => {
    const response = await call('POST', '/v1/faults', { body: { faults: [{ kind: '5xx', method: 'FOO' }] } })
    expect(response.status).toBeGreaterThanOrEqual(400)
    expect(response.status).toBeLessThan(500)
    expect(response.json().error.message).toContain('faults[0].method')
    expect(proxy.faults.list()).toEqual([])
  })

  it('statuses that do not fit the kind (issue 27 item 11): 400 at their dotted path, and nothing is added', async () => {
    const response = await call('POST', '/v1/faults', { body: { faults: [{ kind: '5xx', statuses: [200] }, 'status 302'] } })
    expect(response.status).toBe(400)
    expect(response.json().error.message).toBe('faults[0].statuses[0] must be 500–599 for a 5xx fault (got 200)\nfaults[1] --status: 302 must be 400–599 for a status fault; write e.g. 429 or 500,503')
    expect(proxy.faults.list()).toEqual([])
  })

  it.each([
    ['not JSON', '{"faults": [', 'invalid_json'],
    ['no body', '', 'invalid_json'],
    ['no faults array', { kind: '5xx' }, 'fault_invalid'],
    ['an empty faults array', { faults: [] }, 'fault_invalid'],
  ])('a body with %s: 400', async (_what, body, type) => {
    const response = await call('POST', '/v1/faults', { body })
    expect(response.status).toBe(400)
    expect(response.json().error.type).toBe(type)
  })

  it.each([
    ['with Content-Length', {}],
    ['chunked', { 'transfer-encoding': 'chunked' }],
  ])('a body over 64 KiB (%s): 413', async (_what, headers) => {
    const response = await call('POST', '/v1/faults', { headers, body: { faults: [{ kind: '5xx', route: 'x'.repeat(70_000) }] } })
    expect(response.status).toBe(413)
    expect(response.json().error.type).toBe('payload_too_large')
  })

  it('an unknown path: 404; a wrong method: 405 with Allow', async () => {
    expect((await call('GET', '/v1/nope')).status).toBe(404)
    expect((await call('GET', '/')).status).toBe(404)
    const wrong = await call('PUT', '/v1/faults', { body: { faults: [] } })
    expect(wrong.status).toBe(405)
    expect(wrong.headers.allow).toBe('GET, POST, DELETE')
    expect((await call('POST', '/v1/status')).headers.allow).toBe('GET')
  })
})

describe('the client', () => {
  it('finds the proxy from a subdirectory and drives it', async () => {
    const sub = join(dir, 'src', 'deep')
    await mkdir(sub, { recursive: true })
    const client = await connectToProxy(sub)
    expect(client.file).toBe(entryPath(dir, { pid: process.pid, url: proxy.url }))
    const [added] = await client.addFaults([{ kind: 'reset', rate: 0.5 }])
    expect(added).toMatchObject({ kind: 'reset', rate: 0.5, source: 'api' })
    expect((await client.getStatus()).faults).toHaveLength(1)
    expect(await client.listFaults()).toHaveLength(1)
    expect(await client.removeFault(added!.id)).toBe(true)
    expect(await client.removeFault(added!.id)).toBe(false)
    await client.addFaults([{ kind: 'truncate' }, { kind: 'timeout', rate: 0.1 }])
    expect(await client.clearFaults()).toBe(2)
  })

  it('an invalid spec comes back as an error with the issue', async () => {
    const client = await connectToProxy(dir)
    await expect(client.addFaults([{ kind: 'latency' }])).rejects.toMatchObject({ code: 'control_rejected', message: expect.stringContaining('faults[0].latencyMs') })
  })

  it('a live pid whose control port refuses connections is treated as stale, and its entry removed', async () => {
    const other = await mkdtemp(join(tmpdir(), 'devproxy-refused-'))
    try {
      const file = await writeState(other, { pid: process.pid, url: proxy.url, controlUrl: `http://127.0.0.1:${await closedPort()}`, token: control.token, startedAt: Date.now(), command: 'start' })
      const client = await connectToProxy(other)
      const error = await client.getStatus().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ControlError)
      expect(error).toMatchObject({ code: 'proxy_stale', message: expect.stringContaining(`the devproxy recorded in ${file} is gone (nothing answers at http://127.0.0.1:`) })
      expect(existsSync(file)).toBe(false)
    } finally {
      await rm(other, { recursive: true, force: true })
    }
  })

  it('a token the proxy does not know: a clear error', async () => {
    const other = await mkdtemp(join(tmpdir(), 'devproxy-token-'))
    try {
      await writeState(other, { pid: process.pid, url: proxy.url, controlUrl: control.url, token: 'x'.repeat(43), startedAt: Date.now(), command: 'start' })
      const error = await (await connectToProxy(other)).getStatus().catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'control_unauthorized', message: expect.stringContaining('refused the token') })
    } finally {
      await rm(other, { recursive: true, force: true })
    }
  })
})

describe('closing', () => {
  it('removes its entry, and the control port stops answering', async () => {
    const own = await mkdtemp(join(tmpdir(), 'devproxy-close-'))
    try {
      const server = await startControlServer({ engine: proxy.engine, faults: proxy.faults, proxyUrl: proxy.url, configFile: join(own, 'proxy.config.ts'), stateDir: own, command: 'record' })
      const state = JSON.parse(await readFile(server.stateFile, 'utf8'))
      expect(state).toMatchObject({ configFile: join(own, 'proxy.config.ts'), command: 'record' })
      await server.close()
      expect(existsSync(server.stateFile)).toBe(false)
      expect(existsSync(join(own, '.devproxy'))).toBe(false)
      await expect(request(`${server.url}/v1/status`)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    } finally {
      await rm(own, { recursive: true, force: true })
    }
  })

  it("never removes another proxy's entry; a second proxy learns the first is there", async () => {
    const own = await mkdtemp(join(tmpdir(), 'devproxy-close-'))
    try {
      const first = await startControlServer({ engine: proxy.engine, faults: proxy.faults, proxyUrl: 'http://127.0.0.1:8080', stateDir: own })
      const second = await startControlServer({ engine: proxy.engine, faults: proxy.faults, proxyUrl: 'http://127.0.0.1:8081', stateDir: own })
      expect(first.neighbours).toEqual([])
      expect(second.neighbours).toEqual([expect.objectContaining({ url: 'http://127.0.0.1:8080', token: first.token })])
      await second.close()
      expect(JSON.parse(await readFile(first.stateFile, 'utf8')).token).toBe(first.token)
      await first.close()
      expect(existsSync(join(own, '.devproxy'))).toBe(false)
    } finally {
      await rm(own, { recursive: true, force: true })
    }
  })

  it('leaves an entry rewritten since for the same pid and port', async () => {
    const own = await mkdtemp(join(tmpdir(), 'devproxy-close-'))
    try {
      const first = await startControlServer({ engine: proxy.engine, faults: proxy.faults, proxyUrl: proxy.url, stateDir: own })
      const second = await startControlServer({ engine: proxy.engine, faults: proxy.faults, proxyUrl: proxy.url, stateDir: own })
      await first.close()
      expect(JSON.parse(await readFile(second.stateFile, 'utf8')).token).toBe(second.token)
      await second.close()
      expect(existsSync(second.stateFile)).toBe(false)
    } finally {
      await rm(own, { recursive: true, force: true })
    }
  })
})

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port: free } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return free
}
