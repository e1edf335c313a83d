import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import http from 'node:http'
import { demoConfig } from '../../src/demo/demo-config.js'
import { startDemoUpstream, type DemoUpstream } from '../../src/demo/demo-upstream.js'
import { request, startTestProxy, type TestProxy } from '../helpers/servers.js'

describe('the demo upstream, behind the proxy with the demo routes', () => {
  let demo: DemoUpstream
  let proxy: TestProxy

  beforeAll(async () => {
    demo = await startDemoUpstream()
    proxy = await startTestProxy(demoConfig(demo.url))
  })
  afterAll(async () => {
    await proxy.close()
    await demo.close()
  })

  it('lists users, filters by role, and finds one by id', async () => {
    const all = await request(`${proxy.url}/api/users`)
    expect(all.status).toBe(200)
    expect(all.json()).toHaveLength(5)
    const admins = await request(`${proxy.url}/api/users?role=admin`)
    expect(admins.json().map((u: { role: string }) => u.role)).toEqual(['admin', 'admin'])
    expect((await request(`${proxy.url}/api/users/3`)).json().name).toBe('Alan Turing')
    const missing = await request(`${proxy.url}/api/users/99`)
    expect(missing.status).toBe(404)
    expect(missing.json()).toEqual({ error: 'user not found', id: '99' })
  })

  it('creates a user from JSON and rejects a body that is not JSON', async () => {
    const created = await request(`${proxy.url}/api/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Ada"}' })
    expect(created.status).toBe(201)
    expect(created.json()).toMatchObject({ name: 'Ada', role: 'member' })
    const bad = await request(`${proxy.url}/api/users`, { method: 'POST', body: '{nope' })
    expect(bad.status).toBe(400)
  })

  it('echoes what the proxy forwarded', async () => {
    const echoed = (await request(`${proxy.url}/api/echo?x=1`, { method: 'PUT', body: 'hi' })).json()
    expect(echoed).toMatchObject({ method: 'PUT', url: '/api/echo?x=1', body: 'hi' })
    expect(echoed.headers.via).toBe(`1.1 devproxy-${proxy.engine.instanceId}`)
  })

  it('answers slowly, and with any status asked for', async () => {
    const started = performance.now()
    expect((await request(`${proxy.url}/api/slow?ms=50`)).json()).toEqual({ waitedMs: 50 })
    expect(performance.now() - started).toBeGreaterThanOrEqual(45)
    expect((await request(`${proxy.url}/api/status/503`)).status).toBe(503)
    expect((await request(`${proxy.url}/api/status/abc`)).status).toBe(400)
  })

  it('streams server-sent events and ends after count', async () => {
    const body = (await request(`${proxy.url}/events?count=3&intervalMs=10`)).body.toString()
    expect(body.match(/^event: tick$/gm)).toHaveLength(3)
    expect(body).toContain('data: {"n":3,')
  })

  it('streams a download of exactly the size asked for', async () => {
    const bytes = await new Promise<number>((resolve, reject) => {
      http.get(`${proxy.url}/download?mb=3`, (res) => {
        let n = 0
        res.on('data', (chunk: Buffer) => (n += chunk.length))
        res.on('end', () => resolve(n))
      }).on('error', reject)
    })
    expect(bytes).toBe(3 * 1024 * 1024)
  })

  it('echoes WebSocket messages at /ws', async () => {
    const socket = new WebSocket(`${proxy.url.replace('http', 'ws')}/ws`)
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
    socket.send('ping')
    const data = await new Promise<string>((resolve) => socket.once('message', (message) => resolve(String(message))))
    expect(data).toBe('ping')
    socket.close()
  })

  it('explains unknown paths', async () => {
    const response = await request(`${proxy.url}/nope`)
    expect(response.status).toBe(404)
    expect(response.json()).toEqual({ error: 'not found', path: '/nope' })
  })

  it('closes with open streams and sockets', async () => {
    const other = await startDemoUpstream()
    const socket = new WebSocket(`${other.url.replace('http', 'ws')}/ws`)
    await new Promise((resolve) => socket.once('open', resolve))
    const sse = http.get(`${other.url}/events?count=0&intervalMs=10`)
    const sseResponse = await new Promise<http.IncomingMessage>((resolve) => sse.once('response', resolve))
    sse.on('error', () => {})
    sseResponse.on('error', () => {})
    sseResponse.resume()
    const socketClosed = new Promise((resolve) => socket.once('close', resolve))
    const sseEnded = new Promise((resolve) => sse.once('close', resolve))
    await other.close()
    await Promise.all([socketClosed, sseEnded])
    // Both were cut, not left hanging: the WebSocket is closed and the endless stream never completed.
    expect(socket.readyState).toBe(WebSocket.CLOSED)
    expect(sseResponse.complete).toBe(false)
    // And nothing listens any more.
    const refused = await new Promise<string | undefined>((resolve) => {
      http.get(other.url, (res) => resolve(`answered ${res.statusCode}`)).on('error', (error: NodeJS.ErrnoException) => resolve(error.code))
    })
    expect(refused).toBe('ECONNREFUSED')
  })
})
