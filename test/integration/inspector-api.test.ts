/**
 * The inspector's server side on the wire (issue 20, src/inspector/api.ts): a real upstream, a
 * real proxy, its control server, and raw HTTP requests that set exactly the headers under
 * test, as a browser would send them.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startControlServer, type ControlServer } from '../../src/start-control.js'
import { SESSION_HEADER, type ActiveFaultView, type Snapshot, type TransactionDetail, type TransactionSummary } from '../../src/inspector/api.js'
import { INSPECTOR_CAPTURE_BYTES } from '../../src/inspector/inspector.js'
import { readUiFile } from '../../src/inspector/ui-files.js'
import type { MetricsSnapshot } from '../../src/metrics/route-metrics.js'
import { PROMETHEUS_CONTENT_TYPE } from '../../src/metrics/prometheus.js'
import { loginToken, signIn } from '../helpers/inspector.js'
import { echoHandler, request, startTestProxy, startUpstream, type SimpleResponse, type TestProxy, type TestUpstream } from '../helpers/servers.js'

const validateHar = createRequire(import.meta.url)('har-validator').har as (har: unknown) => Promise<unknown>

const XSS = '<script>alert(1)</script>'
/** What the upstream saw of each request, by path. */
const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = []

let dir: string
let upstream: TestUpstream
let proxy: TestProxy
let control: ControlServer
let port: number
let origin: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devproxy-inspector-'))
  await mkdir(join(dir, 'ui', 'assets'), { recursive: true })
  await writeFile(join(dir, 'ui', 'index.html'), '<!doctype html><title>inspector</title><script type="module" src="/inspector/assets/app-1a2b.js"></script>')
  await writeFile(join(dir, 'ui', 'assets', 'app-1a2b.js'), 'console.log("ui")')
  await writeFile(join(dir, 'ui', 'assets', 'app-1a2b.css'), 'body{}')
  upstream = await startUpstream((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      if (req.url === '/xss') return void res.writeHead(200, { 'content-type': 'text/html' }).end(XSS)
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, url: req.url, n: seen.length }))
    })
  })
  proxy = await startTestProxy({
    routes: [{ name: 'api', path: '/api', target: upstream.url, stripPrefix: true, headers: { request: { 'x-env': 'dev' }, response: { 'cache-control': 'no-store' } } }],
  })
  control = await startControlServer({ engine: proxy.engine, faults: proxy.faults, proxyUrl: proxy.url, stateDir: dir, inspectorUiDir: join(dir, 'ui') })
  port = Number(new URL(control.url).port)
  origin = `http://127.0.0.1:${port}`
})
afterAll(async () => {
  await control.close()
  await proxy.close(0)
  await upstream.close()
  await rm(dir, { recursive: true, force: true })
})

interface CallOptions {
  /** The inspector session, in its header. */
  session?: string
  cookie?: string
  origin?: string
  host?: string
  bearer?: boolean
  body?: unknown
}

/** A request to the control server as a browser (or, with `bearer`, a tool) sends it. */
function call(method: string, path: string, options: CallOptions = {}): Promise<SimpleResponse> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body)
  return request(`${control.url}${path}`, {
    method,
    headers: {
      host: options.host ?? `127.0.0.1:${port}`,
      ...(options.session === undefined ? {} : { [SESSION_HEADER]: options.session }),
      ...(options.cookie === undefined ? {} : { cookie: options.cookie }),
      ...(options.origin === undefined ? {} : { origin: options.origin }),
      ...(options.bearer ? { authorization: `Bearer ${control.token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body }),
  })
}


/** A request through the proxy, and its finished transaction (those of resends are passed over). */
async function through(path: string, options: Parameters<typeof request>[1] = {}) {
  const response = await request(`${proxy.url}${path}`, options)
  for (;;) {
    const tx = await proxy.nextTransaction()
    if (tx.url === path && tx.requestHeaders['x-devproxy-resend'] === undefined) return { response, tx }
  }
}

/** Signs in with the login link in force, as the page does; returns the session it sends from then on. */
const logIn = () => signIn(control.inspectorUrl())

interface StreamEvent {
  readonly event: string
  readonly data: any
}

/** An EventSource, by hand: the stream's events as they arrive, waited for by name. */
async function openStream(session: string): Promise<{ response: http.IncomingMessage; next(name: string, match?: (data: any) => boolean): Promise<any>; close(): void }> {
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/v1/inspector/stream', headers: { host: `127.0.0.1:${port}`, [SESSION_HEADER]: session, accept: 'text/event-stream' }, agent: false }, resolve).on('error', reject)
  })
  const events: StreamEvent[] = []
  const waiters: Array<() => void> = []
  let buffer = ''
  response.setEncoding('utf8')
  response.on('data', (text: string) => {
    buffer += text
    for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const fields = Object.fromEntries(block.split('\n').filter((line) => !line.startsWith(':')).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]))
      if (fields.event !== undefined) events.push({ event: fields.event, data: JSON.parse(fields.data ?? 'null') })
    }
    for (const wake of waiters.splice(0)) wake()
  })
  let read = 0
  return {
    response,
    next(name, match = () => true) {
      return new Promise((resolve) => {
        const look = () => {
          for (; read < events.length; read++) {
            const found = events[read]!
            if (found.event === name && match(found.data)) {
              read++
              return resolve(found.data)
            }
          }
          waiters.push(look)
        }
        look()
      })
    },
    close: () => response.destroy(),
  }
}

/** The token of the login link in force. */
const tokenInForce = () => loginToken(control.inspectorUrl())
const exchange = (token: string, options: CallOptions = { origin }) => call('POST', '/v1/inspector/session', { ...options, body: { token } })

describe('signing in: a one-time link, traded by the page for a session it sends in a header (issue 27 item 7)', () => {
  it('the link carries its token in the fragment, which a browser never sends (RFC 3986 §3.5): no server, proxy or log sees it', () => {
    const link = new URL(control.inspectorUrl())
    expect(link.pathname).toBe('/inspector/login')
    expect(link.search).toBe('')
    expect(loginToken(link.href)).toMatch(/^devproxy_login_[A-Za-z0-9_-]{43}$/)
  })

  it('the link itself answers the UI, sets no cookie and uses no token: the page does the sign-in', async () => {
    const before = control.inspectorUrl()
    const response = await call('GET', '/inspector/login')
    expect(response.status).toBe(200)
    expect(response.body.toString()).toContain('<title>inspector</title>')
    expect(response.headers['set-cookie']).toBeUndefined()
    expect(response.headers['referrer-policy']).toBe('no-referrer')
    expect(control.inspectorUrl()).toBe(before)
  })

  it('POST /v1/inspector/session { token } from its own Origin: 201 { session }, never cached, no cookie', async () => {
    const response = await exchange(tokenInForce())
    expect(response.status).toBe(201)
    expect(response.json().session).toMatch(/^devproxy_session_[A-Za-z0-9_-]{43}$/)
    expect(response.headers['cache-control']).toBe('no-store')
    expect(response.headers['set-cookie']).toBeUndefined()
    expect((await call('GET', '/v1/metrics', { session: response.json().session })).status).toBe(200)
  })

  it('the same token again: 401 saying where to get a link (never a second session)', async () => {
    const token = tokenInForce()
    expect((await exchange(token)).status).toBe(201)
    const again = await exchange(token)
    expect(again.status).toBe(401)
    expect(again.json().error.message).toContain('devproxy status')
    expect(again.json().session).toBeUndefined()
  })

  it.each<[string, number, CallOptions]>([
    ['no Origin (not a page: a browser sends one with every POST, Fetch §3.1)', 403, {}],
    ['a foreign Origin (RFC 6454 §7)', 403, { origin: 'http://evil.example' }],
    ['the Origin of another local port', 403, { origin: 'http://127.0.0.1:1' }],
    ['a foreign Host (DNS rebinding)', 403, { origin: 'http://evil.example:1', host: 'evil.example:1' }],
  ])('the exchange with %s: %s, and the token stays unused', async (_what, status, options) => {
    const token = tokenInForce()
    expect((await exchange(token, options)).status).toBe(status)
    expect(tokenInForce()).toBe(token)
  })

  it.each([['{}'], ['{"token": 1}'], ['[]']])('a body that is not {"token": "…"} (%s): 400', async (body) => {
    const response = await request(`${control.url}/v1/inspector/session`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body })
    expect(response.status).toBe(400)
  })

  it('once used, the link in force is a fresh one; printing it twice changes nothing', async () => {
    const before = control.inspectorUrl()
    expect(control.inspectorUrl()).toBe(before)
    await exchange(loginToken(before))
    expect(control.inspectorUrl()).not.toBe(before)
  })

  it('POST /v1/inspector/login gives the link in force, to the bearer token only (what devproxy status prints)', async () => {
    const response = await call('POST', '/v1/inspector/login', { bearer: true })
    expect(response.status).toBe(200)
    expect(response.json().url).toBe(control.inspectorUrl())
    expect(response.json().url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/inspector/login#token=devproxy_login_[A-Za-z0-9_-]{43}$`))
    const session = await logIn()
    expect((await call('POST', '/v1/inspector/login', { session, origin })).status).toBe(403)
    expect((await call('POST', '/v1/inspector/login', { session })).status).toBe(401)
  })
})

describe('who may call it', () => {
  let session: string
  beforeAll(async () => {
    session = await logIn()
  })

  it('no session: 401 as JSON for the API; the UI files hold no data and are served', async () => {
    const api = await call('GET', '/v1/inspector/stream')
    expect(api.status).toBe(401)
    expect(api.json().error.type).toBe('unauthorized')
    expect((await call('GET', '/inspector/')).status).toBe(200)
  })

  it('a session this proxy never issued: 401', async () => {
    expect((await call('GET', '/v1/metrics', { session: `devproxy_session_${'A'.repeat(43)}` })).status).toBe(401)
  })

  // RFC 6265 §8.5: a cookie for 127.0.0.1 reaches every server on 127.0.0.1, so the old cookie
  // grants nothing now, even holding a live session, even with the inspector's own Origin.
  it.each<[string, string, string, unknown]>([
    ['GET', '/v1/inspector/stream', 'the live stream', undefined],
    ['GET', '/v1/inspector/har', 'the HAR with bodies', undefined],
    ['GET', '/v1/faults', 'the faults', undefined],
    ['POST', '/v1/faults', 'adding a fault', { faults: ['5xx 100%'] }],
    ['DELETE', '/v1/faults', 'clearing the faults', undefined],
    ['POST', '/v1/inspector/recording', 'pausing capture', { action: 'stop' }],
    ['GET', '/v1/metrics', 'the metrics', undefined],
  ])('the old cookie devproxy_inspector_PORT with a live session: %s %s (%s) is 401', async (method, path, _what, body) => {
    const cookie = `devproxy_inspector_${port}=${session}`
    const response = await call(method, path, { cookie, origin, ...(body === undefined ? {} : { body }) })
    expect(response.status).toBe(401)
    expect(proxy.faults.list()).toEqual([])
  })

  it('the session as a bearer token opens nothing (it is no control token)', async () => {
    const response = await request(`${control.url}/v1/faults`, { headers: { host: `127.0.0.1:${port}`, authorization: `Bearer ${session}` } })
    expect(response.status).toBe(401)
  })

  it.each(['http://evil.example', 'null', `http://127.0.0.1:${1}`])('a foreign Origin (%s), even with the session: 403 (RFC 6454 §7)', async (foreign) => {
    const response = await call('POST', '/v1/faults', { session, origin: foreign, body: { faults: ['5xx 100%'] } })
    expect(response.status).toBe(403)
    expect(proxy.faults.list()).toEqual([])
  })

  it('a foreign Host (DNS rebinding), even with the session: 403', async () => {
    expect((await call('GET', '/v1/faults', { session, host: `evil.example:${port}` })).status).toBe(403)
    expect((await call('GET', '/inspector/', { host: `evil.example:${port}` })).status).toBe(403)
    expect((await call('GET', '/inspector/login', { host: `evil.example:${port}` })).status).toBe(403)
  })

  it('a POST with the session but no Origin: 403 (a browser always sends one on POST, Fetch §3.1)', async () => {
    expect((await call('POST', '/v1/faults', { session, body: { faults: ['5xx 100%'] } })).status).toBe(403)
  })

  it('the session opens the inspector, never the rest of the control API', async () => {
    expect((await call('GET', '/v1/status', { session })).status).toBe(401)
    expect((await call('GET', '/v1/metrics', { session })).status).toBe(200)
  })

  it('the bearer token still refuses any Origin, on the routes the session opens too', async () => {
    const response = await call('GET', '/v1/faults', { bearer: true, origin })
    expect(response.status).toBe(403)
    expect((await call('GET', '/v1/faults', { bearer: true })).status).toBe(200)
  })
})

describe('the UI files', () => {
  let session: string
  beforeAll(async () => {
    session = await logIn()
  })

  it('/inspector/ is the built index.html, never framed, scripts from itself only', async () => {
    const response = await call('GET', '/inspector/', { session })
    expect(response.status).toBe(200)
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(response.body.toString()).toContain('<title>inspector</title>')
    expect(response.headers['x-frame-options']).toBe('DENY')
    expect(response.headers['content-security-policy']).toContain("script-src 'self'")
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'")
  })

  it.each([
    ['/inspector/assets/app-1a2b.js', 'text/javascript; charset=utf-8'],
    ['/inspector/assets/app-1a2b.css', 'text/css; charset=utf-8'],
  ])('%s: %s', async (path, type) => {
    const response = await call('GET', path, { session })
    expect([response.status, response.headers['content-type'], response.headers['x-content-type-options']]).toEqual([200, type, 'nosniff'])
  })

  it('a client-side route gets the page; anything else is 404, never a file outside the build', async () => {
    expect((await call('GET', '/inspector/tx/12', { session })).body.toString()).toContain('<title>inspector</title>')
    for (const path of ['/inspector/assets/missing.js', '/inspector/assets/..%2f..%2f..%2fpackage.json', '/inspector/inspector.js', '/inspector/assets/.hidden']) {
      expect((await call('GET', path, { session })).status, path).toBe(404)
    }
    // Dot segments are resolved before routing (WHATWG URL): outside /inspector/ is the control
    // API's, which the session does not open.
    expect((await call('GET', '/inspector/%2e%2e/%2e%2e/package.json', { session })).status).toBe(401)
  })

  it('/inspector without the slash: 308 to /inspector/', async () => {
    const response = await call('GET', '/inspector')
    expect([response.status, response.headers.location]).toEqual([308, '/inspector/'])
  })

  it('no build: a 503 page saying to run npm run build', async () => {
    const page = await readUiFile('', join(dir, 'no-such-build'))
    expect(page.status).toBe(503)
    expect(String(page.raw)).toContain('npm run build')
  })
})

describe('the live stream and what it shows', () => {
  let session: string
  let stream: Awaited<ReturnType<typeof openStream>>
  beforeAll(async () => {
    session = await logIn()
    stream = await openStream(session)
  })
  afterAll(() => stream.close())

  it('server-sent events (WHATWG HTML §9.2): a snapshot first, then metrics', async () => {
    expect(stream.response.statusCode).toBe(200)
    expect(stream.response.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    const snapshot: Snapshot = await stream.next('snapshot')
    expect(snapshot).toMatchObject({ recording: { recording: true }, history: { maxCount: 10_000, maxBytes: 64 * 1024 * 1024 }, proxyUrl: proxy.url, faults: [] })
    await stream.next('metrics')
  })

  it('bodies are captured while a browser watches', () => {
    expect(proxy.engine.captureBodyBytes).toBe(INSPECTOR_CAPTURE_BYTES)
  })

  it('a request through the proxy arrives in a `transactions` batch', async () => {
    const { tx } = await through('/api/users?page=1')
    const batch: TransactionSummary[] = await stream.next('transactions', (rows: TransactionSummary[]) => rows.some((row) => row.id === tx.id))
    expect(batch.find((row) => row.id === tx.id)).toMatchObject({ method: 'GET', url: '/api/users?page=1', route: 'api', status: 200, tags: [] })
  })

  it('the detail: header diff rows and the bodies', async () => {
    const { tx } = await through('/api/users', { method: 'POST', body: '{"name":"Ann"}', headers: { 'content-type': 'application/json' } })
    const response = await call('GET', `/v1/inspector/transactions/${tx.id}`, { session })
    expect(response.status).toBe(200)
    const detail: TransactionDetail = response.json()
    expect(detail.forwardedUrl).toBe('/users')
    expect(detail.headers.request).toContainEqual({ name: 'x-env', change: 'added', before: null, after: 'dev' })
    expect(detail.headers.request).toContainEqual({ name: 'content-type', change: 'same', before: 'application/json', after: 'application/json' })
    expect(detail.headers.response).toContainEqual({ name: 'cache-control', change: 'added', before: null, after: 'no-store' })
    expect(Buffer.from(detail.requestBody!.base64, 'base64').toString()).toBe('{"name":"Ann"}')
    expect(JSON.parse(Buffer.from(detail.responseBody!.base64, 'base64').toString())).toMatchObject({ method: 'POST', url: '/users' })
    expect(detail.attempts).toHaveLength(1)
  })

  it('the detail names the previous response of the same endpoint, for the body diff', async () => {
    const { tx: first } = await through('/api/things?_=1')
    const { tx: second } = await through('/api/things?_=2')
    const detail: TransactionDetail = (await call('GET', `/v1/inspector/transactions/${second.id}`, { session })).json()
    expect(detail.previousId).toBe(first.id)
    expect(JSON.parse(Buffer.from(detail.previousResponseBody!.base64, 'base64').toString()).url).toBe('/things?_=1')
  })

  it('a body holding markup comes back as JSON data (base64), never as HTML', async () => {
    const { tx } = await through('/api/xss')
    const response = await call('GET', `/v1/inspector/transactions/${tx.id}`, { session })
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(response.headers['x-content-type-options']).toBe('nosniff')
    expect(response.body.toString()).not.toContain('<script>')
    const detail: TransactionDetail = response.json()
    expect(detail.responseBody!.contentType).toBe('text/html')
    expect(Buffer.from(detail.responseBody!.base64, 'base64').toString()).toBe(XSS)
  })

  it('an id no longer (or never) in history: 404', async () => {
    expect((await call('GET', '/v1/inspector/transactions/nope', { session })).status).toBe(404)
  })

  it('a fault added with the session fails the next request, and the stream says so', async () => {
    const added = await call('POST', '/v1/faults', { session, origin, body: { faults: ['status 418 --route api'] } })
    expect(added.status).toBe(201)
    const [fault] = added.json().faults
    const views: ActiveFaultView[] = await stream.next('faults', (list: ActiveFaultView[]) => list.some((view) => view.id === fault.id))
    expect(views.find((view) => view.id === fault.id)).toMatchObject({ kind: 'status', source: 'api', description: 'status 418 on route api' })
    const { response, tx } = await through('/api/users?faulted')
    expect(response.status).toBe(418)
    expect(response.headers['x-devproxy-fault']).toBeDefined()
    const batch: TransactionSummary[] = await stream.next('transactions', (rows: TransactionSummary[]) => rows.some((row) => row.id === tx.id))
    expect(batch.find((row) => row.id === tx.id)!.tags).toEqual(['fault 418'])
    expect((await call('DELETE', `/v1/faults/${fault.id}`, { session, origin })).status).toBe(204)
    await stream.next('faults', (list: ActiveFaultView[]) => list.length === 0)
  })

  it('resend: the request again through the proxy, under a new id; the upstream never sees the marker', async () => {
    const { tx: original } = await through('/api/users', { method: 'PUT', body: 'first', headers: { 'x-trace': 't1' } })
    const before = seen.length
    const response = await call('POST', `/v1/inspector/transactions/${original.id}/resend`, { session, origin, body: {} })
    expect(response.status).toBe(201)
    const { id } = response.json()
    expect(id).not.toBe(original.id)
    const batch: TransactionSummary[] = await stream.next('transactions', (rows: TransactionSummary[]) => rows.some((row) => row.id === id))
    expect(batch.find((row) => row.id === id)).toMatchObject({ method: 'PUT', url: '/api/users', status: 200 })
    const upstreamSaw = seen[before]!
    expect(upstreamSaw).toMatchObject({ method: 'PUT', url: '/users', body: 'first' })
    expect(upstreamSaw.headers['x-trace']).toBe('t1')
    expect(upstreamSaw.headers['x-devproxy-resend']).toBeUndefined()
  })

  it('resend, edited: method, path, headers and body as given', async () => {
    const { tx: original } = await through('/api/users')
    const before = seen.length
    const edit = { method: 'POST', url: '/api/users?dry=1', headers: { 'content-type': 'text/plain', 'x-edited': 'yes' }, body: Buffer.from('édité').toString('base64'), bodyBase64: true }
    const response = await call('POST', `/v1/inspector/transactions/${original.id}/resend`, { session, origin, body: edit })
    expect(response.status).toBe(201)
    expect(seen[before]).toMatchObject({ method: 'POST', url: '/users?dry=1', body: 'édité' })
    expect(seen[before]!.headers['x-edited']).toBe('yes')
  })

  it.each([
    [{ method: 'GET POST' }, 400],
    [{ url: 'http://elsewhere/' }, 400],
    [{ headers: { 'x-bad': 1 } }, 400],
    [{ headers: { 'bad name': 'x' } }, 400],
  ])('resend %j: %s, nothing sent', async (edit, status) => {
    const { tx: original } = await through('/api/users')
    const before = seen.length
    expect((await call('POST', `/v1/inspector/transactions/${original.id}/resend`, { session, origin, body: edit })).status).toBe(status)
    expect(seen.length).toBe(before)
  })

  it('HAR download: every transaction in history, or the ones asked for, as a file har-validator accepts', async () => {
    const all = await call('GET', '/v1/inspector/har', { session })
    expect(all.status).toBe(200)
    expect(all.headers['content-disposition']).toMatch(/^attachment; filename="devproxy-.+\.har"$/)
    const har = all.json()
    await expect(validateHar(har)).resolves.toBeTruthy()
    expect(har.log.entries.length).toBeGreaterThan(3)
    const ids = proxy.transactions.slice(-2).map((tx) => tx.id)
    const some = (await call('GET', `/v1/inspector/har?ids=${ids.join(',')}`, { session })).json()
    await expect(validateHar(some)).resolves.toBeTruthy()
    expect(some.log.entries.map((entry: any) => entry._devproxy.id)).toEqual(ids)
    expect((await call('GET', '/v1/inspector/har?ids=nope', { session })).status).toBe(404)
  })

  it('the HAR redacts secrets as devproxy record does', async () => {
    const { tx } = await through('/api/users?secret', { headers: { authorization: 'Bearer s3cret' } })
    const har = (await call('GET', `/v1/inspector/har?ids=${tx.id}`, { session })).json()
    expect(JSON.stringify(har)).not.toContain('s3cret')
  })

  it('recording: stopped, new transactions are neither kept nor streamed; started again, counted from 0', async () => {
    const stopped = await call('POST', '/v1/inspector/recording', { session, origin, body: { action: 'stop' } })
    expect(stopped.json()).toMatchObject({ recording: false })
    await stream.next('recording', (state) => state.recording === false)
    const { tx: unseen } = await through('/api/users?unseen')
    expect((await call('GET', `/v1/inspector/transactions/${unseen.id}`, { session })).status).toBe(404)
    const started = await call('POST', '/v1/inspector/recording', { session, origin, body: { action: 'start' } })
    expect(started.json()).toEqual({ recording: true, count: 0 })
    await stream.next('recording', (state) => state.recording && state.count === 0)
    // The count follows what is kept, with the batches.
    const { tx: kept } = await through('/api/users?kept')
    await stream.next('transactions', (rows: TransactionSummary[]) => rows.some((row) => row.id === kept.id))
    await stream.next('recording', (state) => state.recording && state.count === 1)
    expect((await call('POST', '/v1/inspector/recording', { session, origin, body: { action: 'pause' } })).status).toBe(400)
  })

  it('metrics: JSON (session or token) and Prometheus text (exposition format 0.0.4) follow the traffic', async () => {
    const json: MetricsSnapshot = (await call('GET', '/v1/metrics', { session })).json()
    const api = json.routes.find((route) => route.route === 'api')!
    expect(api.requests).toBe(proxy.transactions.filter((tx) => tx.route === 'api').length)
    expect(api.statusClasses['4xx']).toBe(1)
    expect(api.latencyMs.p50).toBeGreaterThan(0)
    const text = await call('GET', '/metrics', { bearer: true })
    expect(text.headers['content-type']).toBe(PROMETHEUS_CONTENT_TYPE)
    expect(text.body.toString()).toContain(`devproxy_requests_total{route="api",status_class="2xx"} ${api.statusClasses['2xx']}`)
    expect((await call('GET', '/metrics', { session })).status).toBe(200)
    expect((await call('GET', '/metrics')).status).toBe(401)
  })

  it('when the last browser leaves, body capture goes back to what the command asked for (none here)', async () => {
    const second = await openStream(session)
    await second.next('snapshot')
    second.close()
    stream.close()
    await vi.waitFor(() => expect(proxy.engine.captureBodyBytes).toBe(0))
  })
})

describe("the inspector's session cookie stays with devproxy", () => {
  it('is taken out of the Cookie field forwarded to the app (cookies ignore ports, RFC 6265 §8.5); the app\'s own cookies pass', async () => {
    const upstream = await startUpstream(echoHandler)
    const proxy = await startTestProxy({ routes: [{ path: '/', target: upstream.url }] })
    try {
      const mixed = await request(`${proxy.url}/x`, { headers: { cookie: 'a=1; devproxy_inspector_40123=secret; b=2' } })
      expect(JSON.parse(mixed.body.toString()).headers.cookie).toBe('a=1; b=2')
      const alone = await request(`${proxy.url}/x`, { headers: { cookie: 'devproxy_inspector_40123=secret' } })
      expect(JSON.parse(alone.body.toString()).headers.cookie).toBeUndefined()
      const none = await request(`${proxy.url}/x`, { headers: { cookie: 'sid=abc' } })
      expect(JSON.parse(none.body.toString()).headers.cookie).toBe('sid=abc')
    } finally {
      await proxy.close()
      await upstream.close()
    }
  })
})
