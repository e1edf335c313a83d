import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/features.js'
import type { UserConfig } from '../../src/config/types.js'
import { formatTransactionLine } from '../../src/log/format-line.js'
import { plainPalette } from '../../src/terminal/palette.js'
import { request, startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'

/**
 * Mocks over real sockets (Microsoft Dev Proxy's mocks, mockttp's rules): matching requests are
 * answered in place of the upstream, everything else reaches it; nth call and sequences count
 * per mock; faults and retries act on mocked answers as on live ones.
 */
describe('mocks', () => {
  let upstream: TestUpstream
  let proxy: TestProxy
  let dir: string
  let upstreamCalls = 0
  const routes = (): UserConfig['routes'] => [
    {
      name: 'api',
      path: '/api',
      target: upstream.url,
      retry: { attempts: 2, on: ['5xx'], baseMs: 1, maxMs: 2 },
      mock: [
        { match: { method: 'GET', path: '/api/users/*' }, json: { id: 1, name: 'Ada' }, headers: { 'x-mocked': 'users' } },
        { match: { method: 'PUT', path: '/api/orders' }, nth: 3, status: 503, json: { error: 'busy' } },
        { match: { path: '/api/jobs/**' }, sequence: [{ json: { state: 'pending' } }, { json: { state: 'pending' } }, { json: { state: 'done' } }] },
        { match: { method: 'POST', path: '/api/echo' }, respond: async (req) => ({ status: 201, json: { got: await req.json(), call: req.call, query: req.query } }) },
        { match: { path: '/api/broken' }, respond: () => { throw new Error('mock code failed') } },
        { match: { path: '/api/slow' }, delayMs: 30, body: 'late' },
        { match: { path: '/api/file' }, file: 'fixture.json' },
      ],
    },
    { name: 'only-mocks', path: '/offline', mock: { match: { path: '/offline/known' }, json: { ok: true } } },
  ]
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-mocks-'))
    await writeFile(join(dir, 'fixture.json'), '{"from":"file"}')
    upstream = await startUpstream((req, res) => {
      upstreamCalls++
      res.end(`upstream ${req.method} ${req.url}`)
    })
    proxy = await startTestProxy({ routes: routes() })
    // Mock files are read relative to the config file.
    proxy.engine.swap(resolveConfig({ port: 0, routes: routes() }, join(dir, 'proxy.config.ts')))
  })
  afterAll(async () => {
    await proxy.close()
    await upstream.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('a matching request is answered by the mock; the upstream never sees it', async () => {
    const before = upstreamCalls
    const response = await request(`${proxy.url}/api/users/42`)
    expect(response.status).toBe(200)
    expect(response.json()).toEqual({ id: 1, name: 'Ada' })
    expect(response.headers['x-mocked']).toBe('users')
    expect(response.headers['x-devproxy-mock']).toBe('mock[0]')
    expect(upstreamCalls).toBe(before)
    const tx = proxy.transactions.at(-1)!
    expect(tx.attempts.at(-1)?.by).toBe('mock')
    expect(formatTransactionLine(tx, plainPalette)).toContain('[mock]')
  })

  it('a request no mock matches goes to the upstream', async () => {
    const response = await request(`${proxy.url}/api/users/42/orders`)
    expect(response.body.toString()).toBe('upstream GET /api/users/42/orders')
    expect(proxy.transactions.at(-1)?.attempts.at(-1)?.by).toBeUndefined()
  })

  it('nth: only the third matching request is answered (503), and the route retries it like a live 503', async () => {
    const statuses: string[] = []
    for (let i = 0; i < 3; i++) statuses.push((await request(`${proxy.url}/api/orders`, { method: 'PUT', body: '{}' })).body.toString())
    expect(statuses).toEqual(['upstream PUT /api/orders', 'upstream PUT /api/orders', 'upstream PUT /api/orders'])
    // The third request's first attempt was the mock's 503; the retry (the 4th match) went upstream.
    const tx = proxy.transactions.at(-1)!
    expect(tx.attempts.map((a) => [a.status, a.by ?? 'upstream'])).toEqual([
      [503, 'mock'],
      [200, 'upstream'],
    ])
  })

  it('sequence: successive requests get successive answers, then go to the upstream', async () => {
    const states = []
    for (let i = 0; i < 4; i++) states.push((await request(`${proxy.url}/api/jobs/7/status`)).body.toString())
    expect(states).toEqual(['{"state":"pending"}', '{"state":"pending"}', '{"state":"done"}', 'upstream GET /api/jobs/7/status'])
  })

  it('respond computes the answer from the request (body, query, call count)', async () => {
    const response = await request(`${proxy.url}/api/echo?x=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":2}' })
    expect(response.status).toBe(201)
    expect(response.json()).toEqual({ got: { a: 2 }, call: 1, query: { x: '1' } })
  })

  it('a respond that throws is answered 500 hook_error naming the mock, and not retried', async () => {
    const response = await request(`${proxy.url}/api/broken`)
    expect(response.status).toBe(500)
    expect(response.json().error.message).toMatch(/^route "api" mock\[4\]\.respond threw at test\/integration\/mocks\.test\.ts:\d+:\d+: mock code failed$/)
    expect(proxy.transactions.at(-1)?.attempts).toHaveLength(1)
  })

  it('delayMs holds the answer back', async () => {
    const started = performance.now()
    const response = await request(`${proxy.url}/api/slow`)
    expect(response.body.toString()).toBe('late')
    expect(performance.now() - started).toBeGreaterThanOrEqual(29)
  })

  it('file answers with the file, relative to the config file, typed by its extension', async () => {
    const response = await request(`${proxy.url}/api/file`)
    expect(response.json()).toEqual({ from: 'file' })
    expect(response.headers['content-type']).toMatch(/^application\/json/)
  })

  it('a route with mocks and no target answers what no mock matches with 404 mock_unmatched', async () => {
    expect((await request(`${proxy.url}/offline/known`)).json()).toEqual({ ok: true })
    const response = await request(`${proxy.url}/offline/other`)
    expect(response.status).toBe(404)
    expect(response.json().error).toMatchObject({ type: 'mock_unmatched', route: 'only-mocks' })
  })

  it('a fault stands in before a mock does: the mock answers the retry', async () => {
    const fault = proxy.faults.add({ kind: 'status', statuses: [502], route: 'api', first: 1 }, 'api')
    try {
      const response = await request(`${proxy.url}/api/users/1`)
      expect(response.status).toBe(200)
      expect(proxy.transactions.at(-1)?.attempts.map((a) => [a.status, a.by])).toEqual([
        [502, 'fault'],
        [200, 'mock'],
      ])
    } finally {
      proxy.faults.remove(fault.id)
    }
  })

  it('a reload swaps the mocks and restarts their counts', async () => {
    const next = routes()
    next[0] = { ...next[0]!, mock: [{ match: { path: '/api/jobs/**' }, sequence: [{ json: { state: 'queued' } }] }] }
    proxy.engine.swap(resolveConfig({ port: 0, routes: next }, join(dir, 'proxy.config.ts')))
    expect((await request(`${proxy.url}/api/jobs/8`)).body.toString()).toBe('{"state":"queued"}')
    expect((await request(`${proxy.url}/api/users/1`)).body.toString()).toBe('upstream GET /api/users/1')
  })
})
