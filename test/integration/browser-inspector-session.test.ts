/**
 * The inspector's sign-in and its refusals in a real Chromium (issue 20): what a browser does
 * with the one-time link, the SameSite=Strict cookie and the Origin it sends. A stand-in UI
 * (one page, one script) takes the place of the built one, so only the server side is tested.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startControlServer, type ControlServer } from '../../src/control/server.js'
import { describeInBrowser, launchBrowser, saveScreenshot, type LaunchedBrowser } from '../helpers/browser.js'
import { startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'

/** The stand-in UI's script: the event stream, as the real UI opens it. */
const UI_SCRIPT = `
const events = new EventSource('/v1/inspector/stream')
events.addEventListener('snapshot', (event) => { window.snapshot = JSON.parse(event.data) })
`

describeInBrowser('the inspector session in Chromium', () => {
  let dir: string
  let launched: LaunchedBrowser
  let browser: Browser
  let upstream: TestUpstream
  let proxy: TestProxy
  let control: ControlServer

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-inspector-browser-'))
    await mkdir(join(dir, 'ui', 'assets'), { recursive: true })
    await writeFile(
      join(dir, 'ui', 'index.html'),
      '<!doctype html><title>inspector</title><script>window.inlineRan = true</script><script type="module" src="/inspector/assets/app.js"></script><p>the inspector</p>',
    )
    await writeFile(join(dir, 'ui', 'assets', 'app.js'), UI_SCRIPT)
    // Another local server, on another port of the same host: the same site to the browser
    // (sites ignore ports), but another origin (RFC 6454 §4).
    upstream = await startUpstream((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>other</title>'))
    proxy = await startTestProxy({ routes: [{ name: 'api', path: '/api', target: upstream.url }] })
    control = await startControlServer({ engine: proxy.engine, faults: proxy.faults, proxyUrl: proxy.url, stateDir: dir, inspectorUiDir: join(dir, 'ui') })
    launched = await launchBrowser()
    browser = launched.browser
  })
  afterAll(async () => {
    await launched?.close()
    await control?.close()
    await proxy?.close(0)
    await upstream?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('the link from the terminal signs in: the 303 lands on the UI with the cookie, the token gone from the address bar', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(control.inspectorUrl())
    expect(page.url()).toBe(`${control.url}/inspector/`)
    expect(await page.title()).toBe('inspector')
    // SameSite=Strict and HttpOnly as the browser stored them.
    const [cookie] = await context.cookies(control.url)
    expect(cookie).toMatchObject({ name: `devproxy_inspector_${new URL(control.url).port}`, httpOnly: true, sameSite: 'Strict', path: '/' })
    expect(await page.evaluate('document.cookie')).toBe('')
    await saveScreenshot(page, 'inspector-session-signed-in')
    await context.close()
  })

  it("the page's EventSource gets the snapshot; its fetch POST (with the Origin Chromium sets) adds a fault", async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(control.inspectorUrl())
    await page.waitForFunction('window.snapshot !== undefined')
    expect(await page.evaluate('window.snapshot.proxyUrl')).toBe(proxy.url)
    const status = await page.evaluate(
      `fetch('/v1/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ faults: ['5xx 100% --route api'] }) }).then((r) => r.status)`,
    )
    expect(status).toBe(201)
    expect(proxy.faults.list()).toHaveLength(1)
    proxy.faults.clear()
    await context.close()
  })

  it('an inline script in the page does not run (Content-Security-Policy script-src \'self\')', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(control.inspectorUrl())
    expect(await page.evaluate('window.inlineRan')).toBeUndefined()
    await context.close()
  })

  it('the link opened a second time: the sign-in page, no session', async () => {
    const link = control.inspectorUrl()
    const first = await browser.newContext()
    await (await first.newPage()).goto(link)
    await first.close()
    const second = await browser.newContext()
    const page = await second.newPage()
    const response = await page.goto(link)
    expect(response?.status()).toBe(401)
    expect(await page.textContent('body')).toContain('devproxy status')
    expect(await second.cookies(control.url)).toEqual([])
    await second.close()
  })

  it('a page on another local port, with the session cookie in the same browser, can neither change faults nor frame the UI', async () => {
    const context = await browser.newContext()
    const inspector = await context.newPage()
    await inspector.goto(control.inspectorUrl())
    const other = await context.newPage()
    await other.goto(upstream.url)
    // Same site, so SameSite=Strict lets the cookie go along: the Origin check is what refuses it.
    const sent = await other.evaluate(
      `fetch('${control.url}/v1/faults', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ faults: ['5xx 100%'] }) }).then(() => 'sent', (e) => String(e))`,
    )
    expect(sent).toBe('sent')
    expect(proxy.faults.list()).toEqual([])
    const framed = await other.evaluate(`new Promise((resolve) => {
      const frame = document.createElement('iframe')
      frame.src = '${control.url}/inspector/'
      frame.onload = () => { try { resolve(frame.contentDocument?.title ?? 'no access') } catch (e) { resolve('no access') } }
      document.body.append(frame)
    })`)
    // X-Frame-Options: DENY and frame-ancestors 'none': Chromium shows its error page, not the UI.
    expect(framed).toBe('no access')
    expect(other.frames().map((frame) => frame.url())).not.toContain(`${control.url}/inspector/`)
    await saveScreenshot(other, 'inspector-session-framing-refused')
    await context.close()
  })
})
