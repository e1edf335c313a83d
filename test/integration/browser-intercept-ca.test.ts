/**
 * The intercept CA's constraints in a real Chromium that trusts it through its NSS database (as
 * `devproxy trust --intercept` makes a user's): leaves for the listed names load, and a leaf
 * forged with the CA's key for any name outside the list, in any name form a certificate can
 * carry (RFC 5280 §4.2.1.6, §4.2.1.10), does not — including the base name of a wildcard
 * (`openai.com` under `.openai.com`: Chromium reads the leading dot as subdomains only) and a
 * subdomain of an exact name (the excluded subtree).
 */
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { interceptCaFiles, openInterceptCa, type OpenedInterceptCa } from '../../src/tls/intercept-ca.js'
import { issueLeafCertificate } from '../../src/tls/local-ca.js'
import { describeInBrowser, launchBrowser, type LaunchedBrowser } from '../helpers/browser.js'
import { INTERCEPT_ACCEPTED, INTERCEPT_FORGERIES, INTERCEPT_HOSTS, forgeLeaf } from '../helpers/forged-leaf.js'

describeInBrowser('the intercept CA in Chromium', () => {
  let dir: string
  let opened: OpenedInterceptCa
  let browser: LaunchedBrowser
  const servers: https.Server[] = []

  /** An HTTPS server on 127.0.0.1:0 presenting this certificate; its port. */
  async function serve(leaf: { certPem: string; keyPem: string }): Promise<number> {
    const server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('served'))
    server.on('tlsClientError', () => {})
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
    dir = await mkdtemp(join(tmpdir(), 'devproxy-browser-intercept-'))
    opened = await openInterceptCa({ hosts: INTERCEPT_HOSTS, dir: join(dir, 'data') })
    // Every name the tests visit, real or not, reaches the test's own servers on 127.0.0.1.
    browser = await launchBrowser({ trust: [opened.certPath], args: ['--host-resolver-rules=MAP * 127.0.0.1'] })
  })
  afterAll(async () => {
    await browser?.close()
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
    await rm(dir, { recursive: true, force: true })
  })

  it.each(INTERCEPT_ACCEPTED)('a leaf the CA issued for %s loads: 200', async (host) => {
    const port = await serve(await issueLeafCertificate(opened.ca, host))
    expect(await visit(host, port)).toBe('200')
  })

  it.each(INTERCEPT_ACCEPTED)('a leaf forged with its key for %s, inside the list, loads: 200 (the constraint is what refuses the others)', async (host) => {
    const port = await serve(await forgeLeaf(interceptCaFiles(join(dir, 'data')), host))
    expect(await visit(host, port)).toBe('200')
  })

  it.each(INTERCEPT_FORGERIES)('a forged leaf for $name does not load: $chromium', async ({ forgery, host, chromium }) => {
    const port = await serve(await forgeLeaf(interceptCaFiles(join(dir, 'data')), forgery))
    expect(await visit(host, port)).toBe(chromium)
  })
})
