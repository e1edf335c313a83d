/**
 * The error table of DESIGN.md §3, row by row, against real servers on port 0: a real proxy,
 * real (or raw TCP, misbehaving) upstreams and real clients. No mocked sockets and no sleeps:
 * every wait is on an event, bounded by `within` so a hang fails fast instead of timing out.
 */
import { once } from 'node:events'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { UserConfig, UserRoute } from '../../src/config/types.js'
import type { Transaction } from '../../src/proxy/transaction/transaction.js'
import { freePort, observe, rawExchange, type Observed } from '../helpers/raw-client.js'
import { deferred, within } from '../helpers/wait.js'
import { request, startRawUpstream, startTestProxy, startUpstream, type SimpleResponse, type TestProxy, type TestUpstream } from '../helpers/servers.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function upstreamWith(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestUpstream> {
  const upstream = await startUpstream(handler)
  cleanups.push(() => upstream.close())
  return upstream
}

async function rawUpstream(onSocket: (socket: Socket) => void): Promise<TestUpstream> {
  const upstream = await startRawUpstream(onSocket)
  cleanups.push(() => upstream.close())
  return upstream
}

async function proxyWith(config: UserConfig): Promise<TestProxy> {
  const proxy = await startTestProxy(config)
  cleanups.push(() => proxy.close(0))
  return proxy
}

function proxyTo(target: string, route: Partial<UserRoute> = {}): Promise<TestProxy> {
  return proxyWith({ routes: [{ name: 'api', path: '/api', target, ...route }] })
}

/** Calls `then(socket)` once the whole request head has arrived on a raw upstream socket. */
function afterRequestHead(socket: Socket, then: (socket: Socket) => void): void {
  let seen = ''
  const onData = (chunk: Buffer) => {
    seen += chunk.toString('latin1')
    if (!seen.includes('\r\n\r\n')) return
    socket.off('data', onData)
    socket.resume()
    then(socket)
  }
  socket.on('data', onData)
}

const ERROR_STATUS = {
  upstream_connect_failed: 502,
  upstream_timeout: 504,
  upstream_reset: 502,
  upstream_malformed: 502,
  payload_too_large: 413,
  no_route: 404,
} as const
type ErrorType = keyof typeof ERROR_STATUS

interface ExpectedError {
  type: ErrorType
  route: string | null
  /** The origin in the body; an array means "any of these". */
  target: string | null | Array<string | null>
  attempts: number
  message?: RegExp
}

/** Status, `x-devproxy-error`, and the JSON body `{"error":{type,message,route,target,attempts,hint}}`. */
function expectErrorResponse(res: SimpleResponse, expected: ExpectedError): Record<string, any> {
  expect(res.status).toBe(ERROR_STATUS[expected.type])
  expect(res.headers['x-devproxy-error']).toBe(expected.type)
  expect(res.headers['content-type']).toMatch(/^application\/json/)
  expect(Number(res.headers['content-length'])).toBe(res.body.length)
  const { error } = res.json<{ error: Record<string, any> }>()
  expect(error.type).toBe(expected.type)
  expect(typeof error.message).toBe('string')
  expect(error.message.length).toBeGreaterThan(0)
  if (expected.message) expect(error.message).toMatch(expected.message)
  expect(error.route).toBe(expected.route)
  if (Array.isArray(expected.target)) expect(expected.target).toContain(error.target)
  else expect(error.target).toBe(expected.target)
  expect(error.attempts).toBe(expected.attempts)
  expect(typeof error.hint).toBe('string')
  expect(error.hint.length).toBeGreaterThan(0)
  return error
}

/** The finished transaction of a proxy's own error answer. */
function expectErrorTransaction(tx: Readonly<Transaction>, type: ErrorType, outcome: string | undefined): void {
  expect(tx.error?.type).toBe(type)
  expect(tx.status).toBe(ERROR_STATUS[type])
  expect(tx.ending).toBe('error')
  if (outcome === undefined) expect(tx.attempts).toEqual([])
  else expect(tx.attempts[0]?.outcome).toBe(outcome)
}

function asSimple(observed: Observed): SimpleResponse {
  if (observed.kind !== 'response') throw new Error(`expected a response, got ${observed.code}: ${observed.message}`)
  return { status: observed.status, headers: observed.headers, body: observed.body, json: () => JSON.parse(observed.body.toString('utf8')) }
}

// ─── 1 ─────────────────────────────────────────────────────────────────────────────────────
describe('connect refused → 502 upstream_connect_failed', () => {
  it('a port with nothing listening', async () => {
    const port = await freePort()
    const target = `http://127.0.0.1:${port}`
    const proxy = await proxyTo(target)

    const res = await within(5_000, request(`${proxy.url}/api/users`), 'the 502')
    expectErrorResponse(res, { type: 'upstream_connect_failed', route: 'api', target, attempts: 1, message: /ECONNREFUSED/ })

    const tx = await within(2_000, proxy.nextTransaction(), 'the transaction')
    expectErrorTransaction(tx, 'upstream_connect_failed', 'connect-failure')
    expect(tx.attempts).toHaveLength(1)
    expect(tx.attempts[0]!.errorCode).toBe('ECONNREFUSED')
    expect(tx.attempts[0]!.target).toBe(target)
  })

  it('a host name that does not resolve (DNS)', async () => {
    const target = 'http://devproxy-test.invalid:3000'
    const proxy = await proxyTo(target)

    const res = await within(15_000, request(`${proxy.url}/api/users`), 'the 502')
    expectErrorResponse(res, { type: 'upstream_connect_failed', route: 'api', target, attempts: 1, message: /ENOTFOUND|EAI_/ })
    const tx = await within(2_000, proxy.nextTransaction(), 'the transaction')
    expectErrorTransaction(tx, 'upstream_connect_failed', 'connect-failure')
  })

  it('an upstream that was running and has been closed', async () => {
    const upstream = await startUpstream((_req, res) => res.end('up'))
    const proxy = await proxyTo(upstream.url)
    expect((await request(`${proxy.url}/api`)).status).toBe(200)
    await proxy.nextTransaction()
    await upstream.close()

    const res = await within(5_000, request(`${proxy.url}/api`), 'the 502')
    // A pooled connection the upstream closed is not a connection refused; only a fresh
    // connect is. Either way the client gets a 502 with the proxy's error body.
    expectErrorResponse(res, { type: 'upstream_connect_failed', route: 'api', target: upstream.url, attempts: 1 })
    const tx = await within(2_000, proxy.nextTransaction(), 'the transaction')
    expectErrorTransaction(tx, 'upstream_connect_failed', 'connect-failure')
  })
})

// ─── 2 ─────────────────────────────────────────────────────────────────────────────────────
describe('no response headers within timeoutMs → 504 upstream_timeout', () => {
  it('answers 504 after the route timeout and closes the upstream connection', async () => {
    const accepted = deferred<Socket>()
    const upstream = await rawUpstream((socket) => {
      socket.resume() // read the request, never answer
      accepted.resolve(socket)
    })
    const proxy = await proxyTo(upstream.url, { timeoutMs: 300 })

    const started = performance.now()
    const res = await within(5_000, request(`${proxy.url}/api/slow`), 'the 504')
    const elapsed = performance.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(250)
    expect(elapsed).toBeLessThan(5_000)
    expectErrorResponse(res, { type: 'upstream_timeout', route: 'api', target: upstream.url, attempts: 1, message: /300 ms/ })

    const tx = await within(2_000, proxy.nextTransaction(), 'the transaction')
    expectErrorTransaction(tx, 'upstream_timeout', 'timeout')
    expect(tx.attempts[0]!.durationMs).toBeGreaterThanOrEqual(250)

    // The proxy gave up on the attempt: the upstream connection must not linger.
    const socket = await within(1_000, accepted.promise, 'the upstream connection')
    if (!socket.destroyed) await within(2_000, once(socket, 'close'), "the upstream socket's close")
    expect(upstream.openSockets()).toBe(0)
  })
})

// ─── 3 ─────────────────────────────────────────────────────────────────────────────────────
describe('closed or reset before complete headers → 502 upstream_reset', () => {
  const variants: Array<[string, (socket: Socket) => void]> = [
    ['reads the request, then closes', (socket) => socket.destroy()],
    ['reads the request, then resets (RST)', (socket) => socket.resetAndDestroy()],
    ['writes half a status line, then resets (RST)', (socket) => socket.write('HTTP/1.1 2', () => socket.resetAndDestroy())],
    ['writes a status line and part of the headers, then closes', (socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n')],
  ]
  it.each(variants)('the upstream %s', async (_name, misbehave) => {
    const upstream = await rawUpstream((socket) => afterRequestHead(socket, misbehave))
    const proxy = await proxyTo(upstream.url)

    const res = await within(5_000, request(`${proxy.url}/api/x`), 'the 502')
    expectErrorResponse(res, { type: 'upstream_reset', route: 'api', target: upstream.url, attempts: 1 })

    const tx = await within(2_000, proxy.nextTransaction(), 'the transaction')
    expectErrorTransaction(tx, 'upstream_reset', 'reset')
  })
})

// ─── 4 ─────────────────────────────────────────────────────────────────────────────────────
describe('malformed response → 502 upstream_malformed', () => {
  const variants: Array<[string, string]> = [
    ['garbage instead of a status line', 'garbage\r\n\r\n'],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nthis is not a header\r\n\r\n'],
  ]
  it.each(variants)('%s', async (_name, reply) => {
    const upstream = await rawUpstream((socket) => afterRequestHead(socket, (s) => s.write(reply)))
    const proxy = await proxyTo(upstream.url)

    const res = await within(5_000, request(`${proxy.url}/api/x`), 'the 502')
    expectErrorResponse(res, { type: 'upstream_malformed', route: 'api', target: upstream.url, attempts: 1, message: /HPE_/ })

    const tx = await within(2_000, proxy.nextTransaction(), 'the transaction')
    expectErrorTransaction(tx, 'upstream_malformed', 'malformed')
    expect(tx.attempts[0]!.errorCode).toMatch(/^HPE_/)
  })
})

// ─── 5 ─────────────────────────────────────────────────────────────────────────────────────
describe('reset after headers were sent → the client connection is aborted', () => {
  const variants: Array<[string, string, 'close' | 'reset']> = [
    ['content-length, then closed', 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100000\r\n\r\n' + 'x'.repeat(1000), 'close'],
    ['content-length, then reset (RST)', 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100000\r\n\r\n' + 'x'.repeat(1000), 'reset'],
    ['chunked, then closed', 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n3e8\r\n' + 'x'.repeat(1000) + '\r\n', 'close'],
    ['chunked, then reset (RST)', 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n3e8\r\n' + 'x'.repeat(1000) + '\r\n', 'reset'],
  ]
  it.each(variants)('%s', async (_name, head, how) => {
    const upstreamSocket = deferred<Socket>()
    const upstream = await rawUpstream((socket) =>
      afterRequestHead(socket, (s) => {
        s.write(head)
        upstreamSocket.resolve(s)
      }),
    )
    const proxy = await proxyTo(upstream.url)

    // The upstream fails only once the client holds the response headers: the 200 is out.
    const gotHeaders = deferred()
    const observed = observe(`${proxy.url}/api/download`, { onResponse: () => gotHeaders.resolve() })
    await within(5_000, gotHeaders.promise, 'the response headers at the client')
    const socket = await upstreamSocket.promise
    if (how === 'reset') socket.resetAndDestroy()
    else socket.destroy()

    const result = await within(5_000, observed, 'the client seeing the response end')
    expect(result.kind).toBe('response')
    if (result.kind !== 'response') return
    expect(result.status).toBe(200)
    expect(result.headers['x-devproxy-error']).toBeUndefined()
    // Never a silently truncated 200: the client must see the message cut short.
    expect(result.complete).toBe(false)
    expect(result.aborted).toBe(true)
    expect(result.body.length).toBeLessThan(100_000)

    const tx = await within(2_000, proxy.nextTransaction(), 'the transaction')
    expect(tx.ending).toBe('upstream-aborted')
    expect(tx.status).toBe(200)
    expect(tx.error).toBeUndefined()
    expect(tx.attempts[0]!.outcome).toBe('response')
    expect(tx.attempts[0]!.status).toBe(200)
  })

  it('a malformed body after valid headers (bad chunk size) cuts the client too', async () => {
    const upstreamSocket = deferred<Socket>()
    const upstream = await rawUpstream((socket) =>
      afterRequestHead(socket, (s) => {
        s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n')
        upstreamSocket.resolve(s)
      }),
    )
    const proxy = await proxyTo(upstream.url)
    const gotHeaders = deferred()
    const observed = observe(`${proxy.url}/api/download`, { onResponse: () => gotHeaders.resolve() })
    await within(5_000, gotHeaders.promise, 'the response headers at the client')
    ;(await upstreamSocket.promise).write('zz-not-a-chunk-size\r\n')

    const result = await within(5_000, observed, 'the client seeing the response end')
    expect(result.kind).toBe('response')
    if (result.kind !== 'response') return
    expect(result.status).toBe(200)
    expect(result.complete).toBe(false)
    expect(result.aborted).toBe(true)
    const tx = await within(2_000, proxy.nextTransaction(), 'the transaction')
    expect(tx.ending).toBe('upstream-aborted')
    expect(tx.attempts[0]!.outcome).toBe('response')
  })

  it('the whole exchange in one go (head, some body, close) never reaches the client as a complete 200', async () => {
    const upstream = await rawUpstream((socket) =>
      afterRequestHead(socket, (s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n' + 'x'.repeat(5000))),
    )
    const proxy = await proxyTo(upstream.url)
    const result = await within(5_000, observe(`${proxy.url}/api/download`), 'the client seeing the response end')
    // Cut before or after the headers reached the client: either way, never a complete 200.
    if (result.kind === 'response') {
      expect(result.complete).toBe(false)
      expect(result.body.length).toBeLessThan(100_000)
    } else {
      expect(result.code).toMatch(/ECONNRESET|EPIPE/)
    }
    const tx = await within(2_000, proxy.nextTransaction(), 'the transaction')
    expect(tx.ending).toBe('upstream-aborted')
    expect(tx.attempts[0]!.outcome).toBe('response')
  })
})

// ─── 6 ─────────────────────────────────────────────────────────────────────────────────────
describe('5xx from the upstream → forwarded as-is', () => {
  it.each([500, 502, 503, 504])('%i', async (status) => {
    const body = JSON.stringify({ upstream: 'says no', status })
    const upstream = await upstreamWith((_req, res) => {
      res.writeHead(status, 'Upstream Trouble', {
        'content-type': 'application/problem+json',
        'content-length': Buffer.byteLength(body),
        'retry-after': '7',
        'x-upstream': 'yes',
      })
      res.end(body)
    })
    const proxy = await proxyTo(upstream.url)

    const res = await within(5_000, request(`${proxy.url}/api/x`), 'the response')
    expect(res.status).toBe(status)
    expect(res.body.toString('utf8')).toBe(body)
    expect(res.headers['content-type']).toBe('application/problem+json')
    expect(res.headers['retry-after']).toBe('7')
    expect(res.headers['x-upstream']).toBe('yes')
    expect(res.headers['x-devproxy-error']).toBeUndefined()

    const tx = await within(2_000, proxy.nextTransaction(), 'the transaction')
    expect(tx.error).toBeUndefined()
    expect(tx.ending).toBe('completed')
    expect(tx.status).toBe(status)
    expect(tx.attempts).toHaveLength(1)
    expect(tx.attempts[0]!.outcome).toBe('response')
    expect(tx.attempts[0]!.status).toBe(status)
  })
})

// ─── 7 ─────────────────────────────────────────────────────────────────────────────────────
describe('request body over maxRequestBodyBytes → 413 payload_too_large', () => {
  it('a declared content-length over the cap: 413, the upstream is never called', async () => {
    let calls = 0
    const upstream = await upstreamWith((req, res) => {
      calls++
      req.resume()
      req.on('end', () => res.end('ok'))
    })
    const proxy = await proxyTo(upstream.url, { maxRequestBodyBytes: 16 })

    const res = await within(5_000, request(`${proxy.url}/api/upload`, { method: 'POST', body: 'x'.repeat(1000) }), 'the 413')
    expectErrorResponse(res, {
      type: 'payload_too_large',
      route: 'api',
      // No target was picked: the request never left the proxy.
      target: [null, upstream.url],
      attempts: 0,
      message: /16 bytes/,
    })
    expect(res.headers.connection).toBe('close')

    const tx = await within(2_000, proxy.nextTransaction(), 'the transaction')
    expectErrorTransaction(tx, 'payload_too_large', undefined)
    expect(calls).toBe(0)
    expect(upstream.connections()).toBe(0)

    // At the cap exactly is fine.
    const ok = await within(5_000, request(`${proxy.url}/api/upload`, { method: 'POST', body: 'x'.repeat(16) }), 'the 200')
    expect(ok.status).toBe(200)
    expect(calls).toBe(1)
  })

  it('a chunked body (no content-length) over the cap: 413, and the client gets the response', async () => {
    let calls = 0
    const upstream = await upstreamWith((req, res) => {
      calls++
      req.resume()
      req.on('end', () => res.end('ok'))
    })
    const proxy = await proxyTo(upstream.url, { maxRequestBodyBytes: 1024 })

    const response = deferred<IncomingMessage>()
    const req = http.request({ host: '127.0.0.1', port: proxy.port, path: '/api/upload', method: 'POST', agent: false, headers: { 'transfer-encoding': 'chunked' } }, response.resolve)
    req.on('error', () => {}) // the proxy may close while the client is still sending
    req.write('x'.repeat(2048))
    const res = await within(5_000, response.promise, 'the 413 at the client')
    const chunks: Buffer[] = []
    res.on('data', (chunk: Buffer) => chunks.push(chunk))
    await within(5_000, once(res, 'end'), 'the end of the 413 body')
    req.destroy()

    const body = Buffer.concat(chunks)
    expectErrorResponse(
      { status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) },
      { type: 'payload_too_large', route: 'api', target: upstream.url, attempts: 1, message: /1024 bytes/ },
    )
    const tx = await within(2_000, proxy.nextTransaction(), 'the transaction')
    expectErrorTransaction(tx, 'payload_too_large', 'aborted')
    // The first chunk alone was over the cap: nothing reached the upstream handler.
    expect(calls).toBe(0)
  })

  it('a long chunked upload that crosses the cap mid-stream: the client gets the 413 while still sending', async () => {
    const upstream = await upstreamWith((req, res) => {
      req.resume()
      req.on('end', () => res.end('ok'))
    })
    const proxy = await proxyTo(upstream.url, { maxRequestBodyBytes: 64 * 1024 })

    const response = deferred<IncomingMessage>()
    const req = http.request({ host: '127.0.0.1', port: proxy.port, path: '/api/upload', method: 'POST', agent: false, headers: { 'transfer-encoding': 'chunked' } }, response.resolve)
    const failed = deferred<NodeJS.ErrnoException>()
    req.on('error', failed.resolve)
    // Keep sending (with backpressure) until the response arrives: a client uploading a
    // large file does not stop to listen.
    const chunk = Buffer.alloc(16 * 1024, 'x')
    let sent = 0
    let stop = false
    const pump = () => {
      while (!stop && sent < 64 * 1024 * 1024) {
        sent += chunk.length
        if (!req.write(chunk)) return void req.once('drain', pump)
      }
    }
    pump()
    const outcome = await within(5_000, Promise.race([response.promise, failed.promise.then((e) => e)]), 'a response or an error at the client')
    stop = true
    expect(outcome, `the client got ${(outcome as NodeJS.ErrnoException).code ?? ''} instead of the 413`).toBeInstanceOf(http.IncomingMessage)
    const res = outcome as IncomingMessage
    const chunks: Buffer[] = []
    res.on('data', (c: Buffer) => chunks.push(c))
    await within(5_000, once(res, 'end'), 'the end of the 413 body')
    req.destroy()
    const body = Buffer.concat(chunks)
    expectErrorResponse(
      { status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) },
      { type: 'payload_too_large', route: 'api', target: upstream.url, attempts: 1 },
    )
    const tx = await within(2_000, proxy.nextTransaction(), 'the transaction')
    expectErrorTransaction(tx, 'payload_too_large', 'aborted')
  })
})

// ─── 8 ─────────────────────────────────────────────────────────────────────────────────────
describe('no route → 404 no_route listing the routes', () => {
  it('lists every route with name, path and target', async () => {
    const proxy = await proxyWith({
      routes: [
        { name: 'api', path: '/api', target: 'http://127.0.0.1:3001' },
        { path: '/static', target: 'http://127.0.0.1:3002' },
      ],
    })
    const res = await within(5_000, request(`${proxy.url}/elsewhere?q=1`), 'the 404')
    const error = expectErrorResponse(res, { type: 'no_route', route: null, target: null, attempts: 0, message: /GET \/elsewhere/ })
    expect(error.routes).toEqual([
      { name: 'api', path: '/api', target: 'http://127.0.0.1:3001' },
      { name: 'static', path: '/static', target: 'http://127.0.0.1:3002' },
    ])
    const tx = await within(2_000, proxy.nextTransaction(), 'the transaction')
    expectErrorTransaction(tx, 'no_route', undefined)
  })

  it('a request target that is not a path (OPTIONS *)', async () => {
    const proxy = await proxyWith({ routes: [{ name: 'api', path: '/api', target: 'http://127.0.0.1:3001' }] })
    const raw = await within(5_000, rawExchange(proxy.port, 'OPTIONS * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'), 'the 404')
    const text = raw.toString('utf8')
    expect(text).toMatch(/^HTTP\/1\.1 404 /)
    expect(text).toMatch(/\r\nx-devproxy-error: no_route\r\n/i)
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))
    expect(body.error.routes).toEqual([{ name: 'api', path: '/api', target: 'http://127.0.0.1:3001' }])
    const tx = await within(2_000, proxy.nextTransaction(), 'the transaction')
    expectErrorTransaction(tx, 'no_route', undefined)
  })
})

// ─── 9 ─────────────────────────────────────────────────────────────────────────────────────
describe('HEAD on an error → status and headers, no body', () => {
  const cases: Array<[string, () => Promise<{ proxy: TestProxy; path: string }>, ErrorType]> = [
    ['no route', async () => ({ proxy: await proxyTo('http://127.0.0.1:3001'), path: '/nowhere' }), 'no_route'],
    ['connect refused', async () => ({ proxy: await proxyTo(`http://127.0.0.1:${await freePort()}`), path: '/api/x' }), 'upstream_connect_failed'],
    [
      'malformed upstream',
      async () => {
        const upstream = await rawUpstream((socket) => afterRequestHead(socket, (s) => s.write('garbage\r\n\r\n')))
        return { proxy: await proxyTo(upstream.url), path: '/api/x' }
      },
      'upstream_malformed',
    ],
  ]
  it.each(cases)('%s', async (_name, setup, type) => {
    const { proxy, path } = await setup()

    const res = await within(5_000, request(`${proxy.url}${path}`, { method: 'HEAD' }), 'the HEAD response')
    expect(res.status).toBe(ERROR_STATUS[type])
    expect(res.headers['x-devproxy-error']).toBe(type)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.body.length).toBe(0)
    const tx = await within(2_000, proxy.nextTransaction(), 'the transaction')
    expect(tx.method).toBe('HEAD')
    expect(tx.error?.type).toBe(type)
    expect(tx.ending).toBe('error')

    // On the wire: no body bytes after the HEAD response's headers. A pipelined GET on the
    // same connection must come back as the very next bytes, correctly framed.
    const raw = await within(
      5_000,
      rawExchange(proxy.port, `HEAD ${path} HTTP/1.1\r\nHost: localhost\r\n\r\nGET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`),
      'both pipelined responses',
    )
    const text = raw.toString('utf8')
    const headEnd = text.indexOf('\r\n\r\n')
    expect(text.slice(0, headEnd)).toMatch(new RegExp(`^HTTP/1\\.1 ${ERROR_STATUS[type]} `))
    const second = text.slice(headEnd + 4)
    expect(second).toMatch(new RegExp(`^HTTP/1\\.1 ${ERROR_STATUS[type]} `))
    const secondBody = second.slice(second.indexOf('\r\n\r\n') + 4)
    expect(JSON.parse(secondBody).error.type).toBe(type)
  })
})

describe('HEAD on an error: the transaction', () => {
  it('counts no response body bytes, since none were sent', async () => {
    const proxy = await proxyTo(`http://127.0.0.1:${await freePort()}`)
    const res = await within(5_000, request(`${proxy.url}/api/x`, { method: 'HEAD' }), 'the HEAD response')
    expect(res.status).toBe(502)
    expect(res.body.length).toBe(0)
    const tx = await within(2_000, proxy.nextTransaction(), 'the transaction')
    expect(tx.error?.type).toBe('upstream_connect_failed')
    // The log line shows tx.responseBytes: a HEAD answered with the proxy's own error sends
    // headers only, like a forwarded HEAD (whose responseBytes is 0).
    expect(tx.responseBytes).toBe(0)
  })
})

// ─── 10 ────────────────────────────────────────────────────────────────────────────────────
describe('the process never crashes and no client is left hanging', () => {
  it('50 concurrent requests at a mix of failing upstreams all settle as expected', async () => {
    const hung = new Set<Socket>()
    const hang = await rawUpstream((socket) => {
      hung.add(socket)
      socket.resume()
    })
    const reset = await rawUpstream((socket) => afterRequestHead(socket, (s) => s.destroy()))
    const rst = await rawUpstream((socket) => afterRequestHead(socket, (s) => s.write('HTTP/1.1 2', () => s.resetAndDestroy())))
    const malformed = await rawUpstream((socket) => afterRequestHead(socket, (s) => s.write('garbage\r\n\r\n')))
    const midBody = await rawUpstream((socket) =>
      afterRequestHead(socket, (s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n' + 'x'.repeat(2000))),
    )
    let bigCalls = 0
    const fiveHundred = await upstreamWith((req, res) => {
      if (req.url?.startsWith('/big')) bigCalls++
      req.resume()
      res.writeHead(503, { 'content-type': 'text/plain', 'content-length': '4' })
      res.end('busy')
    })
    const healthy = await upstreamWith((_req, res) => res.end('fine'))
    const refused = `http://127.0.0.1:${await freePort()}`

    const proxy = await proxyWith({
      routes: [
        { path: '/refused', target: refused },
        { path: '/timeout', target: hang.url, timeoutMs: 300 },
        { path: '/reset', target: reset.url },
        { path: '/rst', target: rst.url },
        { path: '/malformed', target: malformed.url },
        { path: '/midbody', target: midBody.url },
        { path: '/fivehundred', target: fiveHundred.url },
        { path: '/big', target: fiveHundred.url, maxRequestBodyBytes: 10 },
        { path: '/healthy', target: healthy.url },
      ],
    })

    type Expect = { path: string; method?: string; body?: string; status?: number; error?: ErrorType; abort?: boolean }
    const kinds: Expect[] = [
      { path: '/refused/a', status: 502, error: 'upstream_connect_failed' },
      { path: '/timeout/a', status: 504, error: 'upstream_timeout' },
      { path: '/reset/a', status: 502, error: 'upstream_reset' },
      { path: '/rst/a', status: 502, error: 'upstream_reset' },
      { path: '/malformed/a', status: 502, error: 'upstream_malformed' },
      { path: '/midbody/a', abort: true },
      { path: '/fivehundred/a', status: 503 },
      { path: '/big/a', method: 'POST', body: 'y'.repeat(100), status: 413, error: 'payload_too_large' },
      { path: '/nowhere', status: 404, error: 'no_route' },
      { path: '/healthy/a', status: 200 },
    ]
    const plan = Array.from({ length: 50 }, (_, i) => kinds[i % kinds.length]!)
    const results = await within(
      10_000,
      Promise.all(plan.map((k) => observe(`${proxy.url}${k.path}`, { method: k.method ?? 'GET', body: k.body }))),
      'all 50 requests settling',
    )

    results.forEach((result, i) => {
      const k = plan[i]!
      const where = `request ${i} (${k.path})`
      if (k.abort) {
        if (result.kind === 'response') {
          expect(result.complete, where).toBe(false)
          expect(result.body.length, where).toBeLessThan(100_000)
        } else {
          expect(result.code, where).toMatch(/ECONNRESET|EPIPE/)
        }
        return
      }
      expect(result.kind, `${where}: ${result.kind === 'error' ? result.message : ''}`).toBe('response')
      if (result.kind !== 'response') return
      expect(result.status, where).toBe(k.status)
      expect(result.complete, where).toBe(true)
      expect(result.headers['x-devproxy-error'], where).toBe(k.error)
    })

    const txs: Array<Readonly<Transaction>> = []
    for (let i = 0; i < 50; i++) txs.push(await within(2_000, proxy.nextTransaction(), `transaction ${i + 1} of 50`))
    expect(txs.filter((tx) => tx.ending === 'upstream-aborted')).toHaveLength(5)
    expect(txs.filter((tx) => tx.ending === 'error')).toHaveLength(35)
    expect(txs.filter((tx) => tx.ending === 'completed')).toHaveLength(10)
    expect(proxy.inFlight()).toBe(0)
    expect(bigCalls).toBe(0)

    // Every hung upstream connection was closed by the proxy's timeout.
    await within(
      2_000,
      Promise.all([...hung].map((s) => (s.destroyed ? undefined : once(s, 'close')))),
      'the hung upstream connections closing',
    )

    // And the proxy still serves.
    const after = await within(5_000, request(`${proxy.url}/healthy/again`), 'a request after the storm')
    expect(after.status).toBe(200)
    expect(after.body.toString('utf8')).toBe('fine')
  })
})
