/**
 * The inspector's waterfall (issue 29 item 2) in a real Chromium, from the built UI: one row per
 * attempt, a bar per timed phase placed where it began and as wide as it took (the untimed left
 * out), labelled, its numbers in a tooltip and in a table, the backoff before a retry hatched.
 *
 * The transactions are handed to the engine's sinks as finished ones (`engine.emit`), with their
 * phases set as the attempt state machine sets them (test/helpers/phased-transactions.ts): the
 * view is tested apart from the timing of real traffic, whose numbers no test can know.
 * Screenshot: test-artifacts/inspector-waterfall.png.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startControlServer, type ControlServer } from '../../src/control/server.js'
import type { Transaction } from '../../src/proxy/index.js'
import { describeInBrowser, launchBrowser, saveScreenshot, type LaunchedBrowser } from '../helpers/browser.js'
import { ALL_PHASES, MOCK_ONLY_WAIT, RETRY_WITH_BACKOFF, REUSED_CONNECTION } from '../helpers/phased-transactions.js'
import { startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'

/** Generous: a loaded 2-core machine runs this. */
const STEP_MS = 20_000
const TEST_MS = 60_000

interface Box {
  readonly left: number
  readonly right: number
  readonly width: number
}

const boxOf = async (locator: Locator): Promise<Box> => {
  const box = (await locator.boundingBox())!
  return { left: box.x, right: box.x + box.width, width: box.width }
}

describeInBrowser('the inspector draws each attempt\'s phases as a waterfall (issue 29 item 2)', () => {
  let dir: string
  let launched: LaunchedBrowser
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let upstream: TestUpstream
  let proxy: TestProxy
  let control: ControlServer
  const screenshots: string[] = []

  /** Opens the transaction's detail and waits for its attempts. */
  const open = async (tx: Transaction) => {
    await page.locator('[data-testid="tx-row"]', { hasText: tx.url }).click()
    const detail = page.locator('[data-testid="tx-detail"] .detail:not(.stale)', { hasText: tx.url })
    await detail.locator('[data-testid="attempts"]').waitFor({ timeout: STEP_MS })
    return detail
  }
  const phasesOf = (row: Locator) => row.locator('[data-testid="phase"]')
  /** The phase table, row by row (`backoff`, `start`, then each phase): its cells, an attempt each. */
  const tableOf = (detail: Locator) =>
    detail
      .locator('[data-testid="phase-table"] tbody tr')
      .evaluateAll((rows) => Object.fromEntries(rows.map((row) => [row.getAttribute('data-row'), [...row.querySelectorAll('td')].map((cell) => cell.textContent)])))
  const namesOf = async (row: Locator) => phasesOf(row).evaluateAll((bars) => bars.map((bar) => bar.getAttribute('data-phase')))

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-inspector-waterfall-'))
    upstream = await startUpstream((_req, res) => res.end('ok'))
    proxy = await startTestProxy({ routes: [{ name: 'api', path: '/api', target: upstream.url }] })
    control = await startControlServer({ engine: proxy.engine, faults: proxy.faults, proxyUrl: proxy.url, stateDir: dir })
    launched = await launchBrowser()
    browser = launched.browser
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
    page = await context.newPage()
    await page.goto(control.inspectorUrl())
    await page.locator('[data-testid="connection"].connection-live').waitFor({ timeout: STEP_MS })
    // Finished transactions as the exchange hands them to the sinks, the inspector among them.
    for (const tx of [ALL_PHASES, REUSED_CONNECTION, MOCK_ONLY_WAIT, RETRY_WITH_BACKOFF]) proxy.engine.emit({ ...tx, startedAt: Date.now() })
    await page.locator('[data-testid="tx-row"]', { hasText: RETRY_WITH_BACKOFF.url }).waitFor({ timeout: STEP_MS })
  }, TEST_MS)
  afterAll(async () => {
    await context?.close()
    await launched?.close()
    await control?.close()
    await proxy?.close(0)
    await upstream?.close()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
    if (screenshots.length > 0) process.stderr.write(`inspector waterfall screenshots:\n${screenshots.map((file) => `  ${file}\n`).join('')}`)
  })

  it('every phase timed: six bars end to end, each as wide as it took, labelled where there is room', async () => {
    const detail = await open(ALL_PHASES)
    const row = detail.locator('[data-testid="attempt"]')
    expect(await row.count()).toBe(1)
    expect(await namesOf(row)).toEqual(['poolWait', 'connect', 'tls', 'upload', 'wait', 'receive'])
    const boxes = await Promise.all((await phasesOf(row).all()).map(boxOf))
    // End to end: each begins where the one before ended (a pixel of rounding either way).
    for (let i = 1; i < boxes.length; i++) expect(Math.abs(boxes[i]!.left - boxes[i - 1]!.right)).toBeLessThanOrEqual(1.5)
    // As wide as it took: wait (20 ms) is 2.5 times receive (8 ms), TLS (6 ms) 3 times connect (2 ms).
    const [, connect, tls, , wait, receive] = boxes
    expect(wait!.width / receive!.width).toBeCloseTo(2.5, 1)
    expect(tls!.width / connect!.width).toBeCloseTo(3, 0)
    // The scale is the transaction's 38.5 ms: the last bar ends at the track's end.
    const track = await boxOf(row.locator('.timeline-track'))
    expect(Math.abs(receive!.right - track.right)).toBeLessThanOrEqual(1.5)
    // Labelled inside when wide enough; every bar's numbers in its tooltip.
    expect(await row.locator('[data-phase="wait"]').innerText()).toBe('wait')
    expect(await row.locator('[data-phase="tls"]').innerText()).toBe('TLS')
    expect(await row.locator('[data-phase="connect"]').getAttribute('title')).toBe('#1 connect 2.0ms, from 2.0ms to 4.0ms')
    expect(await row.locator('[data-phase="wait"]').getAttribute('title')).toBe('#1 wait 20ms, from 11ms to 31ms')
    // The table gives every number, a row each.
    expect(await tableOf(detail)).toEqual({
      backoff: ['–'],
      start: ['0.5ms'],
      poolWait: ['1.5ms'],
      connect: ['2.0ms'],
      tls: ['6.0ms'],
      upload: ['0.5ms'],
      wait: ['20ms'],
      receive: ['8.0ms'],
    })
    screenshots.push(await saveScreenshot(page, 'inspector-waterfall-all-phases'))
  }, TEST_MS)

  it('a reused connection: no connect or TLS bar, and – in their columns', async () => {
    const detail = await open(REUSED_CONNECTION)
    expect(await namesOf(detail.locator('[data-testid="attempt"]'))).toEqual(['poolWait', 'upload', 'wait', 'receive'])
    expect(await tableOf(detail)).toMatchObject({ poolWait: ['0.3ms'], connect: ['–'], tls: ['–'], upload: ['0.3ms'], wait: ['4.0ms'], receive: ['1.0ms'] })
  }, TEST_MS)

  it('a mock: one bar, its wait', async () => {
    const detail = await open(MOCK_ONLY_WAIT)
    expect(await namesOf(detail.locator('[data-testid="attempt"]'))).toEqual(['wait'])
  }, TEST_MS)

  it('a retry: a row per attempt, the backoff hatched between them, on one scale', async () => {
    const detail = await open(RETRY_WITH_BACKOFF)
    const rows = detail.locator('[data-testid="attempt"]')
    expect(await rows.count()).toBe(2)
    const [first, second] = [rows.nth(0), rows.nth(1)]
    expect(await namesOf(first)).toEqual(['connect', 'upload', 'wait'])
    expect(await namesOf(second)).toEqual(['connect', 'upload', 'wait', 'receive'])
    // The first attempt did not back off; the second's 100 ms backoff runs from where the
    // first ended to where the second began.
    expect(await first.locator('[data-testid="backoff"]').count()).toBe(0)
    const backoff = second.locator('[data-testid="backoff"]')
    expect(await backoff.getAttribute('title')).toBe('backoff 100ms before #2')
    const [firstEnd, gap, secondStart] = [await boxOf(first.locator('[data-phase="wait"]')), await boxOf(backoff), await boxOf(second.locator('[data-phase="connect"]'))]
    expect(Math.abs(gap.left - firstEnd.right)).toBeLessThanOrEqual(1.5)
    expect(Math.abs(secondStart.left - gap.right)).toBeLessThanOrEqual(1.5)
    // One scale for both rows: the first's 50 ms wait is five times the second's 10 ms.
    expect(firstEnd.width / (await boxOf(second.locator('[data-phase="wait"]'))).width).toBeCloseTo(5, 0)
    expect(await second.innerText()).toContain('after 100ms backoff')
    // Bars are colored by phase, so how each ended is in its outcome's color: the reset red.
    expect(await first.locator('.timeline-outcome').getAttribute('class')).toContain('tone-text-error')
    expect(await second.locator('.timeline-outcome').getAttribute('class')).toContain('tone-text-ok')
    // A column per attempt.
    expect(await detail.locator('[data-testid="phase-table"] thead th').allInnerTexts()).toEqual(['', '#1', '#2'])
    expect(await tableOf(detail)).toEqual({
      backoff: ['–', '100ms'],
      start: ['0.5ms', '152ms'],
      poolWait: ['–', '–'],
      connect: ['1.0ms', '1.3ms'],
      tls: ['–', '–'],
      upload: ['0.3ms', '0.3ms'],
      wait: ['50ms', '10ms'],
      receive: ['–', '2.0ms'],
    })
    screenshots.push(await saveScreenshot(page, 'inspector-waterfall'))
  }, TEST_MS)
})
