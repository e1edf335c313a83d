/**
 * What the built inspector UI shows, in a real Chromium (issue 28 item 11): the Route → target
 * and Tags columns show their text, the capture toggle says what it does, a bad fault typed in
 * the UI is one message, the text filter matches what the list shows, a newly selected row's
 * detail starts at its top, and the inspector's own session is never listed among a request's
 * headers. Screenshots go to test-artifacts/.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startControlServer, type ControlServer } from '../../src/start-control.js'
import { describeInBrowser, launchBrowser, saveScreenshot, type LaunchedBrowser } from '../helpers/browser.js'
import { request, startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'

const STEP_MS = 20_000

/** The signed-in tab's session, as the page keeps it. */
const sessionOf = async (page: Page) => (await page.evaluate('Object.values(sessionStorage)[0]')) as string
const TEST_MS = 60_000

describeInBrowser('the inspector UI shows what it says (issue 28 item 11)', () => {
  let dir: string
  let launched: LaunchedBrowser
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let upstream: TestUpstream
  let proxy: TestProxy
  let control: ControlServer
  const row = (path: string) => page.locator('[data-testid="tx-row"]', { hasText: path })

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-inspector-fit-'))
    upstream = await startUpstream((req, res) => {
      // A long answer, for the detail pane to scroll.
      const lines = req.url?.startsWith('/api/long') ? 400 : 1
      res.writeHead(200, { 'content-type': 'text/plain' }).end(Array.from({ length: lines }, (_, n) => `line ${n} of ${req.url}`).join('\n'))
    })
    proxy = await startTestProxy({ routes: [{ name: 'catalogue-service', path: '/api', target: upstream.url, retry: { attempts: 3, on: ['5xx'], baseMs: 1, maxMs: 2 } }] })
    control = await startControlServer({ engine: proxy.engine, faults: proxy.faults, proxyUrl: proxy.url, stateDir: dir })
    launched = await launchBrowser()
    browser = launched.browser
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
    page = await context.newPage()
    await page.goto(control.inspectorUrl())
    await page.locator('[data-testid="connection"].connection-live').waitFor({ timeout: STEP_MS })
  }, TEST_MS)
  afterAll(async () => {
    await context?.close()
    await launched?.close()
    await control?.close()
    await proxy?.close(0)
    await upstream?.close()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('the Route → target and Tags columns show their text in full, and the whole of it in a tooltip', async () => {
    // Two 5xx faults then the upstream: retried twice, so the row carries fault and retry tags.
    proxy.faults.add({ kind: '5xx', rate: 1, first: 2, route: 'catalogue-service' }, 'api')
    expect((await request(`${proxy.url}/api/tagged`)).status).toBe(200)
    proxy.faults.clear()
    const tagged = row('/api/tagged')
    await tagged.waitFor({ timeout: STEP_MS })
    const tx = proxy.transactions.find((one) => one.url === '/api/tagged')!

    const route = tagged.locator('[data-testid="tx-route"]')
    expect(await route.getAttribute('title')).toBe(`catalogue-service → ${upstream.url}`)
    // Every piece of text in the cell is shown whole: none is cut with an ellipsis.
    const clipped = (selector: string) =>
      tagged.locator(selector).evaluate((cell) => [cell, ...cell.querySelectorAll('*')].filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => el.textContent))
    expect(await clipped('[data-testid="tx-route"]')).toEqual([])
    expect(await route.innerText()).toContain('catalogue-service')
    expect(await route.innerText()).toContain(new URL(upstream.url).host)

    const tags = tagged.locator('[data-testid="tx-tags"]')
    const title = (await tags.getAttribute('title')) ?? ''
    // The tooltip lists every tag the detail lists, in full, one a line.
    const detailTags = (await request(`${control.url}/v1/inspector/transactions/${tx.id}`, { headers: { 'x-devproxy-session': await sessionOf(page), host: new URL(control.url).host } })).json().summary.tags as string[]
    expect(detailTags.some((tag) => tag.startsWith('fault'))).toBe(true)
    expect(detailTags.filter((tag) => tag.startsWith('retry'))).toHaveLength(2)
    expect(title.split('\n')).toEqual(detailTags)
    expect(await clipped('[data-testid="tx-tags"]')).toEqual([])
    // Each chip lies inside its cell: none hidden past its edge.
    const outside = await tags.evaluate((cell) => {
      const box = cell.getBoundingClientRect()
      return [...cell.querySelectorAll('.tag')].filter((chip) => {
        const r = chip.getBoundingClientRect()
        return r.right > box.right + 1 || r.bottom > box.bottom + 1 || r.left < box.left - 1 || r.top < box.top - 1
      }).length
    })
    expect(outside).toBe(0)
    expect(await tags.locator('.tag').count()).toBeGreaterThan(0)
    await saveScreenshot(page, 'inspector-list-columns')
  }, TEST_MS)

  it('the capture toggle is called what it does: Pause capture, then Resume capture', async () => {
    const toggle = page.locator('[data-testid="capture-toggle"]')
    await expect(toggle.textContent()).resolves.toMatch(/^Pause capture/)
    await toggle.click()
    await page.locator('[data-testid="capture-toggle"]', { hasText: /^Resume capture/ }).waitFor({ timeout: STEP_MS })
    expect(await page.locator('.top-bar').textContent()).not.toMatch(/record/i)
    await saveScreenshot(page, 'inspector-capture-paused')
    await toggle.click()
    await page.locator('[data-testid="capture-toggle"]', { hasText: /^Pause capture/ }).waitFor({ timeout: STEP_MS })
  }, TEST_MS)

  it('a bad fault typed in the UI shows one message, with its hint', async () => {
    await page.locator('[data-testid="fault-input"]').fill('5xx 150%')
    await page.locator('[data-testid="fault-add"]').click()
    const alerts = page.locator('[data-testid="faults"] [role="alert"]')
    await alerts.first().waitFor({ timeout: STEP_MS })
    expect(await alerts.count()).toBe(1)
    const text = (await alerts.textContent()) ?? ''
    expect(text.match(/is not a rate/g)).toHaveLength(1)
    expect(text).toContain('150%')
    await saveScreenshot(page, 'inspector-fault-invalid')
    await page.locator('[data-testid="fault-input"]').fill('')
  }, TEST_MS)

  it('the text filter matches what the list shows: host:port and path together', async () => {
    await request(`${proxy.url}/api/x`)
    await row('/api/x').waitFor({ timeout: STEP_MS })
    const shown = await row('/api/x').locator('[data-testid="tx-where"]').textContent()
    expect(shown).toBe(`${new URL(proxy.url).host}/api/x`)
    await page.locator('[data-testid="filter-text"]').fill(shown!)
    await page.locator('[data-testid="tx-count"]', { hasText: /^1 of \d+ transactions$/ }).waitFor({ timeout: STEP_MS })
    await row('/api/x').waitFor({ timeout: STEP_MS })
    await page.locator('[data-testid="filter-text"]').fill('')
  }, TEST_MS)

  it("a row selected after another shows its detail from the top, not at the last one's scroll", async () => {
    await request(`${proxy.url}/api/long/a`)
    await request(`${proxy.url}/api/long/b`)
    await row('/api/long/a').click()
    const pane = page.locator('[data-testid="tx-detail"]')
    await pane.locator('.detail[data-id]', { hasText: '/api/long/a' }).waitFor({ timeout: STEP_MS })
    await pane.locator('[data-testid="response-body"]').waitFor({ timeout: STEP_MS })
    await pane.evaluate((el) => el.scrollTo(0, el.scrollHeight))
    expect(await pane.evaluate((el) => el.scrollTop)).toBeGreaterThan(100)
    await row('/api/long/b').click()
    await pane.locator('.detail:not(.stale)', { hasText: '/api/long/b' }).waitFor({ timeout: STEP_MS })
    expect(await pane.evaluate((el) => el.scrollTop)).toBe(0)
  }, TEST_MS)

  it("never lists the inspector's own session among a request's headers", async () => {
    const session = await sessionOf(page)
    expect(session).toMatch(/^devproxy_session_/)
    // A request that carries it (the inspector reached through a route, a copied header).
    await request(`${proxy.url}/api/carrying`, { headers: { 'x-devproxy-session': session, 'x-app': 'mine' } })
    await row('/api/carrying').click()
    const headers = page.locator('[data-testid="tx-detail"] [data-testid="headers-request"]')
    await headers.locator('tr', { hasText: 'x-app' }).waitFor({ timeout: STEP_MS })
    expect(await headers.locator('td.name', { hasText: 'x-devproxy-session' }).count()).toBe(0)
    expect(await page.locator('body').innerText()).not.toContain(session)
    await saveScreenshot(page, 'inspector-detail-headers')
  }, TEST_MS)
})
