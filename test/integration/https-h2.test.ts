import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import http2 from 'node:http2'
import https from 'node:https'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import tls from 'node:tls'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import type { UserConfig } from '../../src/config/types.js'
import type { ListenerNotice } from '../../src/proxy/listen/handshake-failure.js'
import type { RunningProxy } from '../../src/start-proxy.js'
import type { Transaction, TransactionSink } from '../../src/proxy/transaction/transaction.js'
import { echoHandler, startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'

/**
 * HTTPS with HTTP/2 and HTTP/1.1 on one port (RFC 9113, RFC 7301 ALPN), certificates from the
 * local CA. Compared the way a user meets it: curl --http2, Node's http2 client and an
 * HTTP/1.1-only TLS client, against a recording upstream that shows what was forwarded.
 */

let caDir: string
let ca: Buffer
let upstream: TestUpstream

beforeAll(async () => {
  caDir = await mkdtemp(path.join(tmpdir(), 'devproxy-ca-'))
  upstream = await startUpstream(router)
})

afterAll(async () => {
  await upstream.close()
  await rm(caDir, { recursive: true, force: true })
})

/** The upstream: /echo echoes, others behave as their name says. */
function router(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/'
  if (url.startsWith('/hints')) {
    res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' })
    setTimeout(() => res.end('after hints'), 20)
    return
  }
  if (url.startsWith('/cut')) {
    res.writeHead(200, { 'content-length': '100000' })
    res.write(Buffer.alloc(1000, 'a'), () => res.socket?.destroy())
    return
  }
  if (url.startsWith('/trailers')) {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { trailer: 'x-checksum', 'content-type': 'text/plain' })
      res.write(`request trailer: ${req.trailers['x-sent'] ?? 'none'}`)
      res.addTrailers({ 'x-checksum': 'abc123' })
      res.end()
    })
    return
  }
  if (url.startsWith('/slow')) {
    setTimeout(() => res.end('slow done'), 300)
    return
  }
  echoHandler(req, res)
}

interface Started {
  proxy: TestProxy
  transactions: TestProxy['transactions']
  notices: ListenerNotice[]
}

/** A proxy with `https: true` (unless `config` says otherwise), its CA in the test's directory. */
async function start(config: Partial<UserConfig> = {}, sinks: TransactionSink[] = []): Promise<Started> {
  const notices: ListenerNotice[] = []
  const proxy = await startTestProxy({ https: true, routes: [{ path: '/', target: upstream.url }], ...config }, { caDir, onNotice: (notice) => notices.push(notice), sinks })
  ca ??= await readFile(path.join(caDir, 'ca.pem'))
  return { proxy, transactions: proxy.transactions, notices }
}

interface H2Answer {
  headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader
  body: Buffer
  /** RST_STREAM code when the stream was reset; 0 for a clean end. */
  rstCode: number
  informational: Array<http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader>
}

function h2(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string | Buffer | string[]): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined })
    const chunks: Buffer[] = []
    const informational: H2Answer['informational'] = []
    let head: H2Answer['headers'] | undefined
    stream.on('headers', (h) => informational.push(h))
    stream.on('response', (h) => (head = h))
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('error', () => {})
    stream.on('close', () => {
      if (head === undefined && stream.rstCode === 0) reject(new Error('stream closed without a response'))
      else resolve({ headers: head ?? ({} as H2Answer['headers']), body: Buffer.concat(chunks), rstCode: stream.rstCode ?? 0, informational })
    })
    if (Array.isArray(body)) {
      // A body in several DATA frames, without content-length.
      for (const part of body) stream.write(part)
      stream.end()
    } else if (body !== undefined) {
      stream.end(body)
    }
  })
}

function connect(proxy: RunningProxy, servername = 'localhost'): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://${servername}:${proxy.port}`, { ca, servername, lookup: (_h, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }] as never, 4) } as http2.SecureClientSessionOptions)
    session.once('connect', () => resolve(session))
    session.once('error', reject)
  })
}

describe('HTTPS and HTTP/2 on one port', () => {
  let s: Started
  beforeAll(async () => {
    s = await start()
  })
  afterAll(async () => {
    await s.proxy.close()
  })

  it('the local CA is made on first use, in the data directory, and the proxy URL is https://', async () => {
    expect(s.proxy.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(s.proxy.ca).toEqual({ certFile: path.join(caDir, 'ca.pem'), created: true })
    // RFC 5280: a CA certificate, its key kept private.
    expect(new (await import('node:crypto')).X509Certificate(ca).ca).toBe(true)
  })

  it('RFC 9113 §8.3.1: an h2 request is forwarded as HTTP/1.1 with Host from :authority, no pseudo-header fields, X-Forwarded-Proto https and Via "2 devproxy-…"', async () => {
    const session = await connect(s.proxy)
    const answer = await h2(session, { ':path': '/echo?a=1', 'x-custom': 'kept' })
    session.close()
    expect(answer.headers[':status']).toBe(200)
    const seen = JSON.parse(answer.body.toString())
    expect(seen.url).toBe('/echo?a=1')
    expect(seen.headers.host).toBe(`localhost:${s.proxy.port}`)
    expect(seen.headers['x-custom']).toBe('kept')
    expect(seen.headers['x-forwarded-proto']).toBe('https')
    expect(seen.headers.via).toMatch(/^2 devproxy-[0-9a-f]{8}$/)
    expect(Object.keys(seen.headers).filter((name) => name.startsWith(':'))).toEqual([])
    const tx = s.transactions.find((t) => t.url === '/echo?a=1')!
    expect(tx.httpVersion).toBe('2.0')
    expect(tx.scheme).toBe('https')
  })

  it('RFC 9113 §8.2.3: cookie crumbs sent as separate fields reach an HTTP/1.1 upstream as one Cookie joined with "; "', async () => {
    const session = await connect(s.proxy)
    const stream = session.request({ ':path': '/echo', cookie: ['a=1', 'b=2', 'c=3'] })
    const body = await new Promise<string>((resolve) => {
      let text = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => (text += chunk))
      stream.on('end', () => resolve(text))
    })
    session.close()
    expect(JSON.parse(body).headers.cookie).toBe('a=1; b=2; c=3')
  })

  it('RFC 9113 §8.1.1: an h2 body without content-length arrives whole, framed chunked upstream; with content-length it keeps its length', async () => {
    const session = await connect(s.proxy)
    const parts = ['first part, ', 'second part, ', 'third part']
    const unframed = await h2(session, { ':method': 'POST', ':path': '/echo' }, parts)
    const framed = await h2(session, { ':method': 'POST', ':path': '/echo', 'content-length': '5' }, 'hello')
    session.close()
    const a = JSON.parse(unframed.body.toString())
    expect(a.body).toBe(parts.join(''))
    expect(a.headers['transfer-encoding']).toBe('chunked')
    expect(a.headers['content-length']).toBeUndefined()
    const b = JSON.parse(framed.body.toString())
    expect(b.body).toBe('hello')
    expect(b.headers['content-length']).toBe('5')
  })

  it('a DELETE with an empty h2 body and a GET without one reach the upstream with no body and no framing', async () => {
    const session = await connect(s.proxy)
    const answer = await h2(session, { ':method': 'DELETE', ':path': '/echo' })
    session.close()
    const seen = JSON.parse(answer.body.toString())
    expect(seen.method).toBe('DELETE')
    expect(seen.headers['transfer-encoding']).toBeUndefined()
    expect(seen.headers['content-length']).toBeUndefined()
  })

  it('curl --http2 with --cacert gets the same answer over h2 as an HTTP/1.1-only TLS client (ALPN http/1.1)', async () => {
    const { stdout } = await promisify(execFile)('curl', ['-sS', '--http2', '--cacert', path.join(caDir, 'ca.pem'), '-w', '\\n%{http_version}', `https://localhost:${s.proxy.port}/echo?via=curl`])
    const [body, version] = stdout.split('\n')
    expect(version).toBe('2')
    const viaCurl = JSON.parse(body!)
    const viaHttp1 = await new Promise<{ version: string; body: any }>((resolve, reject) => {
      const options: https.RequestOptions & tls.ConnectionOptions = { host: '127.0.0.1', port: s.proxy.port, servername: 'localhost', path: '/echo?via=curl', ca, ALPNProtocols: ['http/1.1'], headers: { host: `localhost:${s.proxy.port}` } }
      const req = https.request(options, (res) => {
        expect((res.socket as tls.TLSSocket).alpnProtocol).toBe('http/1.1')
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => resolve({ version: res.httpVersion, body: JSON.parse(text) }))
      })
      req.on('error', reject)
      req.end()
    })
    expect(viaHttp1.version).toBe('1.1')
    expect(viaHttp1.body.url).toBe(viaCurl.url)
    expect(viaHttp1.body.headers.host).toBe(viaCurl.headers.host)
    expect(viaHttp1.body.headers['x-forwarded-proto']).toBe('https')
    expect(viaHttp1.body.headers.via).toMatch(/^1\.1 devproxy-/)
    expect(viaCurl.headers.via).toMatch(/^2 devproxy-/)
  })

  it('RFC 9113 §5: 100 concurrent streams on one connection are all answered, slow ones not holding up the rest', async () => {
    const session = await connect(s.proxy)
    const started = performance.now()
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => h2(session, { ':method': 'POST', ':path': i % 10 === 0 ? '/slow' : `/echo?n=${i}` }, `body ${i}`)))
    const elapsed = performance.now() - started
    session.close()
    expect(answers.every((a) => a.headers[':status'] === 200)).toBe(true)
    expect(JSON.parse(answers[1]!.body.toString()).body).toBe('body 1')
    // Ten 300 ms requests in parallel, not in a row (unsafe methods are not ordered across streams).
    expect(elapsed).toBeLessThan(2_000)
  })

  it('RFC 9110 §15.2 / RFC 9113 §8.1: a 103 Early Hints from the upstream reaches the h2 client before the final response', async () => {
    const session = await connect(s.proxy)
    const answer = await h2(session, { ':path': '/hints' })
    session.close()
    expect(answer.informational.map((h) => h[':status'])).toContain(103)
    expect(answer.informational.find((h) => h[':status'] === 103)!.link).toBe('</style.css>; rel=preload; as=style')
    expect(answer.body.toString()).toBe('after hints')
  })

  it('a body the upstream cuts short ends the h2 stream with RST_STREAM INTERNAL_ERROR (never a clean END_STREAM), and the connection serves the next request', async () => {
    const session = await connect(s.proxy)
    const cut = await h2(session, { ':path': '/cut' })
    expect(cut.rstCode).toBe(http2.constants.NGHTTP2_INTERNAL_ERROR)
    expect(cut.body.length).toBeLessThan(100_000)
    const next = await h2(session, { ':path': '/echo?after-cut' })
    session.close()
    expect(next.headers[':status']).toBe(200)
  })

  it('a proxy error (no route) is the JSON error over h2 too, without connection-specific fields (RFC 9113 §8.2.2)', async () => {
    const other = await start({ routes: [{ path: '/api', target: upstream.url }] })
    const session = await connect(other.proxy)
    const answer = await h2(session, { ':path': '/nowhere' })
    session.close()
    await other.proxy.close()
    expect(answer.headers[':status']).toBe(404)
    expect(answer.headers.connection).toBeUndefined()
    expect(JSON.parse(answer.body.toString()).error.type).toBe('no_route')
  })

  it('RFC 9113 §8.5: CONNECT on an h2 stream gets 501 connect_not_supported (as over HTTP/1.1), the stream ends and the connection serves on', async () => {
    const session = await connect(s.proxy)
    const refused = await h2(session, { ':method': 'CONNECT', ':authority': 'example.com:443' })
    const next = await h2(session, { ':path': '/echo' })
    session.close()
    expect(refused.headers[':status']).toBe(501)
    expect(JSON.parse(refused.body.toString()).error.type).toBe('connect_not_supported')
    expect(next.headers[':status']).toBe(200)
    const tx = s.transactions.find((t) => t.method === 'CONNECT')!
    expect(tx.status).toBe(501)
  })

  it('plain HTTP sent to the HTTPS port gets 400 https_required with the https:// URL to use, and the proxy keeps serving', async () => {
    const answer = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: s.proxy.port, path: '/echo', headers: { host: `localhost:${s.proxy.port}` } }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
      })
      req.on('error', reject)
      req.end()
    })
    expect(answer.status).toBe(400)
    expect(answer.body.error.type).toBe('https_required')
    expect(answer.body.error.hint).toContain(`https://localhost:${s.proxy.port}/echo`)
    const session = await connect(s.proxy)
    expect((await h2(session, { ':path': '/echo' })).headers[':status']).toBe(200)
    session.close()
  })

  it('TLS handshake garbage fails that connection only; the notice names it and the proxy keeps serving', async () => {
    await new Promise<void>((resolve) => {
      const socket = net.connect(s.proxy.port, '127.0.0.1', () => socket.write(Buffer.from('16030100050102030405', 'hex')))
      socket.on('error', () => {})
      socket.on('close', () => resolve())
      socket.resume()
    })
    expect(s.notices.some((n) => n.message.startsWith('TLS: a handshake from 127.0.0.1 failed'))).toBe(true)
    const session = await connect(s.proxy)
    expect((await h2(session, { ':path': '/echo' })).headers[':status']).toBe(200)
    session.close()
  })

  it('a name outside the CA\'s constraints gets no certificate: the handshake fails and the notice says how to re-issue', async () => {
    const failure = await new Promise<Error>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: s.proxy.port, servername: 'bank.example.com', ca })
      socket.on('error', resolve)
      socket.on('secureConnect', () => resolve(new Error('handshake succeeded')))
    })
    expect(failure.message).not.toBe('handshake succeeded')
    const notice = s.notices.find((n) => n.key.startsWith('host_outside_ca'))!
    expect(notice.message).toContain('bank.example.com')
    expect(notice.hint).toContain('devproxy trust --reissue')
  })

  it('a client that does not trust the CA is told apart: the notice says to run devproxy trust', async () => {
    // No --cacert: curl rejects the certificate with an unknown_ca alert (RFC 8446 §6.2), as a browser does.
    const refused = await promisify(execFile)('curl', ['-sS', `https://localhost:${s.proxy.port}/echo`]).catch((error: { code: number }) => error)
    expect((refused as { code: number }).code).toBe(60)
    await expect.poll(() => s.notices.find((n) => n.key === 'distrust')?.hint ?? '').toContain('devproxy trust')
  })
})

describe('HTTPS: what else crosses the h2 hop', () => {
  let s: Started
  beforeAll(async () => {
    s = await start()
  })
  afterAll(async () => {
    await s.proxy.close()
  })

  it('a WebSocket over wss:// (an HTTP/1.1 connection on the HTTPS port, as browsers open them) echoes through', async () => {
    const wss = new WebSocketServer({ server: upstream.server, path: '/ws' })
    try {
      wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo: ${data.toString()}`)))
      const socket = new WebSocket(`wss://localhost:${s.proxy.port}/ws`, { ca })
      const reply = await new Promise<string>((resolve, reject) => {
        socket.on('open', () => socket.send('hello'))
        socket.on('message', (data) => resolve(data.toString()))
        socket.on('error', reject)
      })
      socket.close()
      expect(reply).toBe('echo: hello')
    } finally {
      wss.close()
    }
  })

  it('RFC 9110 §10.1.1 over h2: Expect: 100-continue is forwarded, the upstream\'s 100 comes back, then the body goes and the answer arrives', async () => {
    const session = await connect(s.proxy)
    const stream = session.request({ ':method': 'POST', ':path': '/echo', expect: '100-continue', 'content-length': '4' }, { endStream: false })
    const continued = await new Promise<number>((resolve) => stream.on('continue', () => resolve(100)))
    stream.end('body')
    const text = await new Promise<string>((resolve) => {
      let t = ''
      stream.setEncoding('utf8')
      stream.on('data', (c: string) => (t += c))
      stream.on('end', () => resolve(t))
    })
    session.close()
    expect(continued).toBe(100)
    expect(JSON.parse(text).body).toBe('body')
  })

  it('RFC 9110 §6.5: trailers cross both ways between an h2 client and an HTTP/1.1 upstream', async () => {
    const session = await connect(s.proxy)
    const stream = session.request({ ':method': 'POST', ':path': '/trailers' }, { endStream: false, waitForTrailers: true })
    stream.on('wantTrailers', () => stream.sendTrailers({ 'x-sent': 'yes' }))
    const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.on('trailers', resolve))
    stream.end('some body')
    let text = ''
    stream.setEncoding('utf8')
    stream.on('data', (c: string) => (text += c))
    const got = await trailers
    await new Promise((resolve) => stream.on('close', resolve))
    session.close()
    expect(text).toBe('request trailer: yes')
    expect(got['x-checksum']).toBe('abc123')
  })
})

describe('HTTPS beside plain HTTP, faults and shutdown', () => {
  it('https: { port } serves plain HTTP on the listen port and HTTPS on its own, the same routes on both', async () => {
    const s = await start({ https: { port: 0 } })
    expect(s.proxy.url).toMatch(/^http:\/\//)
    expect(s.proxy.httpsUrl).toMatch(/^https:\/\//)
    expect(s.proxy.httpsPort).not.toBe(s.proxy.port)
    const plain = await new Promise<any>((resolve, reject) => {
      http.get(`${s.proxy.url}/echo`, (res) => {
        let text = ''
        res.on('data', (c) => (text += c))
        res.on('end', () => resolve(JSON.parse(text)))
      }).on('error', reject)
    })
    const session = await new Promise<http2.ClientHttp2Session>((resolve, reject) => {
      const c = http2.connect(`https://localhost:${s.proxy.httpsPort}`, { ca })
      c.once('connect', () => resolve(c))
      c.once('error', reject)
    })
    const secure = JSON.parse((await h2(session, { ':path': '/echo' })).body.toString())
    session.close()
    await s.proxy.close()
    expect(plain.headers['x-forwarded-proto']).toBe('http')
    expect(secure.headers['x-forwarded-proto']).toBe('https')
  })

  it('faults look to an h2 client as a failing upstream would: 503 as is, an upstream reset as 502 upstream_reset, a reset --at client as RST_STREAM INTERNAL_ERROR on that stream alone', async () => {
    const s = await start({ faults: { allowHeader: true, rules: [{ kind: 'reset', at: 'client', path: '/client-reset' }] } })
    const session = await connect(s.proxy)
    const failed = await h2(session, { ':path': '/echo', 'x-devproxy-fault': '503' })
    const upstreamReset = await h2(session, { ':path': '/echo', 'x-devproxy-fault': 'reset' })
    const clientReset = await h2(session, { ':path': '/client-reset' })
    const after = await h2(session, { ':path': '/echo' })
    session.close()
    await s.proxy.close()
    expect(failed.headers[':status']).toBe(503)
    expect(upstreamReset.headers[':status']).toBe(502)
    expect(JSON.parse(upstreamReset.body.toString()).error.type).toBe('upstream_reset')
    expect(clientReset.rstCode).toBe(http2.constants.NGHTTP2_INTERNAL_ERROR)
    expect(after.headers[':status']).toBe(200)
  })

  it('RFC 9113 §6.8: closing sends GOAWAY; a request in flight on h2 still completes within the grace period', async () => {
    const s = await start()
    const session = await connect(s.proxy)
    const goaway = new Promise<void>((resolve) => session.once('goaway', () => resolve()))
    const slow = h2(session, { ':path': '/slow' })
    await expect.poll(() => s.proxy.inFlight()).toBe(1)
    const closed = s.proxy.close(5_000)
    await goaway
    const answer = await slow
    await closed
    expect(answer.body.toString()).toBe('slow done')
    expect(answer.rstCode).toBe(0)
  })

  it('a sink that must see a response before its client (the recorder) is called before the last bytes on h2 too', async () => {
    const order: string[] = []
    const watcher: TransactionSink = Object.assign(() => {}, { beforeDelivery: (tx: Readonly<Transaction>) => order.push(`sink ${tx.status}`) })
    const s = await start({}, [watcher])
    const session = await connect(s.proxy)
    const answer = await h2(session, { ':path': '/echo?recorded' })
    order.push('client')
    session.close()
    await s.proxy.close()
    expect(answer.headers[':status']).toBe(200)
    expect(order).toEqual(['sink 200', 'client'])
  })

  it('a route host the CA cannot cover fails the start with the way to fix it', async () => {
    await expect(start({ routes: [{ path: '/', host: 'api.example.com', target: upstream.url }] })).rejects.toMatchObject({
      code: 'host_outside_ca',
      suggestion: expect.stringContaining('.localhost'),
    })
  })
})

describe('route code over HTTP/2', () => {
  let s: Started
  beforeAll(async () => {
    s = await start({
      routes: [
        { name: 'mocked', path: '/mocked', mock: { json: { mocked: true } } },
        {
          name: 'hooked',
          path: '/',
          target: upstream.url,
          onRequest(ctx) {
            // RFC 9113 §8.3: pseudo-header fields are the request line, never fields a hook sees.
            ctx.headers['x-seen'] = Object.keys(ctx.headers).filter((name) => name.startsWith(':')).join(',') || 'none'
            ctx.headers['x-protocol'] = ctx.client.protocol
          },
          onResponse(ctx) {
            ctx.headers['x-hooked'] = 'yes'
          },
        },
      ],
    })
  })
  afterAll(async () => {
    await s.proxy.close()
  })

  it('onRequest sees the fields without pseudo-headers and its changes are forwarded; onResponse\'s reach the h2 client', async () => {
    const session = await connect(s.proxy)
    try {
      const answer = await h2(session, { ':method': 'GET', ':path': '/echo' })
      const seen = JSON.parse(answer.body.toString()) as { headers: Record<string, string> }
      expect(seen.headers['x-seen']).toBe('none')
      expect(seen.headers['x-protocol']).toBe('HTTP/2.0')
      expect(answer.headers['x-hooked']).toBe('yes')
      const mocked = await h2(session, { ':method': 'GET', ':path': '/mocked/x' })
      expect(mocked.headers[':status']).toBe(200)
      expect(JSON.parse(mocked.body.toString())).toEqual({ mocked: true })
    } finally {
      session.close()
    }
  })
})
