/**
 * Injected faults (issue 5) on real traffic: a real proxy, a real upstream that always
 * answers 200, and faults installed through the proxy's registry as the control API does.
 * An injected failure must travel the same path a real one does.
 */
import http, { type IncomingMessage } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import type { UserConfig, UserRoute } from '../../src/config/types.js'
import type { FaultSpec } from '../../src/faults/types.js'
import { formatTransactionLine } from '../../src/log/format-line.js'
import { plainPalette } from '../../src/terminal/palette.js'
import { request, startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'
import { within } from '../helpers/wait.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

let upstreamCalls = 0

async function okUpstream(body = 'ok'): Promise<TestUpstream> {
  const upstream = await startUpstream((req, res) => {
    upstreamCalls++
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) })
      res.end(body)
    })
  })
  cleanups.push(() => upstream.close())
  return upstream
}

async function proxyWith(target: string, route: Partial<UserRoute> = {}, rest: Partial<UserConfig> = {}, faults: FaultSpec[] = []): Promise<TestProxy> {
  const proxy = await startTestProxy({ routes: [{ name: 'api', path: '/', target, ...route }], ...rest })
  for (const spec of faults) proxy.faults.add(spec, 'api')
  cleanups.push(() => proxy.close(0))
  return proxy
}

const fast = { baseMs: 1, maxMs: 10 }

describe('faults act as a simulated upstream, per attempt', () => {
  it('--first 2 with retry.attempts 3: a 200 on the third attempt, and the log shows both injected failures', async () => {
    const upstream = await okUpstream()
    upstreamCalls = 0
    const proxy = await proxyWith(upstream.url, { retry: { attempts: 3, on: ['5xx'], ...fast } }, {}, [{ kind: '5xx', first: 2, seed: 1 }])
    const response = await request(`${proxy.url}/x`)
    expect(response.status).toBe(200)
    expect(response.body.toString()).toBe('ok')
    expect(upstreamCalls).toBe(1)
    const tx = await proxy.nextTransaction()
    expect(tx.attempts.map((a) => a.status)).toEqual([expect.any(Number), expect.any(Number), 200])
    expect(tx.faults).toHaveLength(2)
    const line = formatTransactionLine(tx, plainPalette)
    expect(line).toMatch(/\[fault 5xx 50[0-4]\] \[fault 5xx 50[0-4]\] \[retry 2\/3 after \d+ms: 50[0-4]\] \[retry 3\/3 after \d+ms: 50[0-4]\]$/)
  })

  it('a 5xx that is not retried reaches the client with x-devproxy-fault', async () => {
    const upstream = await okUpstream()
    const proxy = await proxyWith(upstream.url, {}, {}, [{ kind: 'status', statuses: [503], retryAfterS: 3 }])
    const response = await request(`${proxy.url}/x`)
    expect(response.status).toBe(503)
    expect(response.headers['x-devproxy-fault']).toBe('status')
    expect(response.headers['retry-after']).toBe('3')
    expect(response.json().error).toMatchObject({ type: 'injected_fault' })
  })

  it('--timeout: the real response timeout fires → 504 after timeoutMs', async () => {
    const upstream = await okUpstream()
    upstreamCalls = 0
    const proxy = await proxyWith(upstream.url, { timeoutMs: 200 }, {}, [{ kind: 'timeout' }])
    const started = performance.now()
    const response = await request(`${proxy.url}/x`)
    expect(performance.now() - started).toBeGreaterThanOrEqual(190)
    expect(response.status).toBe(504)
    expect(response.headers['x-devproxy-fault']).toBe('timeout')
    expect(response.json().error).toMatchObject({ type: 'upstream_timeout', message: expect.stringContaining('timeoutMs (200 ms)') })
    expect(upstreamCalls).toBe(0)
  })

  it('--reset on POST: 502 without a retry (it may have reached the upstream)', async () => {
    const upstream = await okUpstream()
    const proxy = await proxyWith(upstream.url, { retry: { attempts: 3, ...fast } }, {}, [{ kind: 'reset' }])
    const response = await request(`${proxy.url}/orders`, { method: 'POST', body: '{}' })
    expect(response.status).toBe(502)
    expect(response.headers['x-devproxy-fault']).toBe('reset')
    expect(response.json().error).toMatchObject({ type: 'upstream_reset', attempts: 1, retry: expect.stringContaining('POST is not retried') })
    const tx = await proxy.nextTransaction()
    expect(formatTransactionLine(tx, plainPalette)).toContain('[fault reset]')
  })

  it('--reset on GET with retries: retried like a real reset', async () => {
    const upstream = await okUpstream()
    const proxy = await proxyWith(upstream.url, { retry: { attempts: 2, on: ['reset'], ...fast } }, {}, [{ kind: 'reset', first: 1 }])
    const response = await request(`${proxy.url}/x`)
    expect(response.status).toBe(200)
    expect((await proxy.nextTransaction()).attempts.map((a) => a.outcome)).toEqual(['reset', 'response'])
  })

  it('--latency delays the real response; over timeoutMs it becomes a 504', async () => {
    const upstream = await okUpstream()
    const slow = await proxyWith(upstream.url, { timeoutMs: 5_000 }, {}, [{ kind: 'latency', latencyMs: [150, 150] }])
    const started = performance.now()
    const response = await request(`${slow.url}/x`)
    expect(performance.now() - started).toBeGreaterThanOrEqual(145)
    expect(response.status).toBe(200)
    expect(response.headers['x-devproxy-fault']).toBe('latency')

    const tooSlow = await proxyWith(upstream.url, { timeoutMs: 100 }, {}, [{ kind: 'latency', latencyMs: [400, 400] }])
    expect((await request(`${tooSlow.url}/x`)).status).toBe(504)
  })

  it('--truncate: the client sees an aborted body, never a clean end', async () => {
    const upstream = await okUpstream('x'.repeat(10_000))
    const proxy = await proxyWith(upstream.url, {}, {}, [{ kind: 'truncate' }])
    const res = await new Promise<IncomingMessage>((resolve) => http.get(`${proxy.url}/x`, { agent: false }, resolve))
    let received = 0
    res.on('data', (chunk: Buffer) => (received += chunk.length))
    res.on('error', () => {})
    await within(3_000, new Promise((resolve) => res.once('close', resolve)), 'the cut')
    expect(res.statusCode).toBe(200)
    expect(res.complete).toBe(false)
    expect(received).toBeLessThan(10_000)
    expect((await proxy.nextTransaction()).ending).toBe('upstream-aborted')
  })

  it('--throttle slows the body to the given speed', async () => {
    const upstream = await okUpstream('y'.repeat(20 * 1024))
    const proxy = await proxyWith(upstream.url, {}, {}, [{ kind: 'throttle', kbps: 40 }])
    const started = performance.now()
    const response = await request(`${proxy.url}/x`)
    const elapsed = performance.now() - started
    expect(response.body.length).toBe(20 * 1024)
    // 20 KiB at 40 KiB/s: about half a second.
    expect(elapsed).toBeGreaterThanOrEqual(400)
    expect(elapsed).toBeLessThan(2_000)
  })

  it('selectors: a fault on one route leaves the others alone', async () => {
    const upstream = await okUpstream()
    const proxy = await startTestProxy({
      routes: [
        { name: 'api', path: '/api', target: upstream.url },
        { name: 'web', path: '/', target: upstream.url },
      ],
    })
    cleanups.push(() => proxy.close(0))
    proxy.faults.add({ kind: 'status', statuses: [500], route: 'api' }, 'api')
    expect((await request(`${proxy.url}/api/x`)).status).toBe(500)
    expect((await request(`${proxy.url}/page`)).status).toBe(200)
  })
})

/**
 * Several faults on one attempt: only those that acted are reported (fault-plan.ts FiredFault):
 * the stand-in that answered, the delays that held it, the body faults a body went through.
 */
describe('which of several faults acted', () => {
  const list = (proxy: TestProxy) => proxy.faults.list().map((f) => [f.kind, f.injected])

  it('a truncate drawn with a 5xx cuts the injected body: both acted', async () => {
    const upstream = await okUpstream()
    const proxy = await proxyWith(upstream.url, {}, {}, [{ kind: 'status', statuses: [503] }, { kind: 'truncate' }])
    const res = await new Promise<IncomingMessage>((resolve) => http.get(`${proxy.url}/x`, { agent: false }, resolve))
    res.resume()
    res.on('error', () => {})
    await within(3_000, new Promise((resolve) => res.once('close', resolve)), 'the cut')
    expect(res.statusCode).toBe(503)
    expect(res.headers['x-devproxy-fault']).toBe('status, truncate')
    expect((await proxy.nextTransaction()).faults).toEqual(['503', 'truncate'])
    expect(list(proxy)).toEqual([['status', 1], ['truncate', 1]])
  })

  it('a truncate on a request devproxy answers with its own error (the upstream refused) had no body to cut', async () => {
    const gone = await okUpstream()
    const refused = gone.url
    await gone.close()
    const proxy = await proxyWith(refused, {}, {}, [{ kind: 'truncate' }, { kind: 'throttle', kbps: 1 }])
    const response = await request(`${proxy.url}/x`)
    expect(response.status).toBe(502)
    expect(response.headers['x-devproxy-fault']).toBeUndefined()
    expect((await proxy.nextTransaction()).faults).toEqual([])
    expect(list(proxy)).toEqual([['truncate', 0], ['throttle', 0]])
  })

  it('a client that leaves during a latency: the latency acted, the 5xx it held never answered', async () => {
    const upstream = await okUpstream()
    const proxy = await proxyWith(upstream.url, {}, {}, [{ kind: 'latency', latencyMs: [5_000, 5_000] }, { kind: '5xx' }])
    const req = http.get(`${proxy.url}/x`, { agent: false })
    req.on('error', () => {})
    req.once('socket', (socket) => socket.once('connect', () => setImmediate(() => req.destroy())))
    const tx = await within(3_000, proxy.nextTransaction(), 'the abandoned transaction')
    expect(tx.ending).toBe('client-aborted')
    expect(tx.faults).toEqual(['latency 5000ms'])
    expect(list(proxy)).toEqual([['latency', 1], ['5xx', 0]])
  })

  it('retried attempts: each attempt reports its own; a response drained for a retry was not shaped by the body fault', async () => {
    const upstream = await okUpstream()
    const proxy = await proxyWith(upstream.url, { retry: { attempts: 2, on: ['5xx'], ...fast } }, {}, [{ kind: '5xx', first: 1 }, { kind: 'status', statuses: [429], first: 1 }, { kind: 'throttle', kbps: 1024 }])
    const response = await request(`${proxy.url}/x`)
    expect(response.status).toBe(200)
    expect(response.headers['x-devproxy-fault']).toBe('throttle')
    expect((await proxy.nextTransaction()).faults).toEqual([expect.stringMatching(/^5xx 50[0-4]$/), 'throttle 1024KB/s'])
    expect(list(proxy)).toEqual([['5xx', 1], ['status', 0], ['throttle', 1]])
  })
})

describe('--at client: once, before the retry loop', () => {
  it('a 503 at the client is not retried by the proxy', async () => {
    const upstream = await okUpstream()
    upstreamCalls = 0
    const proxy = await proxyWith(upstream.url, { retry: { attempts: 3, on: ['5xx'], ...fast } }, {}, [{ kind: 'status', statuses: [503], at: 'client' }])
    const response = await request(`${proxy.url}/x`)
    expect(response.status).toBe(503)
    expect(upstreamCalls).toBe(0)
    expect((await proxy.nextTransaction()).attempts).toHaveLength(0)
  })

  it('a reset at the client cuts the client connection', async () => {
    const upstream = await okUpstream()
    const proxy = await proxyWith(upstream.url, {}, {}, [{ kind: 'reset', at: 'client' }])
    await expect(request(`${proxy.url}/x`)).rejects.toThrow(/ECONNRESET|socket hang up/)
  })
})

describe('opt-in x-devproxy-fault request header', () => {
  it('is ignored, and forwarded, unless faults.allowHeader is on', async () => {
    const upstream = await okUpstream()
    const proxy = await proxyWith(upstream.url)
    expect((await request(`${proxy.url}/x`, { headers: { 'x-devproxy-fault': '503' } })).status).toBe(200)
  })

  it.each([
    { header: '503', status: 503 },
    { header: 'reset', status: 502 },
    { header: 'timeout', status: 504 },
    { header: 'latency=50', status: 200 },
    { header: 'chaos', status: 400 },
  ])('$header → $status', async ({ header, status }) => {
    let forwardedFaultHeader: string | undefined
    const upstream = await startUpstream((req, res) => {
      forwardedFaultHeader = req.headers['x-devproxy-fault'] as string | undefined
      res.end('ok')
    })
    cleanups.push(() => upstream.close())
    const proxy = await proxyWith(upstream.url, { timeoutMs: 150 }, { faults: { allowHeader: true } })
    const response = await request(`${proxy.url}/x`, { headers: { 'x-devproxy-fault': header } })
    expect(response.status).toBe(status)
    expect(forwardedFaultHeader).toBeUndefined()
    if (status === 400) expect(response.json().error.type).toBe('invalid_fault_header')
  })
})

describe('faults from the config', () => {
  it('are installed at start, in string or object form', async () => {
    const upstream = await okUpstream()
    const proxy = await proxyWith(upstream.url, {}, { faults: ['status 418 --path /tea/**', { kind: 'status', statuses: [500], path: '/boom' }] })
    expect((await request(`${proxy.url}/tea/pot`)).status).toBe(418)
    expect((await request(`${proxy.url}/boom`)).status).toBe(500)
    expect((await request(`${proxy.url}/fine`)).status).toBe(200)
    expect(proxy.faults.list().map((f) => f.source)).toEqual(['config', 'config'])
  })
})

describe('statistics on real traffic', () => {
  it('a seeded 30% 5xx over 2,000 requests lands within ±3 points', async () => {
    const upstream = await okUpstream()
    const proxy = await proxyWith(upstream.url, {}, {}, [{ kind: '5xx', rate: 0.3, seed: 2024 }])
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })
    let faulted = 0
    let other = 0
    const worker = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const response = await request(`${proxy.url}/x`, { agent })
        if (response.headers['x-devproxy-fault'] === '5xx') faulted++
        else if (response.status === 200) continue
        else other++
      }
    }
    await Promise.all(Array.from({ length: 16 }, () => worker(125)))
    agent.destroy()
    expect(other).toBe(0)
    expect(faulted / 2_000).toBeGreaterThanOrEqual(0.27)
    expect(faulted / 2_000).toBeLessThanOrEqual(0.33)
    expect(proxy.engine.counters.faults).toBe(faulted)
    expect(proxy.engine.counters.requests).toBe(2_000)
  })
})
