/**
 * Issue 30: Chromium set to use devproxy as its proxy (`--proxy-server`), trusting only the
 * intercept CA (through its NSS database, as `devproxy trust --intercept` makes a user's), loads
 * a page from a fake "external" site with its own CA: the tunnel is intercepted (the page's
 * certificate is devproxy's leaf, which Chromium accepts, and HTTP/2 is spoken inside the tunnel,
 * ALPN h2 as RFC 9113 §3.2 has it), the proxy reaches the site over TLS verified with the site's
 * CA (`outbound.ca`), and the page's calls are transactions the inspector shows.
 * Screenshot: test-artifacts/outbound-page.png.
 */
import http2 from 'node:http2'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startProxy, type StartedProxy } from '../../src/index.js'
import { createLocalCa, issueLeafCertificate } from '../../src/tls/local-ca.js'
import { collectFailedRequests, describeInBrowser, launchBrowser, protocolsOf, saveScreenshot, type LaunchedBrowser } from '../helpers/browser.js'
import { sessionHeaders, signIn } from '../helpers/inspector.js'
import { request } from '../helpers/servers.js'

const SITE = 'shop.example.test'
const STEP_MS = 30_000

const PAGE = `<!doctype html><meta charset="utf-8"><title>shop</title>
<h1>Shop</h1><p id="out">loading…</p>
<script>fetch('/api/cart').then((r) => r.json()).then((cart) => { document.getElementById('out').textContent = 'cart: ' + cart.items.join(', ') })</script>`

describeInBrowser('Chromium through devproxy as its proxy: an intercepted site, h2 in the tunnel, its calls in the inspector (issue 30)', () => {
  let dir: string
  const dataDirBefore = process.env.DEVPROXY_DATA_DIR
  let site: http2.Http2SecureServer
  let proxy: StartedProxy
  let launched: LaunchedBrowser
  let browser: Browser
  const seenBySite: Array<{ path: string; host: string | undefined; servername: string | undefined }> = []

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-browser-outbound-'))
    process.env.DEVPROXY_DATA_DIR = join(dir, 'data')
    // The "external" site: its own CA, which neither Chromium nor the system trusts.
    const { ca } = await createLocalCa({ hosts: [SITE], owner: 'a fake external site' })
    const leaf = await issueLeafCertificate(ca, SITE)
    await writeFile(join(dir, 'site-ca.pem'), ca.certPem)
    site = http2.createSecureServer({ allowHTTP1: true, cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
      const socket = req.socket as unknown as { servername?: string }
      seenBySite.push({ path: req.url, host: req.headers[':authority'] ?? req.headers.host, servername: socket.servername })
      if (req.url === '/api/cart') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: ['tea', 'cups'] }))
      } else {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE)
      }
    })
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
    const sitePort = (site.address() as AddressInfo).port
    const config = join(dir, 'proxy.config.mjs')
    await writeFile(
      config,
      `export default { routes: [], outbound: { intercept: [${JSON.stringify(SITE)}], resolve: { ${JSON.stringify(SITE)}: '127.0.0.1:${sitePort}' }, ca: ['site-ca.pem'] } }\n`,
    )
    proxy = await startProxy({ config, inspector: true })
    expect(proxy.interceptCaPath).toBeDefined()
    launched = await launchBrowser({ trust: [proxy.interceptCaPath!], args: [`--proxy-server=${proxy.url}`] })
    browser = launched.browser
  }, 60_000)

  afterAll(async () => {
    await launched?.close()
    await proxy?.close()
    await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()))
    process.env.DEVPROXY_DATA_DIR = dataDirBefore
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('loads the page over h2 inside the tunnel, its call answered by the site, both seen by devproxy and its inspector', async () => {
    const context = await browser.newContext()
    const page: Page = await context.newPage()
    const failed = collectFailedRequests(page)
    const cart = proxy.nextTransaction({ path: '/api/cart' }, { timeoutMs: STEP_MS })
    await page.goto(`https://${SITE}/`, { timeout: STEP_MS })
    await page.locator('#out').filter({ hasText: 'cart: tea, cups' }).waitFor({ timeout: STEP_MS })
    expect(failed).toEqual([])
    // Chromium spoke HTTP/2 to devproxy's leaf inside the CONNECT tunnel.
    expect((await protocolsOf(page)).navigation).toBe('h2')
    await saveScreenshot(page, 'outbound-page')

    const tx = await cart
    expect(tx.status).toBe(200)
    expect(tx.method).toBe('GET')
    // The site was reached under its own name (SNI and Host), at the address `resolve` gave.
    expect(seenBySite).toContainEqual({ path: '/api/cart', host: SITE, servername: SITE })

    const login = proxy.inspectorUrl!
    const origin = new URL(login).origin
    const session = await signIn(login)
    const detail = await request(`${origin}/v1/inspector/transactions/${tx.id}`, { headers: sessionHeaders(session, origin) })
    expect(detail.status).toBe(200)
    expect(JSON.stringify(detail.json())).toContain('/api/cart')
    await context.close()
  }, 90_000)
})
