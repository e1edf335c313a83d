/**
 * The inspector's credential stays with the inspector's own origin (issue 27 item 7), in a real
 * Chromium with the built UI. Cookies ignore ports (RFC 6265 §8.5): a cookie for 127.0.0.1 goes
 * to every server on 127.0.0.1 — a dev server reached directly, any local process. Here, after
 * signing in, the browser visits a page served on another 127.0.0.1 port and is made to request
 * a plain server on a third one; each records every header it got, and whatever it got is then
 * replayed against the inspector's API, with the Host and Origin an attacker would forge.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startControlServer, type ControlServer } from '../../src/start-control.js'
import { describeInBrowser, launchBrowser, saveScreenshot, type LaunchedBrowser } from '../helpers/browser.js'
import { request, startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'
import { within } from '../helpers/wait.js'

const STEP_MS = 20_000
const TEST_MS = 60_000

interface Seen {
  readonly url: string
  readonly headers: IncomingHttpHeaders
}

/** A local server that keeps every request's headers and can be waited on for one by path. */
async function recordingServer(body: (port: number) => string): Promise<TestUpstream & { seen: Seen[]; next(path: string): Promise<Seen> }> {
  const seen: Seen[] = []
  const waiters: Array<{ path: string; resolve: (s: Seen) => void }> = []
  let port = 0
  const server = await startUpstream((req, res) => {
    const one = { url: req.url ?? '', headers: req.headers }
    seen.push(one)
    for (const waiter of waiters.filter((w) => one.url.startsWith(w.path))) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve(one)
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body(port))
  })
  port = server.port
  return Object.assign(server, {
    seen,
    next: (path: string) =>
      new Promise<Seen>((resolve) => {
        const found = seen.find((s) => s.url.startsWith(path))
        if (found) resolve(found)
        else waiters.push({ path, resolve })
      }),
  })
}

describeInBrowser("the inspector's credential in Chromium (issue 27 item 7)", () => {
  let dir: string
  let launched: LaunchedBrowser
  let browser: Browser
  let context: BrowserContext
  let inspector: Page
  let upstream: TestUpstream
  let proxy: TestProxy
  let control: ControlServer
  let controlPort: number
  /** The plain server the other page makes the browser request. */
  let plain: Awaited<ReturnType<typeof recordingServer>>
  /** A page on another 127.0.0.1 port (a dev server reached directly). */
  let other: Awaited<ReturnType<typeof recordingServer>>

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-inspector-credential-'))
    upstream = await startUpstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'))
    proxy = await startTestProxy({ routes: [{ name: 'api', path: '/api', target: upstream.url }] })
    // The built UI (dist/inspector-ui), as `devproxy start` serves it: the sign-in is its script's.
    control = await startControlServer({ engine: proxy.engine, faults: proxy.faults, proxyUrl: proxy.url, stateDir: dir })
    controlPort = Number(new URL(control.url).port)
    plain = await recordingServer(() => 'plain')
    other = await recordingServer(
      () => `<!doctype html><title>other</title>
<img src="${plain.url}/img">
<script>
fetch('${plain.url}/fetch', { credentials: 'include', mode: 'no-cors' }).finally(() => { window.done = true })
</script>`,
    )
    launched = await launchBrowser()
    browser = launched.browser
    context = await browser.newContext({ viewport: { width: 1200, height: 800 } })
    inspector = await context.newPage()
  }, TEST_MS)
  afterAll(async () => {
    await context?.close()
    await launched?.close()
    await control?.close()
    await proxy?.close(0)
    for (const server of [upstream, plain, other]) await server?.close()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  /** Everything the browser holds for the inspector: cookies of any port on 127.0.0.1, and the tab's storage. */
  async function heldCredentials(): Promise<string[]> {
    const cookies = (await context.cookies()).map((cookie) => cookie.value)
    const storage = (await inspector.evaluate('[...Object.values(sessionStorage), ...Object.values(localStorage)]')) as string[]
    return [...cookies, ...storage].filter((value) => value.length >= 16)
  }

  /** `headers`, as a local process that got them would send them on to the inspector: its own Host, a forged Origin. */
  function replay(method: string, path: string, headers: IncomingHttpHeaders, body?: string) {
    const forged: Record<string, string | string[]> = {}
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined || ['host', 'origin', 'content-length', 'connection', 'referer'].includes(name)) continue
      forged[name] = value
    }
    return request(`${control.url}${path}`, {
      method,
      headers: { ...forged, host: `127.0.0.1:${controlPort}`, origin: `http://127.0.0.1:${controlPort}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
    })
  }

  it('the printed link signs the tab in: the UI goes live and the token leaves the address bar', async () => {
    await inspector.goto(control.inspectorUrl())
    await inspector.locator('[data-testid="connection"].connection-live').waitFor({ timeout: STEP_MS })
    const address = new URL(inspector.url())
    expect(address.pathname).toBe('/inspector/')
    expect(address.search).toBe('')
    expect(address.hash).toBe('')
    expect(await heldCredentials()).not.toEqual([])
  }, TEST_MS)

  it('a page on another 127.0.0.1 port, and a plain server it makes the browser request, receive nothing that grants access', async () => {
    const credentials = await heldCredentials()
    const page = await context.newPage()
    await page.goto(`${other.url}/page`)
    await page.waitForFunction('window.done === true', undefined, { timeout: STEP_MS })
    await within(STEP_MS, Promise.all([plain.next('/img'), plain.next('/fetch')]), 'the requests to the plain server')
    // A top-level navigation too: the browser sends cookies with it whatever SameSite says (same site).
    await page.goto(`${plain.url}/navigated`)
    await saveScreenshot(page, 'inspector-credential-other-port')
    await page.close()

    const received = [...other.seen, ...plain.seen]
    // (and whatever else the browser asks for by itself, such as /favicon.ico)
    expect(received.map((s) => s.url)).toEqual(expect.arrayContaining(['/fetch', '/img', '/navigated', '/page']))
    for (const { url, headers } of received) {
      // No cookie of the inspector's, no session header, no bearer: nothing of devproxy at all.
      expect(headers.cookie, `cookie sent to ${url}`).toBeUndefined()
      expect(headers['x-devproxy-session'], url).toBeUndefined()
      expect(headers.authorization, url).toBeUndefined()
      const text = JSON.stringify(headers)
      for (const credential of credentials) expect(text.includes(credential), `the inspector's credential in the headers of ${url}`).toBe(false)
    }

    // Whatever they got, replayed with a forged Origin, opens nothing (RFC 9110 §15.5.2: 401).
    for (const { headers } of received) {
      expect((await replay('GET', '/v1/faults', headers)).status).toBe(401)
      expect((await replay('GET', '/v1/inspector/har', headers)).status).toBe(401)
      expect((await replay('POST', '/v1/faults', headers, JSON.stringify({ faults: ['5xx 100%'] }))).status).toBe(401)
      expect((await replay('DELETE', '/v1/faults', headers)).status).toBe(401)
    }
    expect(proxy.faults.list()).toEqual([])
  }, TEST_MS)

  it('the signed-in tab keeps working after a reload (its session is in sessionStorage, which a reload keeps)', async () => {
    await inspector.reload()
    await inspector.locator('[data-testid="connection"].connection-live').waitFor({ timeout: STEP_MS })
    const sent = await request(`${proxy.url}/api/after-reload`)
    expect(sent.status).toBe(200)
    await inspector.locator('[data-testid="tx-row"]', { hasText: '/api/after-reload' }).waitFor({ timeout: STEP_MS })
  }, TEST_MS)

  it('a new tab needs a new login link: it says how to get one and reads nothing', async () => {
    const tab = await context.newPage()
    await tab.goto(`${control.url}/inspector/`)
    const notice = tab.locator('[data-testid="signed-out"]')
    await notice.waitFor({ timeout: STEP_MS })
    expect(await notice.textContent()).toContain('devproxy status')
    expect(await tab.locator('[data-testid="tx-row"]').count()).toBe(0)
    await saveScreenshot(tab, 'inspector-credential-new-tab')
    await tab.close()
  }, TEST_MS)

  it('the login link works once: opened again in a new tab, it signs nothing in', async () => {
    const link = control.inspectorUrl()
    const first = await context.newPage()
    await first.goto(link)
    await first.locator('[data-testid="connection"].connection-live').waitFor({ timeout: STEP_MS })
    await first.close()
    const second = await context.newPage()
    await second.goto(link)
    await second.locator('[data-testid="signed-out"]').waitFor({ timeout: STEP_MS })
    expect(await second.evaluate('Object.keys(sessionStorage)')).toEqual([])
    await second.close()
  }, TEST_MS)
})
