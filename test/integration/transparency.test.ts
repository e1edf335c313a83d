/**
 * What outside clients found on the wire (issue 16), each as a regression over real sockets:
 * an upstream on port 0 that records what it parsed, a real proxy, and the RFC rule that
 * decides what should have happened.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import net, { type AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { UserConfig, UserRoute } from '../../src/config/types.js'
import { resolveConfig } from '../../src/features.js'
import { freePort } from '../helpers/raw-client.js'
import { request, startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'
import { deferred, within } from '../helpers/wait.js'
import { collect, statusesOf } from '../hardening/wire.js'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

interface Seen {
  readonly method: string
  readonly url: string
  readonly rawHeaders: string[]
  readonly body: Buffer
  readonly rawTrailers: string[]
}

/** An upstream that records every request it parsed and answers `answer for <url>`. */
async function recordingUpstream(handler?: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void): Promise<TestUpstream & { seen: Seen[] }> {
  const seen: Seen[] = []
  const upstream = await startUpstream((req, res) => {
    const chunks: Buffer[] = []
    // In arrival order: pipelined requests may be forwarded on separate connections.
    const entry = { method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, body: Buffer.alloc(0), rawTrailers: [] as string[] }
    seen.push(entry)
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      Object.assign(entry, { body, rawTrailers: req.rawTrailers })
      if (handler) handler(req, res, body)
      else res.end(`answer for ${req.url}`)
    })
  })
  cleanups.push(() => upstream.close())
  return Object.assign(upstream, { seen })
}

async function proxyWith(config: Partial<UserConfig> & { routes: UserRoute[] }): Promise<TestProxy> {
  const proxy = await startTestProxy(config)
  cleanups.push(() => proxy.close(100))
  return proxy
}

async function proxyTo(target: string, route: Partial<UserRoute> = {}): Promise<TestProxy> {
  return proxyWith({ routes: [{ path: '/', target, ...route }] })
}

/** Raw bytes to the proxy; everything it answered until it closed (or `idleMs` of quiet). */
async function rawTalk(port: number, data: string | Buffer, idleMs = 400): Promise<string> {
  const talk = await within(
    10_000,
    collect(port, (socket) => {
      socket.write(data)
      socket.setTimeout(idleMs, () => socket.end())
    }),
    'the proxy answering',
  )
  return talk.text
}

/** The framing header(s), the blank line and `body`, chunked or with a length. */
function framed(body: string, chunked: boolean): string {
  if (!chunked) return `Content-Length: ${body.length}\r\n\r\n${body}`
  return `Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`
}

function header(seen: Seen, name: string): string | undefined {
  const i = seen.rawHeaders.findIndex((h, n) => n % 2 === 0 && h.toLowerCase() === name)
  return i === -1 ? undefined : seen.rawHeaders[i + 1]
}

describe('request smuggling: the forwarded framing is the proxy’s own (RFC 9112 §6)', () => {
  // http-proxy-3's deleteLength pass sent a chunked DELETE or OPTIONS on with `content-length: 0`
  // while the chunks still went out: the upstream read the body as a second request.
  it.each([
    ['DELETE', 'chunked'],
    ['OPTIONS', 'chunked'],
    ['GET', 'chunked'],
    ['DELETE', 'content-length'],
  ])(
    'RFC 9112 §6.3: %s with a %s body that is itself a request — the upstream gets that body, and the next client request gets its own answer',
    async (method, framing) => {
      const upstream = await recordingUpstream()
      const proxy = await proxyTo(upstream.url)
      const smuggled = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n'
      const text = await rawTalk(proxy.port, `${method} /a HTTP/1.1\r\nHost: x\r\n${framed(smuggled, framing === 'chunked')}GET /victim HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
      // Pipelined safe requests may go upstream on two connections, in either order.
      expect(upstream.seen.map((s) => `${s.method} ${s.url}`).sort()).toEqual([`${method} /a`, 'GET /victim'].sort())
      const first = upstream.seen.find((s) => s.url === '/a')!
      expect(first.body.toString()).toBe(smuggled)
      expect(text).not.toContain('answer for /smuggled')
      expect(text).toContain('answer for /victim')
    },
  )

  it('RFC 9112 §7.1: a chunked OPTIONS body is forwarded chunked, whole', async () => {
    const upstream = await recordingUpstream()
    const proxy = await proxyTo(upstream.url)
    await rawTalk(proxy.port, 'OPTIONS /o HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n')
    expect(upstream.seen).toHaveLength(1)
    expect(upstream.seen[0]!.body.toString()).toBe('hello')
    expect(header(upstream.seen[0]!, 'transfer-encoding')).toBe('chunked')
  })

  // Node's client frames a POST itself, but sends a DELETE, OPTIONS or GET body unframed when
  // no framing header is left: the body then runs upstream as a request nobody routed.
  it.each([
    ['DELETE', 'content-length'],
    ['OPTIONS', 'transfer-encoding'],
    ['GET', 'Content-Length, keep-alive'],
    ['POST', 'content-length'],
  ])(
    'RFC 9110 §7.6.1: a %s with `Connection: %s` keeps the framing of its body — one request upstream, body intact',
    async (method, tokens) => {
      const upstream = await recordingUpstream()
      const proxy = await proxyTo(upstream.url)
      const body = 'GET /hidden HTTP/1.1\r\nHost: x\r\n\r\n'
      await rawTalk(proxy.port, `${method} /p HTTP/1.1\r\nHost: x\r\nConnection: ${tokens}\r\n${framed(body, tokens.startsWith('transfer'))}GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
      expect(upstream.seen.map((s) => `${s.method} ${s.url}`).sort()).toEqual([`${method} /p`, 'GET /next'].sort())
      expect(upstream.seen.find((s) => s.url === '/p')!.body.toString()).toBe(body)
    },
  )
})

describe('loops (RFC 9110 §7.6.3: Via is for loop detection)', () => {
  it('a request that comes back to the same proxy is answered 508 loop_detected, not proxied again', async () => {
    const upstream = await recordingUpstream()
    const proxy = await proxyTo(upstream.url)
    proxy.engine.swap(resolveConfig({ port: 0, routes: [{ path: '/', target: `http://localhost:${proxy.port}` }] }))
    const res = await within(5_000, request(`${proxy.url}/api/x`), 'the looped request')
    expect(res.status).toBe(508)
    expect(res.headers['x-devproxy-error']).toBe('loop_detected')
    expect(res.json().error.message).toMatch(/already passed through this devproxy/)
    // One hop in, one hop back, refused: two transactions, not hundreds.
    expect(proxy.transactions.length).toBeLessThanOrEqual(2)
  })

  it('two devproxies in a chain are not a loop (each names its own instance)', async () => {
    const upstream = await recordingUpstream()
    const inner = await proxyTo(upstream.url)
    const outer = await proxyTo(inner.url)
    const res = await within(5_000, request(`${outer.url}/x`), 'the chained request')
    expect(res.status).toBe(200)
    expect(header(upstream.seen[0]!, 'via')).toBe(`1.1 devproxy-${outer.engine.instanceId}, 1.1 devproxy-${inner.engine.instanceId}`)
  })

  it.each(['127.0.0.1', 'localhost'])('a target equal to the listen address (%s) is refused at start with a clear error', async (host) => {
    const port = await freePort()
    const starting = startTestProxy({ port, routes: [{ path: '/', target: `http://${host}:${port}` }] })
    await expect(starting).rejects.toMatchObject({ code: 'target_is_proxy', message: expect.stringMatching(/devproxy's own address/) })
    // Nothing is left listening.
    await new Promise<void>((resolve, reject) => {
      const server = net.createServer().listen(port, '127.0.0.1', () => server.close(() => resolve()))
      server.once('error', reject)
    })
  })
})

describe('routing: each target keeps its own base path', () => {
  it.each([
    ['/static first', ['/static/app.js', '/page']],
    ['/ first', ['/page', '/static/app.js']],
  ])('two routes to one origin with different base paths (%s)', async (_name, paths) => {
    const upstream = await recordingUpstream()
    const proxy = await proxyWith({
      routes: [
        { path: '/static', stripPrefix: true, target: `${upstream.url}/assets` },
        { path: '/', target: upstream.url },
      ],
    })
    for (const path of paths) await request(`${proxy.url}${path}`)
    const forwarded = Object.fromEntries(paths.map((path, i) => [path, upstream.seen[i]!.url]))
    expect(forwarded).toEqual({ '/static/app.js': '/assets/app.js', '/page': '/page' })
  })
})

describe('early responses (RFC 9112 §9.6)', () => {
  it('an upstream that answers 413 before reading a 4 MiB body: the client gets it, no upstream socket is left open, the client connection is closed', async () => {
    // Node's default: answer, then keep reading the unread body to keep the connection.
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(413, { 'content-type': 'text/plain' })
      res.end('too big')
    })
    cleanups.push(() => upstream.close())
    const proxy = await proxyTo(upstream.url)
    const body = Buffer.alloc(4 * 1024 * 1024, 97)
    const results = await within(
      10_000,
      Promise.all(
        Array.from({ length: 5 }, () =>
          new Promise<{ status: number; connection: string | undefined; text: string }>((resolve, reject) => {
            const req = http.request(`${proxy.url}/upload`, { method: 'POST', agent: false, headers: { 'content-length': body.length } }, (res) => {
              let text = ''
              res.on('data', (chunk: Buffer) => (text += chunk))
              res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, text }))
            })
            req.on('error', reject)
            req.end(body)
          }),
        ),
      ),
      'five early answers',
    )
    for (const result of results) expect(result).toEqual({ status: 413, connection: 'close', text: 'too big' })
    await within(5_000, waitFor(() => upstream.openSockets() === 0), 'the upstream sockets to close')
  })

  it('an early 401 to a client still uploading arrives whole (the proxy lingers, it does not reset)', async () => {
    const upstream = await startUpstream((_req, res) => res.writeHead(401, { 'www-authenticate': 'Bearer' }).end('who are you'))
    cleanups.push(() => upstream.close())
    const proxy = await proxyTo(upstream.url)
    const socket = net.connect(proxy.port, '127.0.0.1')
    const received: Buffer[] = []
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    socket.on('error', () => {})
    socket.write('POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n')
    const chunk = Buffer.alloc(64 * 1024, 98)
    let sending = true
    const pump = () => {
      while (sending && socket.write(chunk));
      if (sending) socket.once('drain', pump)
    }
    pump()
    await within(5_000, waitFor(() => Buffer.concat(received).includes('who are you')), 'the 401 body')
    sending = false
    const text = Buffer.concat(received).toString('latin1')
    expect(statusesOf(text)).toEqual([401])
    expect(text).toMatch(/\r\nconnection: close\r\n/i)
    socket.destroy()
  })
})

describe('timeouts by phase', () => {
  it('timeoutMs does not count a slow upload: 1.2 s of upload behind timeoutMs 400 gets the upstream’s 200', async () => {
    const upstream = await recordingUpstream((_req, res, body) => res.end(`got ${body.length}`))
    const proxy = await proxyTo(upstream.url, { timeoutMs: 400 })
    const res = await within(
      10_000,
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = http.request(`${proxy.url}/upload`, { method: 'POST', agent: false, headers: { 'transfer-encoding': 'chunked' } }, (res) => {
          let text = ''
          res.on('data', (chunk: Buffer) => (text += chunk))
          res.on('end', () => resolve({ status: res.statusCode!, text }))
        })
        req.on('error', reject)
        let sent = 0
        const timer = setInterval(() => {
          req.write('x'.repeat(100))
          if (++sent === 6) {
            clearInterval(timer)
            req.end()
          }
        }, 200)
      }),
      'the slow upload',
    )
    expect(res).toEqual({ status: 200, text: 'got 600' })
  })

  it('RFC 9110 §15.5.9: a client that stalls mid-upload for uploadIdleMs gets 408 request_timeout; the upstream request is cancelled', async () => {
    const upstreamClosed = deferred()
    const upstream = await startUpstream((req) => req.socket.once('close', () => upstreamClosed.resolve()))
    cleanups.push(() => upstream.close())
    const proxy = await proxyTo(upstream.url, { uploadIdleMs: 300 })
    const text = await rawTalk(proxy.port, 'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten b', 3_000)
    expect(statusesOf(text)).toEqual([408])
    expect(text).toMatch(/x-devproxy-error: request_timeout/)
    await within(2_000, upstreamClosed.promise, 'the upstream request to be cancelled')
  })
})

describe('1xx are end to end (RFC 9110 §15.2, §10.1.1)', () => {
  it('Expect: 100-continue goes upstream; an upstream that refuses (401) is heard and the body is never uploaded', async () => {
    let bodyBytes = 0
    const server = http.createServer()
    server.on('checkContinue', (req, res) => {
      expect(req.headers.expect).toBe('100-continue')
      req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length))
      res.writeHead(401, { connection: 'close' }).end('no')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => server.close(resolve)))
    const proxy = await proxyTo(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    const result = await within(
      5_000,
      new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
        let continued = false
        const req = http.request(`${proxy.url}/upload`, { method: 'PUT', agent: false, headers: { expect: '100-continue', 'content-length': 5 } }, (res) => {
          res.resume()
          res.on('end', () => resolve({ status: res.statusCode!, continued }))
        })
        req.on('continue', () => {
          continued = true
          req.end('hello')
        })
        req.on('error', reject)
      }),
      'the refusal',
    )
    expect(result).toEqual({ status: 401, continued: false })
    expect(bodyBytes).toBe(0)
  })

  it('the upstream’s 100 Continue is relayed, then the body goes up and the answer comes back', async () => {
    const server = http.createServer((req, res) => req.pipe(res))
    server.on('checkContinue', (req, res) => {
      res.writeContinue()
      server.emit('request', req, res)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => server.close(resolve)))
    const proxy = await proxyTo(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    const result = await within(
      5_000,
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = http.request(`${proxy.url}/echo`, { method: 'POST', agent: false, headers: { expect: '100-continue', 'content-length': 5 } }, (res) => {
          let text = ''
          res.on('data', (chunk: Buffer) => (text += chunk))
          res.on('end', () => resolve({ status: res.statusCode!, text }))
        })
        // Node's client waits for 'continue' before it may send: a proxy that swallowed the
        // upstream's 100 would leave this hanging.
        req.on('continue', () => req.end('hello'))
        req.on('error', reject)
      }),
      'the echoed body',
    )
    expect(result).toEqual({ status: 200, text: 'hello' })
  })

  it('103 Early Hints are relayed to an HTTP/1.1 client before the final response', async () => {
    const upstream = await startUpstream((_req, res) => {
      res.writeEarlyHints({ link: '</app.css>; rel=preload; as=style' })
      res.end('page')
    })
    cleanups.push(() => upstream.close())
    const proxy = await proxyTo(upstream.url)
    const hints = await within(
      5_000,
      new Promise<string[]>((resolve, reject) => {
        const seen: string[] = []
        const req = http.get(`${proxy.url}/`, { agent: false }, (res) => {
          res.resume()
          res.on('end', () => resolve([...seen, `${res.statusCode}`]))
        })
        req.on('information', (info) => seen.push(`${info.statusCode} ${info.headers.link}`))
        req.on('error', reject)
      }),
      'the page',
    )
    expect(hints).toEqual(['103 </app.css>; rel=preload; as=style', '200'])
  })

  it('RFC 9110 §15.2: no 1xx to an HTTP/1.0 client', async () => {
    const upstream = await startUpstream((_req, res) => {
      res.writeEarlyHints({ link: '</a.css>; rel=preload' })
      res.end('page')
    })
    cleanups.push(() => upstream.close())
    const proxy = await proxyTo(upstream.url)
    const text = await rawTalk(proxy.port, 'GET / HTTP/1.0\r\nHost: x\r\n\r\n')
    expect(statusesOf(text)).toEqual([200])
  })
})

describe('headers end to end', () => {
  it('x-devproxy-fault is never forwarded, even with faults.allowHeader off', async () => {
    const upstream = await recordingUpstream()
    const proxy = await proxyTo(upstream.url)
    await request(`${proxy.url}/x`, { headers: { 'x-devproxy-fault': 'reset' } })
    expect(header(upstream.seen[0]!, 'x-devproxy-fault')).toBeUndefined()
  })

  it('RFC 9110 §7.6.3: Via names the version received (1.0 for an HTTP/1.0 request)', async () => {
    const upstream = await recordingUpstream()
    const proxy = await proxyTo(upstream.url)
    await rawTalk(proxy.port, 'GET /old HTTP/1.0\r\nHost: x\r\n\r\n')
    expect(header(upstream.seen[0]!, 'via')).toBe(`1.0 devproxy-${proxy.engine.instanceId}`)
  })

  it('header names keep the letter case the client sent, in order', async () => {
    const upstream = await recordingUpstream()
    const proxy = await proxyTo(upstream.url)
    await rawTalk(proxy.port, 'GET /c HTTP/1.1\r\nHost: x\r\nX-MiXeD-CaSe: 1\r\nSOAPAction: urn:a\r\nConnection: close\r\n\r\n')
    expect(upstream.seen[0]!.rawHeaders.slice(0, 6)).toEqual(['Host', 'x', 'X-MiXeD-CaSe', '1', 'SOAPAction', 'urn:a'])
  })

  it('RFC 9110 §6.5: request trailers reach the upstream', async () => {
    const upstream = await recordingUpstream()
    const proxy = await proxyTo(upstream.url)
    await rawTalk(proxy.port, 'POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\nX-Checksum: 900150983cd24fb0\r\n\r\n')
    expect(upstream.seen[0]!.body.toString()).toBe('abc')
    expect(upstream.seen[0]!.rawTrailers).toEqual(['X-Checksum', '900150983cd24fb0'])
  })

  it('RFC 9110 §6.5: response trailers reach the client', async () => {
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { trailer: 'x-checksum' })
      res.write('abc')
      res.addTrailers({ 'x-checksum': 'ok123' })
      res.end()
    })
    cleanups.push(() => upstream.close())
    const proxy = await proxyTo(upstream.url)
    const trailers = await within(
      5_000,
      new Promise<Record<string, string | undefined>>((resolve, reject) => {
        http.get(`${proxy.url}/`, { agent: false }, (res) => {
          res.resume()
          res.on('end', () => resolve({ ...res.trailers }))
        }).on('error', reject)
      }),
      'the response with trailers',
    )
    expect(trailers).toEqual({ 'x-checksum': 'ok123' })
  })
})

describe('maxConnections per route target', () => {
  it('200 concurrent requests open at most maxConnections upstream connections, and all succeed', async () => {
    const upstream = await recordingUpstream((_req, res) => setTimeout(() => res.end('ok'), 5))
    const proxy = await proxyTo(upstream.url, { maxConnections: 8 })
    const agent = new http.Agent({ keepAlive: true, maxSockets: 200 })
    cleanups.push(async () => agent.destroy())
    const results = await within(20_000, Promise.all(Array.from({ length: 200 }, (_, i) => request(`${proxy.url}/r${i}`, { agent }))), '200 requests')
    expect(results.every((r) => r.status === 200)).toBe(true)
    expect(upstream.connections()).toBeLessThanOrEqual(8)
  })

  it('a request that waits longer than connectMs for a free connection gets 502 upstream_pool_exhausted', async () => {
    const release = deferred()
    const upstream = await startUpstream((_req, res) => void release.promise.then(() => res.end('late')))
    cleanups.push(() => upstream.close())
    cleanups.push(async () => release.resolve())
    const proxy = await proxyTo(upstream.url, { maxConnections: 1, connectMs: 200 })
    const first = request(`${proxy.url}/slow`)
    const second = await within(5_000, request(`${proxy.url}/queued`), 'the queued request')
    expect(second.status).toBe(502)
    expect(second.headers['x-devproxy-error']).toBe('upstream_pool_exhausted')
    expect(second.json().error.message).toMatch(/all 1 connections .* pool exhausted/)
    release.resolve()
    expect((await first).status).toBe(200)
  })
})

describe('shutdown', () => {
  it('a request cut by the proxy stopping is logged as cut by shutdown, not as a client abort', async () => {
    const upstream = await startUpstream(() => {})
    cleanups.push(() => upstream.close())
    const proxy = await startTestProxy({ routes: [{ path: '/', target: upstream.url }] })
    const req = http.get(`${proxy.url}/hang`, { agent: false })
    req.on('error', () => {})
    await within(5_000, waitFor(() => proxy.inFlight() === 1), 'the request in flight')
    await proxy.close(50)
    const tx = await within(2_000, proxy.nextTransaction(), 'the transaction')
    expect(tx.ending).toBe('shutdown')
  })
})

/** Resolves once `check` holds, polling on the event loop (bounded by the caller's `within`). */
async function waitFor(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setImmediate(resolve))
}
