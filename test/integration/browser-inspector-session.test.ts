/**
 * The inspector's sign-in and its refusals in a real Chromium (issues 20, 27): what a browser
 * sends when a page trades the one-time link's token for a session, keeps it in sessionStorage
 * and sends it in a header, and the Origin it sets. A stand-in UI (one page, one script doing
 * what the built UI's does) takes the place of the built one, so only the server side is tested.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startControlServer, type ControlServer } from '../../src/start-control.js'
import { describeInBrowser, launchBrowser, saveScreenshot, type LaunchedBrowser } from '../helpers/browser.js'
import { startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'

/**
 * The stand-in UI's script, as the real UI signs in (inspector/src/hooks/use-session.ts): the
 * token from the fragment, traded for a session kept in sessionStorage; then the event stream,
 * read with fetch and the session header, up to its snapshot.
 */
const UI_SCRIPT = `
const token = new URLSearchParams(location.hash.slice(1)).get('token')
history.replaceState(null, '', '/inspector/')
const signIn = token === null
  ? Promise.resolve()
  : fetch('/v1/inspector/session', { method: 'POST', credentials: 'omit', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) })
      .then((r) => r.json()).then((body) => { if (body.session) sessionStorage.setItem('session', body.session) })
window.call = (path, init = {}) => signIn.then(() => fetch(path, { ...init, credentials: 'omit', headers: { ...init.headers, 'x-devproxy-session': sessionStorage.getItem('session') ?? '' } }))
window.call('/v1/inspector/stream').then(async (response) => {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let text = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    text += value
    const match = /event: snapshot\\ndata: (.*)\\n\\n/.exec(text)
    if (match) return void (window.snapshot = JSON.parse(match[1]))
  }
})
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

  it('the link from the terminal signs in: no cookie at all, the session in the tab\'s sessionStorage, the token gone from the address bar', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(control.inspectorUrl())
    await page.waitForFunction(() => (globalThis as any).snapshot !== undefined)
    expect(page.url()).toBe(`${control.url}/inspector/`)
    expect(await page.title()).toBe('inspector')
    // RFC 6265 §8.5: a cookie for 127.0.0.1 would go to every port; there is none.
    expect(await context.cookies()).toEqual([])
    expect(await page.evaluate('sessionStorage.getItem("session")')).toMatch(/^devproxy_session_/)
    await saveScreenshot(page, 'inspector-session-signed-in')
    await context.close()
  })

  it("the page's fetch stream gets the snapshot; its fetch POST (with the Origin Chromium sets) adds a fault", async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(control.inspectorUrl())
    await page.waitForFunction(() => (globalThis as any).snapshot !== undefined)
    expect(await page.evaluate('window.snapshot.proxyUrl')).toBe(proxy.url)
    const status = await page.evaluate(
      `window.call('/v1/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ faults: ['5xx 100% --route api'] }) }).then((r) => r.status)`,
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

  it('the link opened a second time: no session in the second tab', async () => {
    const link = control.inspectorUrl()
    const first = await browser.newContext()
    const firstPage = await first.newPage()
    await firstPage.goto(link)
    await firstPage.waitForFunction(() => (globalThis as any).snapshot !== undefined)
    await first.close()
    const second = await browser.newContext()
    const page = await second.newPage()
    await page.goto(link)
    expect(await page.evaluate(`window.call('/v1/faults').then((r) => r.status)`)).toBe(401)
    expect(await page.evaluate('sessionStorage.getItem("session")')).toBeNull()
    await second.close()
  })

  it('a page on another local port, in the browser where the inspector is signed in, can neither change faults nor frame the UI', async () => {
    const context = await browser.newContext()
    const inspector = await context.newPage()
    await inspector.goto(control.inspectorUrl())
    await inspector.waitForFunction(() => (globalThis as any).snapshot !== undefined)
    const other = await context.newPage()
    await other.goto(upstream.url)
    // It holds no session (sessionStorage is per origin) and the browser attaches none: refused.
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
