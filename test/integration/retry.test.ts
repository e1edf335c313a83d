/**
 * Retries and phase timeouts (issue 4) against real upstreams that fail the first N times and
 * then answer: refusing, resetting, hanging, 503 with Retry-After. Timing is asserted by
 * bounds, never exact values.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import net, { type AddressInfo, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { UserRetry, UserRoute } from '../../src/config/types.js'
import { formatTransactionLine } from '../../src/log/format-line.js'
import { plainPalette } from '../../src/terminal/palette.js'
import { freePort } from '../helpers/raw-client.js'
import { request, startTestProxy, startUpstream, type TestProxy } from '../helpers/servers.js'
import { within } from '../helpers/wait.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

type FailMode = 'reset' | 'hang' | '503'

interface Flaky {
  readonly url: string
  /** Requests that reached the upstream, failed ones included. */
  readonly seen: Array<{ attempt: string | undefined; body: string }>
}

/**
 * An upstream whose first `failures` requests fail the given way, after the whole request has
 * arrived; later ones get 200 and an echo of the body.
 */
async function flaky(failures: number, mode: FailMode, retryAfter?: string): Promise<Flaky> {
  const seen: Flaky['seen'] = []
  const held: ServerResponse[] = []
  const app = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString()
      seen.push({ attempt: req.headers['x-devproxy-attempt'] as string | undefined, body })
      if (seen.length > failures) {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.end(`ok ${seen.length}: ${body}`)
      } else if (mode === 'reset') {
        req.socket.resetAndDestroy()
      } else if (mode === 'hang') {
        held.push(res)
      } else {
        res.writeHead(503, retryAfter === undefined ? {} : { 'retry-after': retryAfter })
        res.end('busy')
      }
    })
  })
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve))
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        app.closeAllConnections()
        app.close(() => resolve())
      }),
  )
  return { url: `http://127.0.0.1:${(app.address() as AddressInfo).port}`, seen }
}

async function proxyTo(target: string | string[], retry: UserRetry | undefined, route: Partial<UserRoute> = {}): Promise<TestProxy> {
  const proxy = await startTestProxy({ routes: [{ name: 'api', path: '/', target, ...(retry ? { retry } : {}), ...route }] })
  cleanups.push(() => proxy.close(0))
  return proxy
}

const fast = { baseMs: 1, maxMs: 20 }

describe('idempotent requests are retried until they succeed', () => {
  it.each([
    { mode: 'reset', on: ['reset'] },
    { mode: 'hang', on: ['timeout'] },
    { mode: '503', on: ['5xx'] },
    { mode: '503', on: ['gateway-error'] },
    { mode: '503', on: [503] },
  ] as const)('$mode, retried on $on: the third attempt answers', async ({ mode, on }) => {
    const upstream = await flaky(2, mode)
    const proxy = await proxyTo(upstream.url, { attempts: 3, on: [...on], ...fast }, { timeoutMs: 300 })
    const response = await request(`${proxy.url}/x`)
    expect(response.status).toBe(200)
    expect(response.body.toString()).toBe('ok 3: ')
    // Every attempt told the upstream which one it was.
    expect(upstream.seen.map((s) => s.attempt)).toEqual(['1', '2', '3'])

    const tx = await proxy.nextTransaction()
    expect(tx.attempts.map((a) => a.n)).toEqual([1, 2, 3])
    expect(tx.attempts[2]?.retryOf).toBe(mode === 'hang' ? 'timeout' : mode === 'reset' ? 'reset' : '503')
    expect(formatTransactionLine(tx, plainPalette)).toMatch(/\[retry 2\/3 after \d+ms: \w+\] \[retry 3\/3 after \d+ms: \w+\]$/)
  })

  it('a refused connection moves on to the next target, for POST too (nothing was sent)', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`
    const live = await flaky(0, 'reset')
    const proxy = await proxyTo([dead, live.url], { attempts: 2, on: ['connect-failure'], ...fast })
    const response = await request(`${proxy.url}/orders`, { method: 'POST', body: '{"id":1}', headers: { 'content-type': 'application/json' } })
    expect(response.status).toBe(200)
    expect(response.body.toString()).toBe('ok 1: {"id":1}')
    const tx = await proxy.nextTransaction()
    expect(tx.attempts.map((a) => [a.target, a.outcome])).toEqual([
      [dead, 'connect-failure'],
      [live.url, 'response'],
    ])
  })

  it('a body under the replay cap is sent again, whole, on each attempt', async () => {
    const upstream = await flaky(1, 'reset')
    const proxy = await proxyTo(upstream.url, { attempts: 2, on: ['reset'], ...fast, maxReplayBodyBytes: 1024 })
    const body = 'x'.repeat(1000)
    const response = await request(`${proxy.url}/doc`, { method: 'PUT', body })
    expect(response.status).toBe(200)
    expect(upstream.seen.map((s) => s.body.length)).toEqual([1000, 1000])
  })

  it('a chunked body under the cap is replayed too', async () => {
    const upstream = await flaky(1, 'reset')
    const proxy = await proxyTo(upstream.url, { attempts: 2, on: ['reset'], ...fast })
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = http.request(`${proxy.url}/doc`, { method: 'PUT', agent: false, headers: { 'transfer-encoding': 'chunked' } }, resolve)
      req.on('error', reject)
      req.write('part one, ')
      req.end('part two')
    })
    response.resume()
    expect(response.statusCode).toBe(200)
    expect(upstream.seen.map((s) => s.body)).toEqual(['part one, part two', 'part one, part two'])
  })
})

describe('the safety rules', () => {
  it('POST is not retried after a reset (it may have reached the upstream): 502, and the log says why', async () => {
    const upstream = await flaky(1, 'reset')
    const proxy = await proxyTo(upstream.url, { attempts: 3, on: ['reset'], ...fast })
    const response = await request(`${proxy.url}/orders`, { method: 'POST', body: '{}' })
    expect(response.status).toBe(502)
    expect(response.json().error).toMatchObject({ type: 'upstream_reset', attempts: 1, retry: 'POST is not retried once the request may have reached the upstream' })
    expect(upstream.seen).toHaveLength(1)
    const tx = await proxy.nextTransaction()
    expect(formatTransactionLine(tx, plainPalette)).toContain('[no retry: POST is not retried once the request may have reached the upstream]')
  })

  it('a body over the replay cap streams once and is not retried; the log says why', async () => {
    const upstream = await flaky(1, 'reset')
    const proxy = await proxyTo(upstream.url, { attempts: 3, on: ['reset'], ...fast, maxReplayBodyBytes: 1024 })
    const response = await request(`${proxy.url}/doc`, { method: 'PUT', body: 'y'.repeat(4096) })
    expect(response.status).toBe(502)
    expect(response.json().error).toMatchObject({ attempts: 1, retry: 'request body over the 1024-byte replay cap' })
    expect(upstream.seen.map((s) => s.body.length)).toEqual([4096])
  })

  it('nothing is retried once response headers went to the client: the connection is cut', async () => {
    let requests = 0
    const upstream = await startUpstream((_req, res) => {
      requests++
      res.writeHead(200, { 'content-length': '100' })
      res.write('partial')
      setImmediate(() => res.socket?.resetAndDestroy())
    })
    cleanups.push(() => upstream.close())
    const proxy = await proxyTo(upstream.url, { attempts: 3, on: ['reset', '5xx', 'timeout'], ...fast })
    const outcome = await new Promise<string>((resolve) => {
      http
        .get(`${proxy.url}/x`, { agent: false }, (res) => {
          res.on('data', () => {})
          res.on('end', () => resolve('end'))
          res.on('error', () => resolve('aborted'))
          res.on('aborted', () => resolve('aborted'))
        })
        .on('error', () => resolve('aborted'))
    })
    expect(outcome).toBe('aborted')
    const tx = await proxy.nextTransaction()
    expect(tx.status).toBe(200)
    expect(tx.ending).toBe('upstream-aborted')
    expect(tx.attempts).toHaveLength(1)
    expect(requests).toBe(1)
  })

  it('when every attempt fails, the error body counts them', async () => {
    const upstream = await flaky(10, 'reset')
    const proxy = await proxyTo(upstream.url, { attempts: 3, on: ['reset'], ...fast })
    const response = await request(`${proxy.url}/x`)
    expect(response.status).toBe(502)
    expect(response.json().error).toMatchObject({ type: 'upstream_reset', attempts: 3 })
    expect(upstream.seen).toHaveLength(3)
  })

  it('a 5xx not in `on` is forwarded as is, without a retry', async () => {
    const upstream = await flaky(1, '503')
    const proxy = await proxyTo(upstream.url, { attempts: 3, on: ['reset'], ...fast })
    const response = await request(`${proxy.url}/x`)
    expect(response.status).toBe(503)
    expect(response.body.toString()).toBe('busy')
    expect(upstream.seen).toHaveLength(1)
  })
})

describe('Retry-After on 503', () => {
  it('waits as long as the upstream asks when that is within maxMs', async () => {
    const upstream = await flaky(1, '503', '1')
    const proxy = await proxyTo(upstream.url, { attempts: 2, on: ['5xx'], baseMs: 1, maxMs: 2_000 })
    const started = performance.now()
    const response = await request(`${proxy.url}/x`)
    const elapsed = performance.now() - started
    expect(response.status).toBe(200)
    expect(elapsed).toBeGreaterThanOrEqual(990)
    expect(elapsed).toBeLessThan(1_900)
    const tx = await proxy.nextTransaction()
    expect(tx.attempts[1]?.backoffMs).toBe(1_000)
  })

  it('forwards the 503 when Retry-After is longer than maxMs', async () => {
    const upstream = await flaky(1, '503', '30')
    const proxy = await proxyTo(upstream.url, { attempts: 2, on: ['5xx'], baseMs: 1, maxMs: 500 })
    const response = await request(`${proxy.url}/x`)
    expect(response.status).toBe(503)
    expect(response.headers['retry-after']).toBe('30')
    const tx = await proxy.nextTransaction()
    expect(tx.retryNote).toBe('Retry-After asks for 30000 ms, more than maxMs (500)')
  })
})

describe('timeouts by phase', () => {
  it('timeoutMs: no response headers → 504 that names the phase and the limit', async () => {
    const upstream = await flaky(10, 'hang')
    const proxy = await proxyTo(upstream.url, undefined, { timeoutMs: 150 })
    const started = performance.now()
    const response = await request(`${proxy.url}/x`)
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
    expect(response.status).toBe(504)
    expect(response.json().error.message).toContain('sent no response headers within timeoutMs (150 ms)')
  })

  it('budgetMs caps all attempts together: 504 when it runs out', async () => {
    const upstream = await flaky(10, 'hang')
    const proxy = await proxyTo(upstream.url, { attempts: 5, on: ['timeout'], ...fast, budgetMs: 400 }, { timeoutMs: 150 })
    const started = performance.now()
    const response = await request(`${proxy.url}/x`)
    const elapsed = performance.now() - started
    expect(response.status).toBe(504)
    expect(elapsed).toBeGreaterThanOrEqual(390)
    expect(elapsed).toBeLessThan(1_000)
    const error = response.json().error
    expect(error.attempts).toBeGreaterThanOrEqual(3)
    expect(error.attempts).toBeLessThan(5)
    expect(error.message).toContain('retry budget (budgetMs 400 ms)')
  })

  it('idleMs: a body that stalls after the headers cuts the client connection', async () => {
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('first chunk')
      // …and nothing more.
    })
    cleanups.push(() => upstream.close())
    const proxy = await proxyTo(upstream.url, undefined, { idleMs: 150 })
    const started = performance.now()
    const res = await new Promise<IncomingMessage>((resolve) => http.get(`${proxy.url}/x`, { agent: false }, resolve))
    const chunks: Buffer[] = []
    res.on('data', (chunk: Buffer) => chunks.push(chunk))
    res.on('error', () => {}) // "aborted": the point of the test
    await within(3_000, new Promise((resolve) => res.once('close', resolve)), 'the cut')
    expect(res.complete).toBe(false)
    expect(Buffer.concat(chunks).toString()).toBe('first chunk')
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
    const tx = await proxy.nextTransaction()
    expect(tx.ending).toBe('upstream-aborted')
    expect(tx.error).toEqual({ type: 'upstream_timeout', message: 'the response body stalled for more than idleMs (150 ms)' })
  })

  it('a steady stream is not cut by idleMs', async () => {
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      let sent = 0
      const timer = setInterval(() => {
        res.write(`${sent}\n`)
        if (++sent === 6) {
          clearInterval(timer)
          res.end()
        }
      }, 50)
    })
    cleanups.push(() => upstream.close())
    const proxy = await proxyTo(upstream.url, undefined, { idleMs: 150 })
    const response = await request(`${proxy.url}/x`)
    expect(response.body.toString()).toBe('0\n1\n2\n3\n4\n5\n')
  })
})

describe('a raw upstream that resets before reading anything', () => {
  it('is retried for GET on `reset`', async () => {
    let connections = 0
    const app = http.createServer((_req, res) => res.end('fine'))
    const server = net.createServer((socket: Socket) => {
      socket.on('error', () => {})
      if (++connections === 1) socket.resetAndDestroy()
      else app.emit('connection', socket)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    cleanups.push(() => app.closeAllConnections())
    const proxy = await proxyTo(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { attempts: 2, on: ['reset', 'connect-failure'], ...fast })
    const response = await request(`${proxy.url}/x`)
    expect(response.body.toString()).toBe('fine')
    expect(connections).toBe(2)
  })
})
