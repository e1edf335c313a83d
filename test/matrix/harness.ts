/**
 * The matrix's moving parts (issue 28): devproxy run as a user runs it (the CLI, in a project
 * directory, a second terminal for `status` and `fault`), clients for each listener, and one
 * reader per observer — the log file, the `--json` lines, the HAR `record` writes, the
 * inspector (list, detail, HAR download, signed in as its page does) and `status --json`.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import http2 from 'node:http2'
import https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli, spawnCli, type RunningCli } from '../helpers/cli.js'
import { sessionHeaders, signIn } from '../helpers/inspector.js'
import { SESSION_HEADER } from '../../src/inspector/api.js'

// ─── the project ────────────────────────────────────────────────────────────────────────────

export interface Project {
  readonly dir: string
  /** DEVPROXY_DATA_DIR: the local CA lives here, not in the user's data directory. */
  readonly env: NodeJS.ProcessEnv
  readonly upstream: MatrixUpstream
  ca(): Promise<Buffer>
  close(): Promise<void>
}

/**
 * A config with a route per answerer: `api` (the upstream; one retry on a reset), `slow` (a 300 ms
 * response timeout, for the timeout fault), `mocked` (mocks only), `hooked` (onRequest answers).
 */
export function matrixConfig(upstreamUrl: string): string {
  return `export default {
  routes: [
    { name: 'api', path: '/api', target: '${upstreamUrl}', retry: { attempts: 2, on: ['reset'], baseMs: 1, maxMs: 1 } },
    { name: 'slow', path: '/slow', target: '${upstreamUrl}', timeoutMs: 300 },
    { name: 'mocked', path: '/mocked', mock: [{ match: { path: '/mocked/**' }, status: 201, json: { mocked: true } }] },
    {
      name: 'hooked',
      path: '/hooked',
      target: '${upstreamUrl}',
      async onRequest(ctx) {
        return { status: 202, json: { hooked: true, got: await ctx.text() } }
      },
    },
  ],
}
`
}

export async function startProject(): Promise<Project> {
  const dir = await mkdtemp(join(tmpdir(), 'devproxy-matrix-'))
  const upstream = await startMatrixUpstream()
  await writeFile(join(dir, 'proxy.config.ts'), matrixConfig(upstream.url))
  const env = { DEVPROXY_DATA_DIR: join(dir, 'data') }
  return {
    dir,
    env,
    upstream,
    ca: () => readFile(join(dir, 'data', 'ca.pem')),
    async close() {
      await upstream.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

// ─── the upstream ───────────────────────────────────────────────────────────────────────────

export interface MatrixUpstream {
  readonly url: string
  close(): Promise<void>
}

/**
 * `/api/echo…` echoes the body (`echo:<body>`); `/api/flaky…` resets the first connection a path
 * arrives on and answers the next; `/slow/…` answers after 5 s (the route gives up at 300 ms);
 * anything else answers `ok:<path>`.
 */
async function startMatrixUpstream(): Promise<MatrixUpstream> {
  const flaked = new Set<string>()
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const url = req.url ?? '/'
      if (url.startsWith('/api/flaky') && !flaked.has(url)) {
        // Part of a response head, then a reset: a failure of this attempt (not a stale pooled
        // connection, which is resent outside the retry policy), so the route's retry answers it.
        flaked.add(url)
        req.socket.write('HTTP/1.1 200 OK\r\n', () => req.socket.resetAndDestroy())
        return
      }
      if (url.startsWith('/slow/')) {
        const timer = setTimeout(() => res.end('late'), 5_000)
        res.on('close', () => clearTimeout(timer))
        return
      }
      const body = url.startsWith('/api/echo') ? `echo:${Buffer.concat(chunks).toString()}` : `ok:${url}`
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) })
      res.end(body)
    })
  })
  const sockets = new Set<Socket>()
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

// ─── a proxy, as the CLI runs it ─────────────────────────────────────────────────────────────

export interface RunningProxy {
  readonly cli: RunningCli
  /** Every URL it listens on, from `devproxy status --json`, the main one first. */
  readonly urls: readonly string[]
  readonly port: number
  readonly logFile: string
  /** Stops it as Ctrl-C does; resolves with its exit. */
  stop(): Promise<{ code: number | null }>
}

/** `devproxy COMMAND … --port 0 --json --log-file FILE`, ready once `status` reports it. */
export async function startCli(project: Project, command: string[], name: string): Promise<RunningProxy> {
  const logFile = join(project.dir, `${name}.log`)
  const cli = spawnCli([...command, '--port', '0', '--json', '--log-file', logFile, '--no-watch'], { cwd: project.dir, env: project.env })
  // The banner (stderr, with --json) names the URL once it listens.
  const [, url] = await cli.waitFor(/(https?:\/\/127\.0\.0\.1:\d+)/, { stream: 'stderr' })
  const status = await statusOf(project, Number(new URL(url!).port))
  return {
    cli,
    urls: status.urls ?? [status.url],
    port: Number(new URL(url!).port),
    logFile,
    async stop() {
      cli.child.kill('SIGINT')
      const result = await cli.exited
      return { code: result.code }
    },
  }
}

export interface StatusJson {
  readonly url: string
  readonly urls?: readonly string[]
  readonly counters: { readonly requests: number; readonly errors: number; readonly faults: number }
  readonly metrics?: {
    readonly routes: ReadonlyArray<{ readonly route: string; readonly requests: number; readonly statusClasses: Readonly<Record<string, number>>; readonly faults: Readonly<Record<string, number>> }>
  }
  readonly inspectorUrl?: string
  readonly [key: string]: unknown
}

/** `devproxy status --json --port PORT`, from a second terminal. */
export async function statusOf(project: Project, port: number): Promise<StatusJson> {
  const result = await runCli(['status', '--json', '--port', String(port)], { cwd: project.dir, env: project.env })
  if (result.code !== 0) throw new Error(`devproxy status --port ${port} exited ${result.code}: ${result.stderr}`)
  return JSON.parse(result.stdout) as StatusJson
}

/** `devproxy fault ARGS --port PORT`; returns the fault's id from `--json`. */
export async function addFault(project: Project, port: number, args: string[]): Promise<string> {
  const result = await runCli(['fault', ...args, '--port', String(port), '--json'], { cwd: project.dir, env: project.env })
  if (result.code !== 0) throw new Error(`devproxy fault ${args.join(' ')} exited ${result.code}: ${result.stderr}`)
  const added = JSON.parse(result.stdout) as { faults?: Array<{ id: string }>; id?: string }
  const id = added.faults?.[0]?.id ?? added.id
  if (id === undefined) throw new Error(`no fault id in ${result.stdout}`)
  return id
}

export async function listFaults(project: Project, port: number): Promise<Array<{ id: string }>> {
  const result = await runCli(['fault', '--list', '--port', String(port), '--json'], { cwd: project.dir, env: project.env })
  if (result.code !== 0) throw new Error(`devproxy fault --list exited ${result.code}: ${result.stderr}`)
  const listed = JSON.parse(result.stdout) as Array<{ id: string }> | { faults: Array<{ id: string }> }
  return Array.isArray(listed) ? listed : listed.faults
}

export async function removeFault(project: Project, port: number, id: string): Promise<void> {
  const result = await runCli(['fault', '--remove', id, '--port', String(port)], { cwd: project.dir, env: project.env })
  if (result.code !== 0) throw new Error(`devproxy fault --remove ${id} exited ${result.code}: ${result.stderr}`)
}

/** The proxy entries of the project (`.devproxy/proxies/*.json`). */
export async function entries(project: Project): Promise<string[]> {
  try {
    return (await readdir(join(project.dir, '.devproxy', 'proxies'))).filter((name) => name.endsWith('.json'))
  } catch {
    return []
  }
}

// ─── clients ────────────────────────────────────────────────────────────────────────────────

export type ClientKind = 'h1' | 'h1-tls' | 'h2'

export interface Exchange {
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly body: string
}

/** One request as a client of that kind sends it (a fresh connection each). */
export function send(kind: ClientKind, baseUrl: string, ca: Buffer | undefined, method: string, path: string, body?: string): Promise<Exchange> {
  const url = new URL(path, baseUrl)
  if (kind === 'h2') {
    return new Promise((resolve, reject) => {
      const session = http2.connect(url.origin, { ca })
      session.on('error', reject)
      const req = session.request({ ':method': method, ':path': url.pathname + url.search, ...(body === undefined ? {} : { 'content-type': 'text/plain' }) })
      let status = 0
      let headers: Record<string, string | string[] | undefined> = {}
      const chunks: Buffer[] = []
      req.on('response', (h) => {
        status = Number(h[':status'])
        headers = h as Record<string, string | string[] | undefined>
      })
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        session.close()
        resolve({ status, headers, body: Buffer.concat(chunks).toString() })
      })
      req.on('error', reject)
      req.end(body)
    })
  }
  return new Promise((resolve, reject) => {
    const options = { method, headers: body === undefined ? {} : { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) }, agent: false as const }
    const onResponse = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }))
      res.on('error', reject)
    }
    const req = kind === 'h1-tls' ? https.request(url, { ...options, ca }, onResponse) : http.request(url, options, onResponse)
    req.on('error', reject)
    req.end(body)
  })
}

/** A request whose client goes away once the proxy has it (the answer is held by a latency fault). */
export function sendAndAbandon(kind: ClientKind, baseUrl: string, ca: Buffer | undefined, path: string, afterMs: number): Promise<void> {
  const url = new URL(path, baseUrl)
  return new Promise((resolve) => {
    if (kind === 'h2') {
      const session = http2.connect(url.origin, { ca })
      session.on('error', () => {})
      const req = session.request({ ':path': url.pathname + url.search })
      req.on('error', () => {})
      req.end()
      setTimeout(() => {
        req.close(http2.constants.NGHTTP2_CANCEL)
        session.close()
        resolve()
      }, afterMs)
      return
    }
    const req = kind === 'h1-tls' ? https.request(url, { ca, agent: false }) : http.request(url, { agent: false })
    req.on('error', () => {})
    req.end()
    setTimeout(() => {
      req.destroy()
      resolve()
    }, afterMs)
  })
}

// ─── observers ──────────────────────────────────────────────────────────────────────────────

/** One transaction as an observer saw it; fields an observer does not show are undefined. */
export interface Observed {
  readonly method?: string
  /** Absolute URL, scheme included (or the path, for the log line). */
  readonly url?: string
  readonly path?: string
  readonly route?: string | null
  /** What answered, as the observer names it: an upstream origin, `mock[0]`, `onRequest`, `replay x.har`. */
  readonly target?: string | null
  readonly status?: number | null
  readonly httpVersion?: string
  /** `upstream`, `mock`, `hook`, `fault`, `replay`. */
  readonly answeredBy?: string
  readonly attempts?: number
  readonly faults?: readonly string[]
  readonly requestBody?: string
  readonly responseBody?: string
  readonly requestBytes?: number
  readonly responseBytes?: number
  readonly ending?: string | null
}

interface JsonLine {
  route: string | null
  target: string | null
  method: string
  url: string
  scheme: string
  httpVersion: string
  status: number | null
  answeredBy: string | null
  attempts: unknown[]
  faults: string[]
  requestBytes: number
  responseBytes: number
  ending: string | null
  headers: { request: Record<string, string> }
}

/** The `--json` lines on the proxy's stdout whose target carries `?tx=ID`. */
export function fromJson(stdout: string, id: string): Observed | undefined {
  const line = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as JsonLine)
    .find((j) => j.url.includes(`tx=${id}`))
  if (line === undefined) return undefined
  const host = line.headers.request.host ?? line.headers.request[':authority']
  return {
    method: line.method,
    url: `${line.scheme}://${host}${line.url}`,
    route: line.route,
    target: line.target,
    status: line.status,
    httpVersion: line.httpVersion,
    answeredBy: line.answeredBy ?? 'upstream',
    attempts: line.attempts.length,
    faults: line.faults,
    requestBytes: line.requestBytes,
    responseBytes: line.responseBytes,
    ending: line.ending,
  }
}

/**
 * The log file's line for `?tx=ID`: `HH:MM:SS.mmm METHOD path route → target STATUS DUR SIZE[ h2] [tags]`.
 * What it shows of who answered and the attempts are its tags.
 */
export function fromLog(log: string, id: string): Observed | undefined {
  const line = log.split('\n').find((l) => l.includes(`tx=${id}`) && /^\d\d:\d\d:\d\d\.\d{3} /.test(l))
  if (line === undefined) return undefined
  const match = /^\S+ (\S+)\s+(\S+) (?:→ \S+ )?(\S+) → (.*?) (\d{3}|---) \S+ (\S+ \S+)( h2)?((?: \[[^\]]+\])*)\s*$/.exec(line)
  if (match === null) throw new Error(`unreadable log line: ${line}`)
  const tags = [...match[8]!.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]!)
  const retries = tags.filter((t) => t.startsWith('retry ') || t.startsWith('reconnected')).length
  const faults = tags.filter((t) => t.startsWith('fault ')).flatMap((t) => {
    const repeat = /^fault (.*) ×(\d+)$/.exec(t)
    return repeat ? Array.from({ length: Number(repeat[2]) }, () => repeat[1]!) : [t.slice('fault '.length)]
  })
  return {
    method: match[1]!,
    path: match[2]!,
    route: match[3]!,
    target: match[4]!,
    status: match[5] === '---' ? null : Number(match[5]),
    httpVersion: match[7] ? 'HTTP/2.0' : 'HTTP/1.x',
    answeredBy: tags.includes('mock') ? 'mock' : tags.includes('replay') ? 'replay' : tags.includes('hook') ? 'hook' : faults.length > 0 && !/latency/.test(faults.join()) ? 'fault' : 'upstream',
    attempts: retries + 1,
    faults,
    ending: tags.includes('client aborted') ? 'client-aborted' : undefined,
  }
}

interface HarEntry {
  request: { method: string; url: string; httpVersion: string; postData?: { text?: string } }
  response: { status: number; content: { text?: string; encoding?: string }; bodySize: number }
  _devproxy: { route: string | null; target: string | null; attempts: number; fault: string[]; answeredBy: string | null; ending: string | null }
}

export function fromHarEntries(har: { log: { entries: HarEntry[] } }, id: string): Observed | undefined {
  const entry = har.log.entries.find((e) => e.request.url.includes(`tx=${id}`))
  if (entry === undefined) return undefined
  const text = (content: { text?: string; encoding?: string } | undefined) =>
    content?.text === undefined ? undefined : content.encoding === 'base64' ? Buffer.from(content.text, 'base64').toString() : content.text
  return {
    method: entry.request.method,
    url: entry.request.url,
    route: entry._devproxy.route,
    target: entry._devproxy.target,
    status: entry.response.status === 0 ? null : entry.response.status,
    httpVersion: entry.request.httpVersion,
    answeredBy: entry._devproxy.answeredBy ?? 'upstream',
    attempts: entry._devproxy.attempts,
    faults: entry._devproxy.fault,
    requestBody: entry.request.postData?.text ?? '',
    responseBody: text(entry.response.content) ?? '',
    ending: entry._devproxy.ending,
  }
}

export async function readHar(file: string): Promise<{ log: { entries: HarEntry[] } }> {
  return JSON.parse(await readFile(file, 'utf8')) as { log: { entries: HarEntry[] } }
}

// ─── the inspector ──────────────────────────────────────────────────────────────────────────

export interface Inspector {
  /** Opens the live stream and keeps it open, as a browser tab does: the proxy captures bodies while one watches. */
  watch(): Promise<() => void>
  list(): Promise<InspectorSummary[]>
  detail(id: string): Promise<InspectorDetail>
  har(): Promise<{ log: { entries: HarEntry[] } }>
}

interface InspectorSummary {
  id: string
  route: string | null
  target: string | null
  method: string
  scheme: string
  host: string | null
  url: string
  protocol: string
  status: number | null
  tags: string[]
}

interface InspectorDetail {
  summary: InspectorSummary
  requestBody: { base64: string } | null
  responseBody: { base64: string } | null
  attempts: Array<{ by?: string | null }>
  faults: string[]
  ending: string | null
}

/** Signs in with the login link `status` prints, as the inspector's page does. */
export async function openInspector(status: StatusJson): Promise<Inspector> {
  const link = status.inspectorUrl
  if (link === undefined) throw new Error(`no inspector link in status: ${JSON.stringify(status)}`)
  const session = await signIn(link)
  const origin = new URL(link).origin
  const headers = sessionHeaders(session, origin)
  const get = (path: string) =>
    new Promise<string>((resolve, reject) => {
      http
        .get(`${origin}${path}`, { headers }, (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString()) : reject(new Error(`GET ${path}: ${res.statusCode} ${Buffer.concat(chunks)}`))))
        })
        .on('error', reject)
    })
  const stream = (onSnapshot: (transactions: InspectorSummary[], stop: () => void) => void, onError: (error: Error) => void) => {
    const req = http.get(`${origin}/v1/inspector/stream`, { headers: { ...headers, accept: 'text/event-stream' } }, (res) => {
      let text = ''
      let told = false
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString()
        const event = /event: snapshot\ndata: (.*)\n\n/.exec(text)
        if (event === null || told) return
        told = true
        onSnapshot((JSON.parse(event[1]!) as { transactions: InspectorSummary[] }).transactions, () => req.destroy())
      })
      res.on('error', () => {})
    })
    req.on('error', (error) => (req.destroyed ? undefined : onError(error)))
  }
  return {
    watch: () => new Promise((resolve, reject) => stream((_, stop) => resolve(stop), reject)),
    /** The stream's first event, the snapshot: what the list shows. */
    list: () =>
      new Promise((resolve, reject) =>
        stream((transactions, stop) => {
          stop()
          resolve(transactions)
        }, reject),
      ),
    detail: async (id) => JSON.parse(await get(`/v1/inspector/transactions/${encodeURIComponent(id)}`)) as InspectorDetail,
    har: async () => JSON.parse(await get('/v1/inspector/har')) as { log: { entries: HarEntry[] } },
  }
}

export async function fromInspector(inspector: Inspector, list: readonly InspectorSummary[], id: string): Promise<Observed | undefined> {
  const row = list.find((s) => s.url.includes(`tx=${id}`))
  if (row === undefined) return undefined
  const detail = await inspector.detail(row.id)
  const faults = detail.faults
  const by = detail.attempts.at(-1)?.by
  return {
    method: row.method,
    url: `${row.scheme}://${row.host}${row.url}`,
    route: row.route,
    target: row.target,
    status: row.status,
    httpVersion: row.protocol,
    answeredBy: by ?? 'upstream',
    attempts: detail.attempts.length,
    faults,
    requestBody: Buffer.from(detail.requestBody?.base64 ?? '', 'base64').toString(),
    responseBody: Buffer.from(detail.responseBody?.base64 ?? '', 'base64').toString(),
    ending: detail.ending,
  }
}
