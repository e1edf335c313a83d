/**
 * `devproxy start --https` in a real Chromium, run as a user runs it: the CLI on port 0 with
 * its local CA in DEVPROXY_DATA_DIR, the browser trusting that CA through its NSS database (as
 * `devproxy trust` would), the app on https://app.localhost:PORT in front of a plain HTTP/1.1
 * upstream with a WebSocket endpoint, like a Vite dev server with its HMR socket.
 */
import { createHash } from 'node:crypto'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { WebSocketServer, type RawData } from 'ws'
import { collectFailedRequests, describeInBrowser, protocolsOf, saveScreenshot, trustingBrowser, type LaunchedBrowser } from '../helpers/browser.js'
import { spawnCli, type RunningCli } from '../helpers/cli.js'
import { startUpstream, type TestUpstream } from '../helpers/servers.js'

const LISTENING = /listening on https:\/\/127\.0\.0\.1:(\d+)/
const UPLOAD_BYTES = 1024 * 1024

const PAGE = `<!doctype html>
<html><head><title>devproxy --https</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/style.css"><script type="module" src="/main.js"></script></head>
<body><h1 id="status">module did not run</h1><img src="/logo.svg" alt="logo" width="64" height="64"></body></html>`
const FILES: Record<string, { type: string; body: string }> = {
  '/': { type: 'text/html; charset=utf-8', body: PAGE },
  '/main.js': { type: 'text/javascript', body: `import { label } from '/label.js'\ndocument.getElementById('status').textContent = label` },
  '/label.js': { type: 'text/javascript', body: `export const label = 'served by devproxy over ' + performance.getEntriesByType('navigation')[0].nextHopProtocol` },
  '/style.css': { type: 'text/css', body: 'h1 { color: rebeccapurple; font-family: sans-serif }' },
  '/logo.svg': { type: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="teal"/></svg>' },
}

/** The page's document, for the functions run in it (the project compiles without the DOM lib). */
declare const document: { getElementById(id: string): { textContent: string | null } | null }

/** What the upstream saw of one request. */
interface Arrival {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly bodyBytes: number
  readonly bodySha256: string
}

describeInBrowser('devproxy start --https in Chromium', () => {
  let dir: string
  let upstream: TestUpstream
  let wss: WebSocketServer
  let cli: RunningCli
  let trusting: LaunchedBrowser
  let origin: string
  const arrivals: Arrival[] = []
  /** Messages the upstream WebSocket server received, as text. */
  const socketMessages: string[] = []

  /** Serves FILES; answers POST /upload with the size and SHA-256 of the body it received. */
  function app(req: IncomingMessage, res: ServerResponse): void {
    const hash = createHash('sha256')
    let bodyBytes = 0
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk)
      bodyBytes += chunk.length
    })
    req.on('end', () => {
      const arrival = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes, bodySha256: hash.digest('hex') }
      arrivals.push(arrival)
      if (req.method === 'POST' && req.url === '/upload') {
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ bytes: bodyBytes, sha256: arrival.bodySha256 }))
      }
      const file = FILES[req.url ?? '']
      if (file === undefined) return void res.writeHead(404).end()
      res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' }).end(file.body)
    })
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-browser-https-'))
    upstream = await startUpstream(app)
    wss = new WebSocketServer({ server: upstream.server, handleProtocols: (protocols) => (protocols.has('vite-hmr') ? 'vite-hmr' : false) })
    wss.on('connection', (ws) => {
      ws.on('message', (data: RawData, isBinary: boolean) => {
        socketMessages.push(data.toString())
        ws.send(data, { binary: isBinary })
      })
    })
    const config = join(dir, 'proxy.config.ts')
    await writeFile(config, `export default { routes: [{ name: 'app', path: '/', host: 'app.localhost', target: '${upstream.url}' }] }\n`)
    const dataDir = join(dir, 'data')
    cli = spawnCli(['start', '--https', '--port', '0', '--config', config, '--no-watch'], { cwd: dir, env: { DEVPROXY_DATA_DIR: dataDir } })
    const [, port] = await cli.waitFor(LISTENING)
    origin = `https://app.localhost:${port}`
    // devproxy made its CA on start; the browser trusts the file it wrote, as `devproxy trust` installs it.
    trusting = await trustingBrowser({ caPemFile: join(dataDir, 'ca.pem') })
  })
  afterAll(async () => {
    await trusting?.close()
    if (cli !== undefined && cli.child.exitCode === null) {
      cli.child.kill('SIGINT')
      await cli.exited
    }
    for (const client of wss?.clients ?? []) client.terminate()
    wss?.close()
    await upstream?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('the page on https://app.localhost loads with no certificate error: TLS 1.3 (RFC 8446), a leaf from the CA in DEVPROXY_DATA_DIR', async () => {
    const page = await trusting.browser.newPage()
    const failed = collectFailedRequests(page)
    const response = await page.goto(`${origin}/`)
    expect(response?.status()).toBe(200)
    const security = await response?.securityDetails()
    expect(security?.protocol).toBe('TLS 1.3')
    expect(security?.issuer).toMatch(/^devproxy local CA \(/)
    await page.waitForFunction(() => document.getElementById('status')?.textContent !== 'module did not run')
    expect(await page.textContent('#status')).toBe('served by devproxy over h2')
    expect(failed).toEqual([])
    await saveScreenshot(page, 'browser-https-page')
    await page.close()
  })

  it('the document and every subresource come over h2 (ALPN, RFC 9113 §3.2), and the upstream sees the :authority as Host (RFC 9113 §8.3.1)', async () => {
    const page = await trusting.browser.newPage()
    arrivals.length = 0
    await page.goto(`${origin}/`)
    await page.waitForFunction(() => document.getElementById('status')?.textContent !== 'module did not run')
    expect(await protocolsOf(page)).toEqual({
      navigation: 'h2',
      resources: { '/style.css': 'h2', '/main.js': 'h2', '/label.js': 'h2', '/logo.svg': 'h2' },
    })
    expect(arrivals.map((arrival) => arrival.url).sort()).toEqual(['/', '/label.js', '/logo.svg', '/main.js', '/style.css'])
    for (const arrival of arrivals) expect(arrival.headers.host).toBe(new URL(origin).host)
    await page.close()
  })

  it('a WebSocket from the page (wss://, RFC 6455; RFC 8441 if the proxy offers it over h2) echoes through the proxy with its subprotocol', async () => {
    const page = await trusting.browser.newPage()
    await page.goto(`${origin}/`)
    socketMessages.length = 0
    const result = await page.evaluate(async (url) => {
      const socket = new WebSocket(url, 'vite-hmr')
      const replies: string[] = []
      const big = 'x'.repeat(200_000)
      await new Promise((resolve, reject) => {
        socket.onopen = resolve
        socket.onerror = () => reject(new Error('the WebSocket did not open'))
      })
      const done = new Promise<void>((resolve, reject) => {
        socket.onmessage = (event) => {
          replies.push(event.data as string)
          if (replies.length === 2) resolve()
        }
        socket.onclose = (event) => reject(new Error(`closed early (${event.code})`))
      })
      socket.send('{"type":"ping"}')
      socket.send(big)
      await done
      socket.onclose = null
      socket.close()
      return { protocol: socket.protocol, first: replies[0], secondIsBig: replies[1] === big }
    }, `${origin.replace('https:', 'wss:')}/hmr`)
    expect(result).toEqual({ protocol: 'vite-hmr', first: '{"type":"ping"}', secondIsBig: true })
    expect(socketMessages.map((message) => message.length)).toEqual([15, 200_000])
    await page.close()
  })

  it('a 1 MiB POST body from fetch() in the page arrives byte for byte, over h2 DATA frames past the flow-control window (RFC 9113 §6.9, §8.1)', async () => {
    const page = await trusting.browser.newPage()
    await page.goto(`${origin}/`)
    arrivals.length = 0
    const result = await page.evaluate(async (size) => {
      // Every byte different from its neighbours, so a lost, repeated or reordered chunk changes the hash.
      const body = new Uint8Array(size)
      for (let i = 0, x = 1; i < size; i++) body[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body))
      const response = await fetch('/upload', { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } })
      const received = await response.json()
      // The Resource Timing entry is queued once the response has ended, not when fetch() resolves.
      const protocol = await new Promise<string>((resolve) => {
        new PerformanceObserver((list, observer) => {
          const entry = list.getEntries().find((candidate) => candidate.name.endsWith('/upload'))
          if (entry === undefined) return
          observer.disconnect()
          resolve((entry as unknown as { nextHopProtocol: string }).nextHopProtocol)
        }).observe({ type: 'resource', buffered: true })
      })
      return { sent: Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join(''), status: response.status, received, protocol }
    }, UPLOAD_BYTES)
    expect(result.status).toBe(200)
    expect(result.protocol).toBe('h2')
    expect(result.received).toEqual({ bytes: UPLOAD_BYTES, sha256: result.sent })
    const upload = arrivals.find((arrival) => arrival.url === '/upload')
    expect(upload).toMatchObject({ method: 'POST', bodyBytes: UPLOAD_BYTES, bodySha256: result.sent })
    expect(upload?.headers['content-type']).toBe('application/octet-stream')
    await page.close()
  })
})
