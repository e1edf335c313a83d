/**
 * An attempt's phases (issue 29) timed on real connections: the state machine of
 * src/proxy/exchange/attempt-states.ts driven by a real upstream that takes a known time before
 * its headers and before the end of its body. Bounds, never exact values: the machine is shared.
 * HAR 1.2 `timings` are read from these (src/record/har-timings.ts).
 */
import { fileURLToPath } from 'node:url'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import type { FaultSpec } from '../../src/faults/types.js'
import { request, startRawUpstream, startTestProxy, startTlsUpstream, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'

const CA = fileURLToPath(new URL('../fixtures/tls/ca.pem', import.meta.url))
const HEADERS_AFTER_MS = 60
const BODY_AFTER_MS = 60

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Reads the whole request, waits, sends headers and a first chunk, waits, ends the body. */
function slowly(req: IncomingMessage, res: ServerResponse): void {
  req.resume()
  req.on('end', () => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('first ')
      setTimeout(() => res.end('last'), BODY_AFTER_MS)
    }, HEADERS_AFTER_MS)
  })
}

async function upstream(tls: boolean): Promise<TestUpstream> {
  const server = tls ? await startTlsUpstream(slowly) : await startUpstream(slowly)
  cleanups.push(() => server.close())
  return server
}

async function proxyTo(target: string, route: { ca?: string } = {}, faults: FaultSpec[] = []): Promise<TestProxy> {
  const proxy = await startTestProxy({ routes: [{ name: 'api', path: '/', target, ...route }] })
  for (const spec of faults) proxy.faults.add(spec, 'api')
  cleanups.push(() => proxy.close())
  return proxy
}

describe('attempt phases on the wire (issue 29 item 2)', () => {
  it('a new plain connection: pool wait, connect, upload, wait (TTFB) and receive are timed; no TLS', async () => {
    const origin = await upstream(false)
    const proxy = await proxyTo(origin.url)
    const response = await request(`${proxy.url}/a`, { method: 'POST', body: 'hello' })
    expect(response.body.toString()).toBe('first last')
    const tx = await proxy.nextTransaction()
    const { phases } = tx.attempts[0]!
    expect(phases.poolWait).toBeGreaterThanOrEqual(0)
    expect(phases.connect).toBeGreaterThanOrEqual(0)
    expect(phases.tls).toBeNull()
    expect(phases.upload).toBeGreaterThanOrEqual(0)
    // The upstream held its headers HEADERS_AFTER_MS after the whole request arrived; timers may fire a ms early.
    expect(phases.wait).toBeGreaterThanOrEqual(HEADERS_AFTER_MS - 2)
    expect(phases.receive).toBeGreaterThanOrEqual(BODY_AFTER_MS - 2)
    // The phases are the attempt's walk, in turn: together no longer than the transaction.
    const sum = Object.values(phases).reduce<number>((total, ms) => total + (ms ?? 0), 0)
    expect(sum).toBeLessThanOrEqual(tx.durationMs + 1)
  })

  it('a reused keep-alive connection has no connect phase', async () => {
    const origin = await upstream(false)
    const proxy = await proxyTo(origin.url)
    await request(`${proxy.url}/first`)
    await proxy.nextTransaction()
    await request(`${proxy.url}/second`)
    const tx = await proxy.nextTransaction()
    expect(origin.connections()).toBe(1)
    expect(tx.attempts[0]!.phases).toMatchObject({ connect: null, tls: null })
    expect(tx.attempts[0]!.phases.wait).toBeGreaterThanOrEqual(HEADERS_AFTER_MS - 2)
  })

  it('an https:// target: the TLS handshake is its own phase', async () => {
    const origin = await upstream(true)
    const proxy = await proxyTo(origin.url, { ca: CA })
    const response = await request(`${proxy.url}/tls`)
    expect(response.status).toBe(200)
    const { phases } = (await proxy.nextTransaction()).attempts[0]!
    expect(phases.connect).toBeGreaterThanOrEqual(0)
    expect(phases.tls).toBeGreaterThan(0)
    expect(phases.wait).toBeGreaterThanOrEqual(HEADERS_AFTER_MS - 2)
  })

  it('an injected latency counts as waiting for the response, before any connection', async () => {
    const origin = await upstream(false)
    const proxy = await proxyTo(origin.url, {}, [{ kind: 'latency', latencyMs: [100, 100] }])
    await request(`${proxy.url}/late`)
    const { phases } = (await proxy.nextTransaction()).attempts[0]!
    expect(phases.wait).toBeGreaterThanOrEqual(100 + HEADERS_AFTER_MS - 4)
  })

  it('a fault that answers in place of the upstream has no connection phases, only its body', async () => {
    const origin = await upstream(false)
    const proxy = await proxyTo(origin.url, {}, [{ kind: 'status', statuses: [503] }])
    const response = await request(`${proxy.url}/down`)
    expect(response.status).toBe(503)
    const { phases } = (await proxy.nextTransaction()).attempts[0]!
    expect(phases).toMatchObject({ poolWait: null, connect: null, tls: null, upload: null, wait: null })
    expect(phases.receive).toBeGreaterThanOrEqual(0)
    expect(origin.connections()).toBe(0)
  })
})

describe('each state owns its timer (attempt-states.ts timerOf)', () => {
  it('a TLS handshake that never finishes is bounded by connectMs, not timeoutMs: 504 naming the connection', async () => {
    // Accepts TCP, then never answers the ClientHello.
    const silent = await startRawUpstream(() => {})
    cleanups.push(() => silent.close())
    const proxy = await startTestProxy({ routes: [{ name: 'api', path: '/', target: `https://127.0.0.1:${silent.port}`, ca: CA, connectMs: 300, timeoutMs: 20_000, retry: { attempts: 1 } }] })
    cleanups.push(() => proxy.close())
    const started = performance.now()
    const response = await request(`${proxy.url}/hello`)
    expect(response.status).toBe(504)
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(response.json().error.message).toMatch(/connect/i)
    const { phases, outcome } = (await proxy.nextTransaction()).attempts[0]!
    expect(outcome).toBe('connect-timeout')
    expect(phases.tls).toBeGreaterThanOrEqual(250)
    expect(phases.wait).toBeNull()
  })
})
