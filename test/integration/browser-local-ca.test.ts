/**
 * The local CA's constraints in a real Chromium that trusts it (as `devproxy trust` makes a
 * user's NSS database): a leaf the CA issued loads, and a leaf forged with the CA's key for a
 * real site, in any name form a certificate can carry (RFC 5280 §4.2.1.6, §4.2.1.10), does not.
 */
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openLocalCa, type OpenedLocalCa } from '../../src/tls/ca-store.js'
import { issueLeafCertificate } from '../../src/tls/local-ca.js'
import { describeInBrowser, launchBrowser, type LaunchedBrowser } from '../helpers/browser.js'
import { FORGERIES, forgeLeaf } from '../helpers/forged-leaf.js'

describeInBrowser('the local CA in Chromium', () => {
  let dir: string
  let opened: OpenedLocalCa
  let browser: LaunchedBrowser
  const servers: https.Server[] = []

  /** An HTTPS server on 127.0.0.1:0 presenting this certificate; its port. */
  async function serve(leaf: { certPem: string; keyPem: string }): Promise<number> {
    const server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('served'))
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return (server.address() as AddressInfo).port
  }

  /** What Chromium makes of https://host:port/: the status, or the net error it failed with. */
  async function visit(host: string, port: number): Promise<string> {
    const page = await browser.browser.newPage()
    try {
      const response = await page.goto(`https://${host}:${port}/`)
      return String(response?.status())
    } catch (error) {
      return /net::ERR_[A-Z_]+/.exec((error as Error).message)?.[0] ?? (error as Error).message
    } finally {
      await page.close()
    }
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-browser-ca-'))
    opened = await openLocalCa({ dir: join(dir, 'data') })
    // *.localhost is loopback in Chromium by itself; the real site is mapped to the forger's server.
    browser = await launchBrowser({ trust: [opened.files.certFile], args: ['--host-resolver-rules=MAP www.google.com 127.0.0.1'] })
  })
  afterAll(async () => {
    await browser?.close()
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
    await rm(dir, { recursive: true, force: true })
  })

  it('a leaf the CA issued loads: 200', async () => {
    const port = await serve(await issueLeafCertificate(opened.ca, 'app.localhost'))
    expect(await visit('app.localhost', port)).toBe('200')
  })

  it.each(FORGERIES)('a forged leaf with $name does not load: $chromium', async ({ forgery, host, chromium }) => {
    const port = await serve(await forgeLeaf(opened.files, forgery))
    expect(await visit(host, port)).toBe(chromium)
  })
})
