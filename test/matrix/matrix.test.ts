/**
 * Features that work alone must work together (issue 28): every listener × every answerer ×
 * every observer, run as a user runs devproxy — `devproxy record` (which is `start` plus a HAR)
 * in a project directory, `devproxy status` and `devproxy fault` from a second terminal, then
 * `devproxy replay` of what was recorded.
 *
 * Each transaction carries `?tx=<listener>-<answerer>`; every observer must agree with what the
 * client saw (method, URL with its scheme, status, HTTP version, bodies) and with each other
 * (who answered, attempts, fault tags): the log line, the `--json` line, the HAR, the
 * inspector's list, detail and HAR download, and `status --json`'s metrics. Per listener also:
 * `status` shows every URL, `fault` adds, lists and removes, the inspector link works, and the
 * proxy's entry in `.devproxy/proxies/` is gone when it stops.
 *
 * One proxy per listener, reused for all its transactions; listeners run one after another.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  addFault,
  entries,
  fromHarEntries,
  fromInspector,
  fromJson,
  fromLog,
  listFaults,
  openInspector,
  readHar,
  removeFault,
  send,
  sendAndAbandon,
  startCli,
  startProject,
  statusOf,
  type ClientKind,
  type Exchange,
  type Observed,
  type Project,
  type RunningProxy,
} from './harness.js'

interface Listener {
  readonly name: string
  readonly flags: readonly string[]
  readonly client: ClientKind
  /** Which of the proxy's URLs the client uses (the `--https-port` one is the second). */
  readonly urlIndex: number
  readonly scheme: 'http' | 'https'
}

const LISTENERS: readonly Listener[] = [
  { name: 'http', flags: [], client: 'h1', urlIndex: 0, scheme: 'http' },
  { name: 'https-h2', flags: ['--https'], client: 'h2', urlIndex: 0, scheme: 'https' },
  { name: 'https-h1', flags: ['--https'], client: 'h1-tls', urlIndex: 0, scheme: 'https' },
  { name: 'https-port', flags: ['--https-port', '0'], client: 'h2', urlIndex: 1, scheme: 'https' },
]

/** What the client must see, and what every observer must say, for one answerer. */
interface Answerer {
  readonly name: string
  readonly method: string
  readonly path: string
  readonly body?: string
  /** `devproxy fault` flags set before the request and removed after it. */
  readonly fault?: readonly string[]
  readonly status: (status: number) => boolean
  readonly answeredBy: string
  readonly attempts: number
  readonly faults: number
  /** The client gives up while a latency fault holds the answer. */
  readonly abandon?: boolean
}

const ANSWERERS: readonly Answerer[] = [
  { name: 'upstream', method: 'POST', path: '/api/echo', body: 'hello', status: (s) => s === 200, answeredBy: 'upstream', attempts: 1, faults: 0 },
  { name: 'retried-reset', method: 'GET', path: '/api/flaky', status: (s) => s === 200, answeredBy: 'upstream', attempts: 2, faults: 0 },
  { name: 'fault-5xx', method: 'POST', path: '/api/f5xx', body: 'to a 5xx', fault: ['--5xx', '100%', '--path', '/api/f5xx'], status: (s) => s >= 500 && s <= 504, answeredBy: 'fault', attempts: 1, faults: 1 },
  { name: 'fault-reset', method: 'GET', path: '/api/freset', fault: ['--reset', '100%', '--path', '/api/freset'], status: (s) => s === 502, answeredBy: 'fault', attempts: 2, faults: 2 },
  { name: 'fault-timeout', method: 'GET', path: '/slow/ftimeout', fault: ['--timeout', '100%', '--path', '/slow/ftimeout'], status: (s) => s === 504, answeredBy: 'fault', attempts: 1, faults: 1 },
  { name: 'mock', method: 'GET', path: '/mocked/x', status: (s) => s === 201, answeredBy: 'mock', attempts: 1, faults: 0 },
  { name: 'hook', method: 'POST', path: '/hooked/x', body: 'for the hook', status: (s) => s === 202, answeredBy: 'hook', attempts: 1, faults: 0 },
  { name: 'client-abort', method: 'GET', path: '/api/abort', fault: ['--latency', '3000', '--path', '/api/abort'], status: () => false, answeredBy: 'upstream', attempts: 1, faults: 1, abandon: true },
]

interface Sent {
  readonly listener: Listener
  /** The route it must be logged under. */
  readonly route: string
  readonly answerer: Answerer
  readonly id: string
  readonly url: string
  readonly exchange: Exchange | undefined
  readonly body: string
}

let project: Project

beforeAll(async () => {
  project = await startProject()
})
afterAll(() => project.close())

describe.sequential('the matrix: listener × answerer × observer (issue 28)', () => {
  for (const listener of LISTENERS) {
    describe.sequential(`listener ${listener.name}`, () => {
      let proxy: RunningProxy
      let base: string
      let ca: Buffer | undefined
      const sent: Sent[] = []
      const har = () => join(project.dir, `${listener.name}.har`)

      beforeAll(async () => {
        proxy = await startCli(project, ['record', '--out', har(), ...listener.flags], listener.name)
        base = proxy.urls[listener.urlIndex]!
        ca = listener.scheme === 'https' ? await project.ca() : undefined
      })
      afterAll(async () => {
        if (proxy.cli.child.exitCode === null) await proxy.stop()
      })

      it('status shows every URL it listens on; the second terminal finds it', async () => {
        const status = await statusOf(project, proxy.port)
        expect(status.urls?.map((u) => new URL(u).protocol)).toEqual(listener.name === 'https-port' ? ['http:', 'https:'] : [`${listener.scheme}:`])
        expect(status.inspectorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/inspector\/login#token=/)
      })

      it('fault: added, listed and removed from a second terminal', async () => {
        const id = await addFault(project, proxy.port, ['--5xx', '100%', '--path', '/nowhere'])
        expect((await listFaults(project, proxy.port)).map((f) => f.id)).toContain(id)
        await removeFault(project, proxy.port, id)
        expect((await listFaults(project, proxy.port)).map((f) => f.id)).not.toContain(id)
      })

      it('every answerer answers as it should, seen from the client', async () => {
        for (const answerer of ANSWERERS) {
          const id = `${listener.name}-${answerer.name}`
          const path = `${answerer.path}?tx=${id}`
          const faultId = answerer.fault === undefined ? undefined : await addFault(project, proxy.port, [...answerer.fault])
          const body = answerer.body === undefined ? '' : `${answerer.body} ${id}`
          let exchange: Exchange | undefined
          if (answerer.abandon) await sendAndAbandon(listener.client, base, ca, path, 300)
          else exchange = await send(listener.client, base, ca, answerer.method, path, answerer.body === undefined ? undefined : body)
          if (faultId !== undefined) await removeFault(project, proxy.port, faultId)
          const url = `${new URL(base).protocol}//${new URL(base).host}${path}`
          sent.push({ listener, answerer, id, url, exchange, body, route: answerer.path.split('/')[1]! === 'mocked' ? 'mocked' : answerer.path.split('/')[1]! })
          if (exchange !== undefined) expect(answerer.status(exchange.status), `${id}: status ${exchange.status} ${exchange.body}`).toBe(true)
        }
        // What the upstream answered reached the client whole.
        expect(sent.find((s) => s.answerer.name === 'upstream')?.exchange?.body).toBe(`echo:hello ${listener.name}-upstream`)
      })

      it('the log line, the --json line, the inspector (list and detail) and its HAR download agree with the client and with each other', async () => {
        const inspector = await openInspector(await statusOf(project, proxy.port))
        const list = await inspector.list()
        const inspectorHar = await inspector.har()
        // The log and --json are written as transactions finish: the abandoned one may be last.
        await proxy.cli.waitFor(new RegExp(`tx=${listener.name}-client-abort`))
        const log = await readFile(proxy.logFile, 'utf8')
        const problems: string[] = []
        for (const s of sent) {
          const views: Record<string, Observed | undefined> = {
            json: fromJson(proxy.cli.stdout(), s.id),
            log: fromLog(log, s.id),
            inspector: await fromInspector(inspector, list, s.id),
            'inspector HAR': fromHarEntries(inspectorHar, s.id),
          }
          problems.push(...judge(s, views))
        }
        expect(problems).toEqual([])
      })

      it('status --json metrics count what was sent, per route, by status class, and the faults that acted', async () => {
        const status = await statusOf(project, proxy.port)
        const expected = new Map<string, Record<string, number>>()
        for (const s of sent) {
          const route = s.answerer.path.split('/')[1] === 'api' ? 'api' : s.answerer.path.split('/')[1] === 'slow' ? 'slow' : s.answerer.path.split('/')[1]!
          const classes = expected.get(route) ?? {}
          const cls = s.exchange === undefined ? 'none' : `${String(s.exchange.status)[0]}xx`
          classes[cls] = (classes[cls] ?? 0) + 1
          expected.set(route, classes)
        }
        const seen = new Map((status.metrics?.routes ?? []).map((r) => [r.route, r.statusClasses]))
        for (const [route, classes] of expected) expect(seen.get(route), `route ${route}`).toEqual(classes)
        expect(status.counters.faults).toBe(ANSWERERS.reduce((n, a) => n + a.faults, 0))
      })

      it('stopped as Ctrl-C stops it: its entry is removed, and the HAR it wrote agrees with everything else', async () => {
        expect(await entries(project)).toHaveLength(1)
        const { code } = await proxy.stop()
        expect(code).toBe(0)
        expect(await entries(project)).toEqual([])
        const recorded = await readHar(har())
        const problems = sent.flatMap((s) => judge(s, { HAR: fromHarEntries(recorded, s.id) }))
        expect(problems).toEqual([])
      })

      it('devproxy replay of that HAR answers from the file, on the same listener, and its observers agree', async () => {
        const replay = await startCli(project, ['replay', har(), ...listener.flags], `${listener.name}-replay`)
        try {
          const replayBase = replay.urls[listener.urlIndex]!
          const original = sent.find((s) => s.answerer.name === 'upstream')!
          const path = `${original.answerer.path}?tx=${original.id}`
          // The inspector is open in a tab, as a user watching the replay has it.
          const inspector = await openInspector(await statusOf(project, replay.port))
          const stopWatching = await inspector.watch()
          const exchange = await send(listener.client, replayBase, ca, 'POST', path, original.body)
          expect(exchange.status).toBe(200)
          expect(exchange.body).toBe(original.exchange!.body)
          // devproxy replay serves every recorded request under its route `replay` (README).
          const replayed: Sent = { ...original, url: `${new URL(replayBase).protocol}//${new URL(replayBase).host}${path}`, exchange, route: 'replay' }
          const answerer: Answerer = { ...original.answerer, answeredBy: 'replay' }
          const status = await statusOf(project, replay.port)
          await replay.cli.waitFor(new RegExp(`tx=${original.id}`))
          const views: Record<string, Observed | undefined> = {
            json: fromJson(replay.cli.stdout(), original.id),
            log: fromLog(await readFile(replay.logFile, 'utf8'), original.id),
            inspector: await fromInspector(inspector, await inspector.list(), original.id),
          }
          stopWatching()
          expect(judge({ ...replayed, answerer }, views)).toEqual([])
          expect(status.metrics?.routes.find((r) => r.route === 'replay')?.statusClasses).toEqual({ '2xx': 1 })
        } finally {
          await replay.stop()
        }
        expect(await entries(project)).toEqual([])
      })
    })
  }
})

/** Every way an observer departs from the client's view or from the answerer's expectations. */
function judge(s: Sent, views: Record<string, Observed | undefined>): string[] {
  const problems: string[] = []
  const version = s.listener.client === 'h2' ? 'HTTP/2.0' : 'HTTP/1.1'
  const path = new URL(s.url).pathname + new URL(s.url).search
  for (const [observer, seen] of Object.entries(views)) {
    const say = (what: string, got: unknown, want: unknown) => problems.push(`${s.id} — ${observer}: ${what} ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`)
    if (seen === undefined) {
      problems.push(`${s.id} — ${observer}: not there`)
      continue
    }
    if (seen.method !== undefined && seen.method !== s.answerer.method) say('method', seen.method, s.answerer.method)
    if (seen.url !== undefined && seen.url !== s.url) say('URL', seen.url, s.url)
    if (seen.path !== undefined && seen.path !== path) say('path', seen.path, path)
    if (seen.route !== undefined && seen.route !== s.route) say('route', seen.route, s.route)
    const status = s.exchange?.status ?? null
    if (seen.status !== undefined && seen.status !== status) say('status', seen.status, status)
    if (seen.httpVersion !== undefined && seen.httpVersion !== (observer === 'log' ? (version === 'HTTP/2.0' ? version : 'HTTP/1.x') : version)) say('HTTP version', seen.httpVersion, version)
    if (seen.answeredBy !== undefined && seen.answeredBy !== s.answerer.answeredBy) say('answered by', seen.answeredBy, s.answerer.answeredBy)
    if (seen.attempts !== undefined && seen.attempts !== s.answerer.attempts) say('attempts', seen.attempts, s.answerer.attempts)
    if (seen.faults !== undefined && seen.faults.length !== s.answerer.faults) say('faults', seen.faults, `${s.answerer.faults} of them`)
    if (seen.requestBody !== undefined && seen.requestBody !== s.body) say('request body', seen.requestBody, s.body)
    if (seen.responseBody !== undefined && s.exchange !== undefined && seen.responseBody !== s.exchange.body) say('response body', seen.responseBody, s.exchange.body)
    if (seen.requestBytes !== undefined && seen.requestBytes !== Buffer.byteLength(s.body)) say('request bytes', seen.requestBytes, Buffer.byteLength(s.body))
    if (seen.responseBytes !== undefined && s.exchange !== undefined && seen.responseBytes !== Buffer.byteLength(s.exchange.body)) say('response bytes', seen.responseBytes, Buffer.byteLength(s.exchange.body))
    const ending = s.answerer.abandon ? 'client-aborted' : undefined
    if (ending !== undefined && seen.ending !== undefined && seen.ending !== ending) say('ending', seen.ending, ending)
  }
  // Who answered is named alike by every observer that names it.
  const targets = Object.entries(views).filter(([, v]) => v?.target !== undefined).map(([k, v]) => [k, v!.target] as const)
  if (new Set(targets.map(([, t]) => t)).size > 1) problems.push(`${s.id}: the target differs between observers: ${targets.map(([k, t]) => `${k} ${t}`).join('; ')}`)
  // Fault tags must be the same words everywhere, not only as many.
  const tags = Object.entries(views).filter(([, v]) => v?.faults !== undefined).map(([k, v]) => [k, JSON.stringify(v!.faults)] as const)
  if (new Set(tags.map(([, t]) => t)).size > 1) problems.push(`${s.id}: fault tags differ between observers: ${tags.map(([k, t]) => `${k} ${t}`).join('; ')}`)
  return problems
}
