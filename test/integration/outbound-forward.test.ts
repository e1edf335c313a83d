/**
 * Forward mode (issue 30): devproxy as the HTTP(S) proxy of an app's outbound calls. Fake
 * "external" servers on 127.0.0.1 with a CA of their own (nothing trusts it by default), reached
 * by name (`api.example.test`) through `outbound.resolve`; curl with `--proxy` as the client, and
 * raw sockets where the bytes matter. RFC 9110 §9.3.6 (CONNECT), RFC 9112 §3.2.2 (absolute-form),
 * RFC 9113 §8.5 (CONNECT on an h2 stream).
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startProxy } from '../../src/api/entry.js'
import type { ProxyOptions } from '../../src/api/options.js'
import type { StartedProxy } from '../../src/api/start-proxy.js'
import { createLocalCa, issueLeafCertificate } from '../../src/tls/local-ca.js'

interface Seen {
  readonly host: string | undefined
  readonly servername: string | undefined
  readonly method: string | undefined
  readonly url: string | undefined
  readonly body: string
}

let dir: string
let fakeCaFile: string
let fakeCaPem: string
let fake: https.Server
let fakePort: number
let plain: http.Server
let plainPort: number
const seen: Seen[] = []

function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
  let body = ''
  req.setEncoding('utf8')
  req.on('data', (chunk: string) => (body += chunk))
  req.on('end', () => {
    const entry = { host: req.headers.host, servername: (req.socket as tls.TLSSocket).servername || undefined, method: req.method, url: req.url, body }
    seen.push(entry)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ from: 'fake', ...entry }))
  })
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devproxy-outbound-'))
  // The external world's own CA: not the proxy's, not the system's.
  const { ca } = await createLocalCa({ hosts: ['example.test'], owner: 'fake external' })
  const leaf = await issueLeafCertificate(ca, ['api.example.test', 'other.example.test'])
  fakeCaPem = ca.certPem
  fakeCaFile = join(dir, 'fake-ca.pem')
  await writeFile(fakeCaFile, fakeCaPem)
  fake = https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, answer)
  plain = http.createServer(answer)
  await Promise.all([new Promise<void>((r) => fake.listen(0, '127.0.0.1', r)), new Promise<void>((r) => plain.listen(0, '127.0.0.1', r))])
  fakePort = (fake.address() as net.AddressInfo).port
  plainPort = (plain.address() as net.AddressInfo).port
})
afterAll(async () => {
  fake.closeAllConnections()
  plain.closeAllConnections()
  await Promise.all([new Promise((r) => fake.close(r)), new Promise((r) => plain.close(r))])
  await rm(dir, { recursive: true, force: true })
})

const proxies: StartedProxy[] = []
afterEach(async () => {
  seen.length = 0
  for (const proxy of proxies.splice(0)) await proxy.close({ graceMs: 0 })
})

async function forwardProxy(outbound: ProxyOptions['outbound'] = {}, routes: ProxyOptions['routes'] = []): Promise<StartedProxy> {
  const proxy = await startProxy({
    routes,
    outbound: {
      ca: [fakeCaFile],
      resolve: { 'api.example.test': `127.0.0.1:${fakePort}`, 'other.example.test': `127.0.0.1:${fakePort}`, 'plain.example.test': `127.0.0.1:${plainPort}` },
      ...outbound,
    },
  })
  proxies.push(proxy)
  return proxy
}

interface Curl {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

function curl(args: string[]): Promise<Curl> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '10', ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? 1), stdout, stderr })
    })
  })
}

async function caFileOf(proxy: StartedProxy): Promise<string> {
  const file = join(dir, `intercept-${proxy.port}.pem`)
  await writeFile(file, proxy.interceptCaPem!)
  return file
}

/** Opens `CONNECT target` by hand; resolves with the proxy's answer head and the socket. */
function connect(proxy: StartedProxy, target: string): Promise<{ head: string; body: string; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(proxy.port, '127.0.0.1', () => socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`))
    let received = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      const end = received.indexOf('\r\n\r\n')
      if (end === -1) return
      const head = received.subarray(0, end).toString('latin1')
      if (head.startsWith('HTTP/1.1 200')) {
        socket.off('data', onData)
        return resolve({ head, body: '', socket })
      }
      // An error answer: read it to its end.
      socket.once('end', () => resolve({ head, body: received.subarray(end + 4).toString('utf8'), socket }))
    }
    socket.on('data', onData)
    socket.once('error', reject)
  })
}

describe('forward mode off', () => {
  it('answers CONNECT 501 with a hint naming --forward, --intercept and outbound (RFC 9110 §9.3.6)', async () => {
    const proxy = await startProxy({ routes: [{ path: '/', target: `http://127.0.0.1:${plainPort}` }] })
    proxies.push(proxy)
    const { head, body } = await connect(proxy, 'api.example.test:443')
    expect(head).toMatch(/^HTTP\/1\.1 501/)
    const error = JSON.parse(body).error
    expect(error.type).toBe('connect_not_supported')
    expect(error.hint).toContain('--forward')
    expect(error.hint).toContain('--intercept')
    expect(error.hint).toContain('outbound')
  })
})

describe('absolute-form requests (RFC 9112 §3.2.2)', () => {
  it('forwards GET and POST with a body to the host, through an implicit route named by it', async () => {
    const proxy = await forwardProxy({ forward: true })
    const get = await curl(['-x', proxy.url, 'http://plain.example.test/x?q=1'])
    expect(JSON.parse(get.stdout)).toMatchObject({ from: 'fake', host: 'plain.example.test', url: '/x?q=1', method: 'GET' })
    const post = await curl(['-x', proxy.url, '--data-binary', 'hello body', 'http://plain.example.test/submit'])
    expect(JSON.parse(post.stdout)).toMatchObject({ method: 'POST', url: '/submit', body: 'hello body' })
    const logged = proxy.transactions.filter((tx) => tx.kind === 'http')
    expect(logged.map((tx) => tx.route)).toEqual(['plain.example.test', 'plain.example.test'])
    expect(logged[0]!.target).toBe('http://plain.example.test')
  })

  it('uses a declared route whose host matches', async () => {
    const proxy = await forwardProxy({ forward: true }, [{ name: 'declared', host: 'plain.example.test', path: '/', target: `http://127.0.0.1:${plainPort}` }])
    const got = await curl(['-x', proxy.url, 'http://plain.example.test/declared'])
    expect(JSON.parse(got.stdout)).toMatchObject({ url: '/declared' })
    expect(proxy.transactions.at(-1)!.route).toBe('declared')
  })
})

describe('CONNECT to an intercepted host', () => {
  it('serves HTTP/1.1 inside with a leaf of the intercept CA; the request reaches the host by name (SNI and Host kept)', async () => {
    const proxy = await forwardProxy({ intercept: ['api.example.test'] })
    const got = await curl(['-x', proxy.url, '--cacert', await caFileOf(proxy), '--http1.1', 'https://api.example.test/v1/items'])
    expect(got.stderr).toBe('')
    expect(JSON.parse(got.stdout)).toMatchObject({ from: 'fake', host: 'api.example.test', servername: 'api.example.test', url: '/v1/items' })
    const tx = proxy.transactions.at(-1)!
    expect(tx).toMatchObject({ kind: 'http', scheme: 'https', route: 'api.example.test', target: 'https://api.example.test', status: 200 })
  })

  it('speaks HTTP/2 inside the tunnel when the client offers it (ALPN h2, RFC 9113 §3.2)', async () => {
    const proxy = await forwardProxy({ intercept: ['*.example.test'] })
    const got = await curl(['-x', proxy.url, '--cacert', await caFileOf(proxy), '--http2', '-w', '\n%{http_version}', 'https://api.example.test/h2'])
    const [body, version] = got.stdout.split('\n')
    expect(version).toBe('2')
    expect(JSON.parse(body!)).toMatchObject({ url: '/h2', servername: 'api.example.test' })
    expect(proxy.transactions.at(-1)!.httpVersion).toBe('HTTP/2.0')
  })

  it('the client sees devproxy\'s leaf, not the host\'s', async () => {
    const proxy = await forwardProxy({ intercept: ['api.example.test'] })
    const { socket } = await connect(proxy, 'api.example.test:443')
    const secure = tls.connect({ socket, servername: 'api.example.test', ca: proxy.interceptCaPem })
    await new Promise<void>((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject))
    const issuer = secure.getPeerCertificate().issuer.CN
    secure.destroy()
    expect(issuer).not.toContain('fake external')
    expect(issuer).toContain('devproxy')
  })

  it('injects --5xx and --reset on the host (--host), and a mock answers for it', async () => {
    const proxy = await forwardProxy({ intercept: ['api.example.test'] }, [{ name: 'stub', host: 'api.example.test', path: '/mocked', mock: { json: { mocked: true } } }])
    const ca = await caFileOf(proxy)
    const mocked = await curl(['-x', proxy.url, '--cacert', ca, 'https://api.example.test/mocked'])
    expect(JSON.parse(mocked.stdout)).toEqual({ mocked: true })

    const fault = await proxy.fault('5xx 100% --host api.example.test')
    const failed = await curl(['-x', proxy.url, '--cacert', ca, '-w', '\n%{http_code}', 'https://api.example.test/x'])
    expect(failed.stdout.split('\n').at(-1)).toMatch(/^5\d\d$/)
    // Another host is not selected.
    const other = await curl(['-x', proxy.url, '-w', '\n%{http_code}', 'http://plain.example.test/ok'])
    expect(other.stdout.split('\n').at(-1)).toBe('200')
    await proxy.removeFault(fault)

    await proxy.fault('reset 100% --host api.example.test')
    // The upstream "resets": the client gets the proxy's answer for a reset upstream, as for a real one.
    const reset = await curl(['-x', proxy.url, '--cacert', ca, 'https://api.example.test/x'])
    expect(JSON.parse(reset.stdout).error.type).toBe('upstream_reset')
    expect(proxy.transactions.at(-1)!.faults).toContain('reset')
    expect(seen.filter((entry) => entry.host === 'api.example.test')).toEqual([])
  })

  it('closes an intercepted tunnel whose client closed before sending a byte (no socket left half-open, RFC 9110 §9.3.6)', async () => {
    const proxy = await forwardProxy({ intercept: ['api.example.test'] })
    const { head, socket } = await connect(proxy, 'api.example.test:443')
    expect(head).toMatch(/^HTTP\/1\.1 200/)
    // The client cancels: FIN, nothing sent. The proxy must close its side too.
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    socket.resume()
    socket.end()
    await closed
    expect(socket.destroyed).toBe(true)
  })

  it('carries plain HTTP/1.1 through a CONNECT to port 80 into the pipeline (undici tunnels http:// URLs)', async () => {
    const proxy = await forwardProxy({ intercept: ['plain.example.test'] })
    const { socket } = await connect(proxy, 'plain.example.test:80')
    socket.write('GET /tunnelled HTTP/1.1\r\nHost: plain.example.test\r\nConnection: close\r\n\r\n')
    const text = await new Promise<string>((resolve) => {
      let all = ''
      socket.on('data', (chunk: Buffer) => (all += chunk.toString('utf8')))
      socket.once('end', () => resolve(all))
    })
    expect(text).toMatch(/^HTTP\/1\.1 200/)
    expect(text).toContain('"url":"/tunnelled"')
    expect(proxy.transactions.at(-1)).toMatchObject({ route: 'plain.example.test', scheme: 'http' })
  })

  it('refuses an upstream certificate nothing trusts (upstream_tls_failed) and accepts it with outbound.ca', async () => {
    const without = await forwardProxy({ intercept: ['api.example.test'], ca: [] })
    const refused = await curl(['-x', without.url, '--cacert', await caFileOf(without), '-w', '\n%{http_code}', 'https://api.example.test/x'])
    const body = refused.stdout.slice(0, refused.stdout.lastIndexOf('\n'))
    expect(refused.stdout.split('\n').at(-1)).toBe('502')
    const error = JSON.parse(body).error
    expect(error.type).toBe('upstream_tls_failed')
    // The host's CAs are set in outbound.ca: the hint says so (there is no route whose ca to set).
    expect(error.hint).toContain('outbound.ca')
    expect(error.hint).not.toContain('route option ca')
    expect(seen).toEqual([])
    const withCa = await forwardProxy({ intercept: ['api.example.test'] })
    const accepted = await curl(['-x', withCa.url, '--cacert', await caFileOf(withCa), '-w', '\n%{http_code}', 'https://api.example.test/x'])
    expect(accepted.stdout.split('\n').at(-1)).toBe('200')
  })
})

describe('blind tunnels', () => {
  it('relays bytes untouched: the client sees the host\'s own certificate; one tunnel line with bytes each way', async () => {
    const proxy = await forwardProxy({ intercept: ['api.example.test'] })
    const ended = proxy.nextTransaction({ kind: 'tunnel' } as never)
    const got = await curl(['-x', proxy.url, '--cacert', fakeCaFile, 'https://other.example.test/blind'])
    expect(JSON.parse(got.stdout)).toMatchObject({ host: 'other.example.test', servername: 'other.example.test', url: '/blind' })
    const tunnel = await ended
    expect(tunnel).toMatchObject({ kind: 'tunnel', method: 'CONNECT', url: 'other.example.test:443', status: 200 })
    expect(tunnel.tunnel!.up).toBeGreaterThan(0)
    expect(tunnel.tunnel!.down).toBeGreaterThan(0)
    expect(['client-closed', 'upstream-closed']).toContain(tunnel.tunnel!.end)
    // Nothing of it was decrypted: no HTTP transaction for /blind.
    expect(proxy.transactions.filter((tx) => tx.kind === 'http')).toEqual([])
  })

  it('answers 502 with the JSON error when the host cannot be reached, never 200 then close', async () => {
    const closed = net.createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as net.AddressInfo).port
    await new Promise((r) => closed.close(r))
    const proxy = await forwardProxy({ forward: true, resolve: { 'gone.example.test': `127.0.0.1:${port}` } })
    const { head, body } = await connect(proxy, 'gone.example.test:443')
    expect(head).toMatch(/^HTTP\/1\.1 502/)
    expect(JSON.parse(body).error).toMatchObject({ type: 'upstream_connect_failed' })
  })

  it('refuses a CONNECT to the proxy\'s own address (a loop, 508)', async () => {
    const proxy = await forwardProxy({ forward: true })
    const { head, body } = await connect(proxy, `127.0.0.1:${proxy.port}`)
    expect(head).toMatch(/^HTTP\/1\.1 508/)
    expect(JSON.parse(body).error.type).toBe('loop_detected')
  })
})
