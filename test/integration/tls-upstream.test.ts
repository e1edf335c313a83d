/**
 * https:// targets with a dev server's own certificate (mkcert, a self-signed one): real
 * HTTPS upstreams on port 0 serving test/fixtures/tls/localhost.pem (signed by the test CA
 * ca.pem, which nothing trusts by default), a real proxy and real clients.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer, type RawData } from 'ws'
import type { ReloadEvent } from '../../src/config/live-reload.js'
import { startLiveReload } from '../../src/features.js'
import { loadConfig } from '../../src/features.js'
import type { UserRoute } from '../../src/config/types.js'
import { deferred, within } from '../helpers/wait.js'
import { request, startRawUpstream, startTestProxy, startTestProxyWith, startTlsUpstream, startUpstream, type SimpleResponse, type TestProxy, type TestUpstream } from '../helpers/servers.js'

const CA = fileURLToPath(new URL('../fixtures/tls/ca.pem', import.meta.url))

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Answers with how it was reached, so a test sees the request went through TLS. */
function greet(req: IncomingMessage, res: ServerResponse): void {
  const body = JSON.stringify({ tls: 'encrypted' in req.socket, url: req.url })
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

let tlsUpstream: TestUpstream
let plainUpstream: TestUpstream
let wss: WebSocketServer
beforeAll(async () => {
  tlsUpstream = await startTlsUpstream(greet)
  plainUpstream = await startUpstream(greet)
  // WebSocket upgrades on the same HTTPS server, like a dev server's HMR socket: an echo.
  wss = new WebSocketServer({ server: tlsUpstream.server })
  wss.on('connection', (ws) => ws.on('message', (data: RawData, isBinary: boolean) => ws.send(data, { binary: isBinary })))
})
afterAll(async () => {
  for (const client of wss.clients) client.terminate()
  wss.close()
  await tlsUpstream.close()
  await plainUpstream.close()
})

/** A proxy with the route under test at /api and a plain http:// route at / to show it still serves. */
async function proxyTo(target: string, route: Partial<UserRoute> = {}): Promise<TestProxy> {
  const proxy = await startTestProxy({
    routes: [
      { name: 'api', path: '/api', target, ...route },
      { name: 'web', path: '/', target: plainUpstream.url },
    ],
  })
  cleanups.push(() => proxy.close(0))
  return proxy
}

function expectTlsFailure(response: SimpleResponse, target: string) {
  expect(response.status).toBe(502)
  expect(response.headers['x-devproxy-error']).toBe('upstream_tls_failed')
  const { error } = response.json()
  expect(error).toMatchObject({ type: 'upstream_tls_failed', route: 'api', target, attempts: 1 })
  return error as { message: string; hint: string }
}

/** The proxy answers on after a TLS failure: its other route, and the failing one again. */
async function expectStillServing(proxy: TestProxy) {
  const other = await request(`${proxy.url}/other`)
  expect(other.status).toBe(200)
  expect(other.json()).toEqual({ tls: false, url: '/other' })
}

describe('an https:// target whose certificate nothing trusts', () => {
  it('by default: 502 upstream_tls_failed naming the certificate problem, and a hint at ca / secure: false', async () => {
    const proxy = await proxyTo(tlsUpstream.url)
    const error = expectTlsFailure(await request(`${proxy.url}/api/x`), tlsUpstream.url)
    expect(error.message).toBe(`the TLS handshake with ${tlsUpstream.url} failed: certificate signed by an unknown CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`)
    expect(error.hint).toContain('ca: "path/to/rootCA.pem"')
    expect(error.hint).toContain('$(mkcert -CAROOT)/rootCA.pem')
    expect(error.hint).toContain('secure: false')
    const tx = proxy.transactions.at(-1)!
    expect(tx.attempts.map((a) => [a.outcome, a.errorCode])).toEqual([['tls', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']])
    await expectStillServing(proxy)
    // The failure is the certificate's, every time: not cached as a good connection.
    expectTlsFailure(await request(`${proxy.url}/api/again`), tlsUpstream.url)
  })

  it('is not retried: the same certificate would fail the same way', async () => {
    const proxy = await proxyTo(tlsUpstream.url, { retry: { attempts: 3, on: ['connect-failure', 'reset', 'timeout', '5xx'], baseMs: 0 } })
    expectTlsFailure(await request(`${proxy.url}/api/x`), tlsUpstream.url)
    await expectStillServing(proxy)
  })

  it('with ca: the CA file, the request goes through over TLS (and the connection is pooled)', async () => {
    const proxy = await proxyTo(tlsUpstream.url, { ca: CA })
    const agent = new http.Agent({ keepAlive: true })
    cleanups.push(() => agent.destroy())
    const before = tlsUpstream.connections()
    for (const path of ['/api/one', '/api/two']) {
      const response = await request(`${proxy.url}${path}`, { agent })
      expect(response.status).toBe(200)
      expect(response.json()).toEqual({ tls: true, url: path })
    }
    expect(tlsUpstream.connections() - before).toBe(1)
    await expectStillServing(proxy)
  })

  it('with ca: the certificate is checked against the target host, not the Host the client sent', async () => {
    const proxy = await proxyTo(tlsUpstream.url, { ca: CA })
    // The certificate lists localhost and 127.0.0.1, not app.localhost.
    const response = await request(`${proxy.url}/api/x`, { headers: { host: 'app.localhost:8080' } })
    expect(response.status).toBe(200)
    expect(response.json()).toEqual({ tls: true, url: '/api/x' })
  })

  it('with secure: false, any certificate is accepted', async () => {
    const proxy = await proxyTo(tlsUpstream.url, { secure: false })
    const response = await request(`${proxy.url}/api/x`)
    expect(response.status).toBe(200)
    expect(response.json()).toEqual({ tls: true, url: '/api/x' })
    await expectStillServing(proxy)
  })

  it('two routes to the same origin keep their own TLS settings', async () => {
    const proxy = await startTestProxy({
      routes: [
        { name: 'trusting', path: '/trusting', target: tlsUpstream.url, ca: CA },
        { name: 'api', path: '/api', target: tlsUpstream.url },
      ],
    })
    cleanups.push(() => proxy.close(0))
    expect((await request(`${proxy.url}/trusting/x`)).status).toBe(200)
    expectTlsFailure(await request(`${proxy.url}/api/x`), tlsUpstream.url)
    expect((await request(`${proxy.url}/trusting/y`)).status).toBe(200)
  })
})

describe('WebSocket upgrades to an https:// target (wss://)', () => {
  /** Opens a WebSocket through the proxy: the echo of one message, or the HTTP answer that refused it. */
  function openThrough(proxy: TestProxy, headers: Record<string, string> = {}): Promise<{ echo: string } | { status: number; errorType: string | undefined; body: string }> {
    return new Promise((resolve, reject) => {
      const client = new WebSocket(`${proxy.url.replace('http:', 'ws:')}/api/hmr`, { headers })
      cleanups.push(() => client.terminate())
      client.once('open', () => client.send('ping'))
      client.once('message', (data: RawData) => resolve({ echo: data.toString() }))
      client.once('unexpected-response', (_req, res) => {
        let body = ''
        res.on('data', (chunk: Buffer) => (body += chunk.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, errorType: res.headers['x-devproxy-error'] as string | undefined, body }))
      })
      client.once('error', reject)
    })
  }

  it('with ca: the upgrade goes through, the certificate checked against the target host', async () => {
    const proxy = await proxyTo(tlsUpstream.url, { ca: CA })
    expect(await openThrough(proxy)).toEqual({ echo: 'ping' })
    // The certificate lists localhost and 127.0.0.1, not app.localhost.
    expect(await openThrough(proxy, { host: 'app.localhost:8080' })).toEqual({ echo: 'ping' })
  })

  it('with secure: false: the upgrade goes through', async () => {
    const proxy = await proxyTo(tlsUpstream.url, { secure: false })
    expect(await openThrough(proxy)).toEqual({ echo: 'ping' })
  })

  it('by default: 502 upstream_tls_failed naming the certificate problem', async () => {
    const proxy = await proxyTo(tlsUpstream.url)
    const answer = await openThrough(proxy)
    expect(answer).toMatchObject({ status: 502, errorType: 'upstream_tls_failed' })
    expect(JSON.parse((answer as { body: string }).body).error.message).toContain('certificate signed by an unknown CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE)')
    await expectStillServing(proxy)
  })
})

describe('an https:// target that does not speak TLS', () => {
  it('a plain HTTP port: 502 upstream_tls_failed, "use http://"', async () => {
    const target = `https://127.0.0.1:${plainUpstream.port}`
    const proxy = await proxyTo(target)
    const error = expectTlsFailure(await request(`${proxy.url}/api/x`), target)
    expect(error.message).toBe(`the TLS handshake with ${target} failed: the target answered without TLS (ERR_SSL_WRONG_VERSION_NUMBER)`)
    expect(error.hint).toBe('The target port speaks plain HTTP: use http:// for it, not https://.')
    await expectStillServing(proxy)
  })

  it('a port that closes the connection during the handshake: 502 upstream_tls_failed, not "the upstream crashed"', async () => {
    const closer = await startRawUpstream((socket) => socket.destroy())
    cleanups.push(() => closer.close())
    const target = `https://127.0.0.1:${closer.port}`
    const proxy = await proxyTo(target)
    const error = expectTlsFailure(await request(`${proxy.url}/api/x`), target)
    expect(error.message).toBe(`${target} closed the connection during the TLS handshake (ECONNRESET)`)
    expect(error.hint).toContain('serving TLS')
    await expectStillServing(proxy)
  })
})

describe('reloading a config whose ca cannot be read', () => {
  it('reports the edit as invalid, naming routes[0].ca, and keeps serving the last good config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devproxy-tls-reload-'))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    await copyFile(CA, join(dir, 'rootCA.pem'))
    const file = join(dir, 'proxy.config.ts')
    const source = (ca: string) => `export default { port: 0, routes: [{ name: 'api', path: '/', target: ${JSON.stringify(tlsUpstream.url)}, ca: ${JSON.stringify(ca)} }] }\n`
    await writeFile(file, source('rootCA.pem'))

    const loaded = await loadConfig(file, dir)
    expect(loaded.config.routes[0]!.tls.caFile).toBe('rootCA.pem')
    const proxy = await startTestProxyWith({ config: file })
    cleanups.push(() => proxy.close(0))
    const invalid = deferred<ReloadEvent>()
    const reloaded: ReloadEvent[] = []
    const watcher = await startLiveReload({
      file,
      files: loaded.files,
      cwd: dir,
      current: () => proxy.engine.state.config,
      swap: (next) => proxy.engine.swap(next),
      // A watcher may still see the first write and reload the same config: only the invalid edit counts.
      report: (event) => (event.type === 'invalid' ? invalid.resolve(event) : reloaded.push(event)),
    })
    cleanups.push(() => watcher.close())

    await writeFile(file, source('missing.pem'))
    const event = await within(5_000, invalid.promise, 'the reload report')
    expect(event.type).toBe('invalid')
    expect((event as { error: Error }).error.message).toBe(
      `proxy.config.ts: routes[0].ca cannot read ${join(dir, 'missing.pem')}: no such file or directory (ENOENT)\n` +
        `  → ca is a PEM file of CA certificates, relative to ${dir}; for mkcert, it is the file printed by: echo "$(mkcert -CAROOT)/rootCA.pem"`,
    )
    expect(reloaded.flatMap((e) => (e.type === 'reloaded' ? e.changes : []))).toEqual([])
    expect(proxy.engine.state.config.routes[0]!.tls).toEqual(loaded.config.routes[0]!.tls)
    const response = await request(`${proxy.url}/x`)
    expect(response.status).toBe(200)
    expect(response.json()).toEqual({ tls: true, url: '/x' })
  })
})
