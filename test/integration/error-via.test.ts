/**
 * RFC 9110 §7.6.3: a proxy adds its own Via entry to what it forwards, so a response shows
 * which intermediaries it passed. The answers devproxy makes itself (a 404 no_route, a 502 for
 * an upstream that refused the connection) carry the same entry as the responses it forwards,
 * with its instance id, so a client (or a second devproxy) can tell which proxy answered.
 */
import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { echoHandler, request, startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

let upstream: TestUpstream
let proxy: TestProxy

beforeAll(async () => {
  upstream = await startUpstream(echoHandler)
  proxy = await startTestProxy({
    routes: [
      { name: 'api', path: '/api', target: upstream.url },
      { name: 'gone', path: '/gone', target: `http://127.0.0.1:${await closedPort()}`, retry: { attempts: 1 } },
    ],
  })
})

afterAll(async () => {
  await proxy.close(0)
  await upstream.close()
})

describe("Via on devproxy's own answers (RFC 9110 §7.6.3)", () => {
  it('a forwarded response carries 1.1 devproxy-<id>', async () => {
    const response = await request(`${proxy.url}/api/x`)
    expect(response.status).toBe(200)
    expect(response.headers.via).toBe(`1.1 devproxy-${proxy.engine.instanceId}`)
  })

  it('a 404 no_route carries the same entry', async () => {
    const response = await request(`${proxy.url}/nowhere`)
    expect(response.status).toBe(404)
    expect(response.headers['x-devproxy-error']).toBe('no_route')
    expect(response.headers.via).toBe(`1.1 devproxy-${proxy.engine.instanceId}`)
  })

  it('a 502 for an upstream that refuses the connection carries the same entry', async () => {
    const response = await request(`${proxy.url}/gone/x`)
    expect(response.status).toBe(502)
    expect(response.headers['x-devproxy-error']).toBe('upstream_connect_failed')
    expect(response.headers.via).toBe(`1.1 devproxy-${proxy.engine.instanceId}`)
  })
})
