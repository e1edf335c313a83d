/**
 * Tests in a real Chromium: found on this machine or skipped with one loud line (failed
 * instead when DEVPROXY_REQUIRE_BROWSER=1, as CI sets it), trusting a local CA through its NSS
 * database, with screenshots kept in test-artifacts/ for reviewers.
 */
import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { describe, it } from 'vitest'
import { launchBrowser, missingBrowserReason, type LaunchedBrowser } from './chromium.js'

export { launchBrowser, type LaunchedBrowser } from './chromium.js'

/** Set to 1 where a missing browser must fail the run rather than skip (CI). */
export const REQUIRE_BROWSER_ENV = 'DEVPROXY_REQUIRE_BROWSER'

const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/', import.meta.url))

/**
 * `describe(name, fn)` when Chromium and certutil are installed. Without them: one line on
 * stderr and the suite skipped, or, with DEVPROXY_REQUIRE_BROWSER=1, one failing test saying
 * what is missing (a CI image that lost its browser must not pass by skipping).
 */
export function describeInBrowser(name: string, fn: () => void): void {
  const missing = missingBrowserReason()
  if (missing === undefined) {
    describe(name, fn)
  } else if (process.env[REQUIRE_BROWSER_ENV] === '1') {
    describe(name, () => {
      it(`has Chromium and certutil to run in (${REQUIRE_BROWSER_ENV}=1)`, () => {
        throw new Error(`${missing} (unset ${REQUIRE_BROWSER_ENV} to skip these tests instead)`)
      })
    })
  } else {
    process.stderr.write(`SKIPPED browser tests "${name}": ${missing}\n`)
    describe.skip(name, fn)
  }
}

/** A headless Chromium trusting `caPemFile` through $HOME/.pki/nssdb, as `devproxy trust` would make a user's. */
export function trustingBrowser({ caPemFile }: { caPemFile: string }): Promise<LaunchedBrowser> {
  return launchBrowser({ trust: [caPemFile] })
}

/** Saves a full-page PNG as test-artifacts/NAME.png (gitignored) and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true })
  const file = `${ARTIFACTS_DIR}${name.replace(/[^\w.-]+/g, '-')}.png`
  await page.screenshot({ path: file, fullPage: true })
  return file
}

/** Requests of `page` that failed from now on (a certificate error, a reset), as `URL: net::ERR_…`. */
export function collectFailedRequests(page: Page): string[] {
  const failed: string[] = []
  page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText ?? 'failed'}`))
  return failed
}

export interface PageProtocols {
  /** The ALPN protocol of the document (`h2`, `http/1.1`). */
  readonly navigation: string
  /** Every resource the page fetched so far, by path, with the protocol it came over. */
  readonly resources: Readonly<Record<string, string>>
}

/** The page's `performance` as the browser has it (the project compiles without the DOM lib). */
declare const performance: { getEntriesByType(type: 'navigation' | 'resource'): Array<{ name: string; nextHopProtocol: string }> }

/** `nextHopProtocol` of the navigation and of each resource (Resource Timing), read in the page. */
export function protocolsOf(page: Page): Promise<PageProtocols> {
  return page.evaluate(() => {
    const entries = (type: 'navigation' | 'resource') => performance.getEntriesByType(type)
    return {
      navigation: entries('navigation')[0]?.nextHopProtocol ?? '(no navigation entry)',
      resources: Object.fromEntries(entries('resource').map((entry) => [new URL(entry.name).pathname, entry.nextHopProtocol])),
    }
  })
}
