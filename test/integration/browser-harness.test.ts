/**
 * The browser harness on its own, without devproxy: a bare Node h2 server (ALPN h2 and
 * http/1.1) with a leaf from the local CA, and Chromium trusting that CA through its NSS
 * database. If these fail, the devproxy browser tests cannot say anything about devproxy.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import http2, { type Http2ServerRequest, type Http2ServerResponse } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openLocalCa, type OpenedLocalCa } from '../../src/tls/ca-store.js'
import { createLeafCache } from '../../src/tls/leaf-cache.js'
import { collectFailedRequests, describeInBrowser, launchBrowser, protocolsOf, saveScreenshot, trustingBrowser, type LaunchedBrowser } from '../helpers/browser.js'

const PAGE = `<!doctype html>
<html><head><title>harness</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/style.css"><script src="/app.js"></script></head>
<body><h1 id="status">script did not run</h1></body></html>`
const FILES: Record<string, { type: string; body: string }> = {
  '/': { type: 'text/html; charset=utf-8', body: PAGE },
  '/app.js': { type: 'text/javascript', body: `addEventListener('DOMContentLoaded', () => { document.getElementById('status').textContent = 'script ran' })` },
  '/style.css': { type: 'text/css', body: 'h1 { color: rebeccapurple }' },
}

describeInBrowser('browser harness: Chromium trusting the local CA through NSS, against a bare Node h2 server', () => {
  let dir: string
  let opened: OpenedLocalCa
  let server: http2.Http2SecureServer
  let origin: string
  let trusting: LaunchedBrowser
  /** `path HTTP-version` of each request the server answered. */
  const seen: string[] = []

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-browser-harness-'))
    opened = await openLocalCa({ dir: join(dir, 'data') })
    const leaves = createLeafCache(opened.ca)
    server = http2.createSecureServer({ allowHTTP1: true, ...(await leaves.serverOptions()) }, (req: Http2ServerRequest, res: Http2ServerResponse) => {
      seen.push(`${req.url} ${req.httpVersion}`)
      const file = FILES[req.url]
      if (file === undefined) return void res.writeHead(404).end()
      res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' }).end(file.body)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `https://app.localhost:${(server.address() as AddressInfo).port}`
    trusting = await trustingBrowser({ caPemFile: opened.files.certFile })
  })
  afterAll(async () => {
    await trusting?.close()
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
    await rm(dir, { recursive: true, force: true })
  })

  it('a page on https://app.localhost loads with no certificate error: TLS 1.3 (RFC 8446), certificate issued by the local CA', async () => {
    const page = await trusting.browser.newPage()
    const failed = collectFailedRequests(page)
    const response = await page.goto(`${origin}/`)
    expect(response?.status()).toBe(200)
    const security = await response?.securityDetails()
    expect(security?.protocol).toBe('TLS 1.3')
    expect(security?.issuer).toBe(opened.ca.subject.match(/CN=([^,]+)/)?.[1])
    expect(await page.textContent('#status')).toBe('script ran')
    expect(failed).toEqual([])
    const shot = await saveScreenshot(page, 'browser-harness-page')
    expect((await readFile(shot)).subarray(1, 4).toString()).toBe('PNG')
    await page.close()
  })

  it('the page and its subresources are fetched over h2, negotiated by ALPN (RFC 9113 §3.2)', async () => {
    const page = await trusting.browser.newPage()
    seen.length = 0
    await page.goto(`${origin}/`)
    expect(await protocolsOf(page)).toEqual({ navigation: 'h2', resources: { '/style.css': 'h2', '/app.js': 'h2' } })
    expect(seen.sort()).toEqual(['/ 2.0', '/app.js 2.0', '/style.css 2.0'])
    await page.close()
  })

  it('a browser without the CA in its NSS database refuses the same page (the trust is the NSS database, not a skipped check)', async () => {
    const untrusting = await launchBrowser({ trust: [] })
    try {
      const page = await untrusting.browser.newPage()
      await expect(page.goto(`${origin}/`)).rejects.toThrow(/net::ERR_CERT_AUTHORITY_INVALID/)
    } finally {
      await untrusting.close()
    }
  })
})
