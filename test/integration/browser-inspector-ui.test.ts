/**
 * The built inspector UI (dist/inspector-ui, `npm run build`) in a real Chromium, as issue 20
 * asks: open the link, watch requests made with curl appear live, open one and see its header
 * diff, add a fault in the UI and see the next request fail with it, remove it, download a HAR
 * that har-validator accepts. Nothing from traffic is rendered as markup: a response body
 * holding <script> shows as text. Screenshots go to test-artifacts/.
 */
import { execFile } from 'node:child_process'
import http from 'node:http'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startControlServer, type ControlServer } from '../../src/start-control.js'
import { describeInBrowser, launchBrowser, saveScreenshot, type LaunchedBrowser } from '../helpers/browser.js'
import { request, startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'

const validateHar = createRequire(import.meta.url)('har-validator').har as (har: unknown) => Promise<unknown>
const execFileAsync = promisify(execFile)

const XSS_SCRIPT = '<script>window.__xss = 1</script>'
const XSS_BODY = `${XSS_SCRIPT}<b>bold</b>`
/** Generous: a loaded 2-core machine runs this. */
const STEP_MS = 20_000
const TEST_MS = 60_000

/** One request with the real curl, through the proxy: its status and body. */
async function curl(url: string): Promise<{ status: number; body: string }> {
  const { stdout } = await execFileAsync('curl', ['-sS', '--max-time', '20', '-w', '\n%{http_code}', url])
  const cut = stdout.lastIndexOf('\n')
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) }
}

describeInBrowser('the inspector UI in Chromium (issue 20)', () => {
  let launched: LaunchedBrowser
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let upstream: TestUpstream
  let proxy: TestProxy
  let control: ControlServer
  let stateDir: string
  const screenshots: string[] = []
  /** A row of the list, by the path it shows (each test uses its own query string). */
  const row = (path: string) => page.locator('[data-testid="tx-row"]', { hasText: path })

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'devproxy-inspector-ui-'))
    upstream = await startUpstream((req, res) => {
      if (req.url?.startsWith('/api/xss')) return void res.writeHead(200, { 'content-type': 'text/html' }).end(XSS_BODY)
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: req.url, seen: req.headers['x-env'] ?? null }))
    })
    // The request header rule gives the header diff an `added` row.
    proxy = await startTestProxy({ routes: [{ name: 'api', path: '/api', target: upstream.url, headers: { request: { 'x-env': 'dev' } } }] })
    // No inspectorUiDir: the built UI of the package (dist/inspector-ui), as `devproxy start` serves it.
    control = await startControlServer({ engine: proxy.engine, faults: proxy.faults, proxyUrl: proxy.url, stateDir })
    launched = await launchBrowser()
    browser = launched.browser
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 900 } })
    page = await context.newPage()
  }, TEST_MS)
  afterAll(async () => {
    await context?.close()
    await launched?.close()
    await control?.close()
    await proxy?.close(0)
    await upstream?.close()
    if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true })
    if (screenshots.length > 0) process.stderr.write(`inspector UI screenshots:\n${screenshots.map((file) => `  ${file}\n`).join('')}`)
  })

  it('the printed link signs in and lands on /inspector/, the token gone from the address bar', async () => {
    await page.goto(control.inspectorUrl())
    // The built UI rendered: its list is there, and its live feed is up (the event stream).
    await page.locator('[data-testid="tx-list"]').waitFor({ timeout: STEP_MS })
    await page.locator('[data-testid="connection"].connection-live').waitFor({ timeout: STEP_MS })
    // Issues 20, 27: the page traded the one-time token for a session and took it out of the address bar.
    expect(page.url()).toBe(`${control.url}/inspector/`)
  }, TEST_MS)

  it('requests made with curl appear live in the list', async () => {
    const a = await curl(`${proxy.url}/api/hello?live=a`)
    const b = await curl(`${proxy.url}/api/hello?live=b`)
    expect([a.status, b.status]).toEqual([200, 200])
    // Issue 20 "watch requests made with curl appear live": the page was open before they were
    // sent, so the rows came over the event stream, not with the page.
    for (const path of ['/api/hello?live=a', '/api/hello?live=b']) {
      await row(path).waitFor({ timeout: STEP_MS })
      await expect(row(path).locator('.num').first().textContent()).resolves.toBe('200')
    }
  }, TEST_MS)

  it("a row opened: the header diff shows the route's added request header", async () => {
    await row('/api/hello?live=a').click()
    const detail = page.locator('[data-testid="tx-detail"]')
    // Issue 20 "open one and see its header diff": x-env was added by the route's rule, so the
    // request table has it as an `added` row, nothing before and `dev` forwarded.
    const added = detail.locator('[data-testid="headers-request"] tr[data-change="added"]', { hasText: 'x-env' })
    await added.waitFor({ timeout: STEP_MS })
    expect(await added.locator('td.name').textContent()).toBe('x-env')
    expect(await added.locator('td.before').textContent()).toBe('')
    expect(await added.locator('td.after').textContent()).toBe('dev')
    // Headers the client sent and the proxy kept are `same` rows (curl's user-agent).
    await expect(detail.locator('[data-testid="headers-request"] tr[data-change="same"]', { hasText: 'user-agent' }).count()).resolves.toBe(1)
    await detail.locator('[data-testid="headers-response"]').waitFor({ timeout: STEP_MS })
    screenshots.push(await saveScreenshot(page, 'inspector-detail'))
  }, TEST_MS)

  it('a text/html body holding <script> shows as text: nothing runs, no element is made of it', async () => {
    const sent = await curl(`${proxy.url}/api/xss?ui=1`)
    expect(sent).toEqual({ status: 200, body: XSS_BODY })
    await row('/api/xss?ui=1').waitFor({ timeout: STEP_MS })
    await row('/api/xss?ui=1').click()
    const body = page.locator('[data-testid="tx-detail"] [data-testid="response-body"]')
    await body.locator('pre.body-text').waitFor({ timeout: STEP_MS })
    // Issue 20 "nothing from traffic is ever rendered as markup": the literal characters are there…
    expect(await body.textContent()).toContain(XSS_SCRIPT)
    expect(await body.locator('pre.body-text').textContent()).toBe(XSS_BODY)
    // …the script never ran, and neither <b> nor <script> became an element.
    expect(await page.evaluate(() => (globalThis as any).__xss)).toBeUndefined()
    expect(await body.locator('b').count()).toBe(0)
    expect(await body.locator('script').count()).toBe(0)
    await body.scrollIntoViewIfNeeded()
    screenshots.push(await saveScreenshot(page, 'inspector-xss'))
  }, TEST_MS)

  it('a fault added in the UI fails the next request and tags its row; removed, requests pass again', async () => {
    // `devproxy fault` vocabulary (README, src/faults/parse.ts): a kind, its rate, options.
    await page.locator('[data-testid="fault-input"]').fill('5xx 100% --route api')
    await page.locator('[data-testid="fault-add"]').click()
    const item = page.locator('[data-testid="fault-item"]')
    await item.waitFor({ timeout: STEP_MS })
    expect(await item.count()).toBe(1)
    expect(await item.locator('.fault-description').textContent()).toContain('api')
    // The field empties once the server took it.
    await expect(page.locator('[data-testid="fault-input"]').inputValue()).resolves.toBe('')
    expect(proxy.faults.list()).toHaveLength(1)

    // Issue 20 "see the next request fail with it": curl gets a 5xx, the row a `fault 5xx NNN` tag.
    const failed = await curl(`${proxy.url}/api/hello?fault=on`)
    expect(failed.status).toBeGreaterThanOrEqual(500)
    expect(failed.status).toBeLessThan(600)
    expect(JSON.parse(failed.body)).toMatchObject({ error: { type: 'injected_fault' } })
    const faulted = row('/api/hello?fault=on')
    await faulted.waitFor({ timeout: STEP_MS })
    await expect(faulted.locator('.tag').allTextContents()).resolves.toEqual([`fault 5xx ${failed.status}`])
    await expect(faulted.locator('.num').first().textContent()).resolves.toBe(String(failed.status))
    // Opened, its detail names the fault that answered (x-devproxy-fault's words).
    await faulted.click()
    await page.locator('[data-testid="tx-detail"] dd', { hasText: new RegExp(`^5xx ${failed.status}$`) }).waitFor({ timeout: STEP_MS })
    // The panel's counts follow the traffic (re-sent with the once-a-second metrics tick).
    await item.filter({ hasText: 'injected 1' }).waitFor({ timeout: STEP_MS })
    screenshots.push(await saveScreenshot(page, 'inspector-fault'))

    // Removed in the UI: its item goes, and the next request is answered by the upstream again.
    await item.locator('[data-testid="fault-remove"]').click()
    await item.waitFor({ state: 'detached', timeout: STEP_MS })
    expect(proxy.faults.list()).toEqual([])
    // The removal (a 204) left no error in the faults panel.
    expect(await page.locator('[data-testid="faults"]').textContent()).not.toMatch(/Error/)
    const passed = await curl(`${proxy.url}/api/hello?fault=off`)
    expect(passed.status).toBe(200)
    const clean = row('/api/hello?fault=off')
    await clean.waitFor({ timeout: STEP_MS })
    expect(await clean.locator('.tag').count()).toBe(0)
  }, TEST_MS)

  it('Download HAR: a file har-validator accepts (HAR 1.2), holding the requests curl made', async () => {
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: STEP_MS }), page.locator('[data-testid="har-download"]').click()])
    expect(download.suggestedFilename()).toMatch(/\.har$/)
    const file = await download.path()
    const har = JSON.parse(await readFile(file, 'utf8'))
    // Issue 20 "download a HAR that har-validator accepts".
    await expect(validateHar(har)).resolves.toBeTruthy()
    const urls: string[] = har.log.entries.map((entry: any) => entry.request.url)
    for (const path of ['/api/hello?live=a', '/api/hello?live=b', '/api/xss?ui=1', '/api/hello?fault=on', '/api/hello?fault=off']) {
      expect(urls.some((url) => url.endsWith(path)), `${path} in ${urls.join(', ')}`).toBe(true)
    }
    // The faulted one kept its status.
    const faulted = har.log.entries.find((entry: any) => entry.request.url.endsWith('/api/hello?fault=on'))
    expect(faulted.response.status).toBeGreaterThanOrEqual(500)
  }, TEST_MS)

  it('10,000 transactions: the list keeps a small window of rows in the page, scrolls to the last, and filters by text', async () => {
    // Issue 20: "10,000 rows scroll smoothly" — the list renders only the rows in view, however long the history.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 })
    const sent = Array.from({ length: 10_000 }, (_, n) => n)
    for (let at = 0; at < sent.length; at += 200) {
      await Promise.all(sent.slice(at, at + 200).map((n) => request(`${proxy.url}/api/bulk?n=${n}`, { agent })))
    }
    agent.destroy()
    await page.locator('[data-testid="tx-count"]', { hasText: /^10,?000 transactions$/ }).waitFor({ timeout: TEST_MS })
    const rows = page.locator('[data-testid="tx-row"]')
    expect(await rows.count()).toBeLessThan(200)
    // Scrolled to the end, the newest request is in view; at the top, the oldest kept one.
    const list = page.locator('[data-testid="tx-list"]')
    await list.evaluate((el) => el.scrollTo(0, el.scrollHeight))
    await row('/api/bulk?n=9999').waitFor({ timeout: STEP_MS })
    expect(await rows.count()).toBeLessThan(200)
    screenshots.push(await saveScreenshot(page, 'inspector-10k'))
    // Filtering by text narrows the 10,000 to the one asked for.
    await page.locator('[data-testid="filter-text"]').fill('bulk?n=4242')
    await page.locator('[data-testid="tx-count"]', { hasText: /^1 of 10,?000 transactions$/ }).waitFor({ timeout: STEP_MS })
    await row('/api/bulk?n=4242').waitFor({ timeout: STEP_MS })
    await page.locator('[data-testid="filter-text"]').fill('')
  }, 120_000)
})
