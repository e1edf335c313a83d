import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { isPlainObject, type ConfigIssue } from '../config/checks.js'
import { ControlError } from '../errors.js'
import { checkFaultSelectors } from '../faults/check-selectors.js'
import { validateFaultSpec } from '../faults/validate-spec.js'
import { FaultSpecError, parseFaultString } from '../faults/parse.js'
import type { ActiveFault, FaultSpec } from '../faults/types.js'
import { targetLabels } from '../config/route-targets.js'
import type { FaultRegistry } from '../faults/registry.js'
import { createMetrics, type Metrics } from '../metrics/route-metrics.js'
import { formatPrometheus, PROMETHEUS_CONTENT_TYPE } from '../metrics/prometheus.js'
import type { Engine, TransactionSink } from '../proxy/index.js'
import { checkAccess, checkRequestTarget, type Denial } from '../local-api/access.js'
import { newSecret } from '../local-api/secrets.js'
import { ANSWERED, ApiError, dispatch, findRoute, pathOf, readJsonBody, sendJson, sendReply, type ApiRoute, type ErrorBody, type Reply, type RouteTable } from '../local-api/http-api.js'
import { CLIENT_USER_AGENT, type FaultsChange, type ProxyStatus, type RouteSummary } from './protocol.js'
import { findStates, removeState, writeState, type ProxyState } from './state-file.js'

/**
 * The control API: loopback only, a random port, a bearer token. `devproxy fault` and
 * `devproxy status` find it through this proxy's entry in `.devproxy/proxies/`, written once
 * it listens. Another part may serve its own routes on the same port (a guest: the inspector,
 * put in by src/start-control.ts), so neither knows the other.
 */

/**
 * What a guest brings to the control server: its routes, who may call those marked `session`
 * or `anyone` (the bearer token opens every route anyway), and the page a refused `page` route
 * shows.
 */
export interface ControlGuest {
  readonly routes: RouteTable
  /** Gets each finished transaction once the API is up. */
  readonly sink: TransactionSink
  /** A `session` route called without the bearer token. */
  checkSession(req: IncomingMessage): Denial | undefined
  /** An `anyone` route: the handler checks a credential of its own; this checks the rest (Host, Origin). */
  checkAnyone(req: IncomingMessage): Denial | undefined
  /** What a browser sees when a `page` route refuses it. */
  refusalPage(status: number, message: string): Extract<Reply, { readonly raw: unknown }>
  /** The guest's own link, if it has one (the inspector's one-time login link). */
  loginUrl(): string
  /** The faults were changed through the API. */
  faultsChanged(): void
  /** The server stops. */
  close(): void
}

/** What the control server gives its guest to build it: the metrics it serves, and its port once it listens. */
export interface ControlHost {
  readonly metrics: Metrics
  port(): number
}

export interface ControlServerOptions {
  readonly engine: Engine
  /** The faults the API lists, adds and removes. */
  readonly faults: FaultRegistry
  /** The proxy's main URL, as bound; names its entry. */
  readonly proxyUrl: string
  /** Every URL the proxy listens on, the main one first; shown by `devproxy status`. Default: `[proxyUrl]`. */
  readonly proxyUrls?: readonly string[] | undefined
  /** Forward mode: the intercept CA's file and certificate, shown by `devproxy status` (and in the state file: its path). */
  readonly interceptCaPath?: string | undefined
  readonly interceptCaPem?: string | undefined
  /** Told of each change to the faults made through the API (the proxy logs it). */
  readonly onFaultsChanged?: ((change: FaultsChange) => void) | undefined
  readonly configFile?: string | undefined
  /** The directory that gets `.devproxy/proxies/<pid>-<port>.json`: the config file's, or the cwd. */
  readonly stateDir: string
  /** The command that runs the proxy, shown by `devproxy status`. Default: `start`. */
  readonly command?: string | undefined
  /** Builds the guest that serves its routes on this port too (the inspector). */
  readonly guest: (host: ControlHost) => ControlGuest
  /**
   * The pid `devproxy status` shows and the entry is named after: the process a user started
   * and stops. Default: this process's; under `devproxy start`'s supervisor, the supervisor's
   * (it outlives a restart of this one).
   */
  readonly pid?: number | undefined
}

export interface ControlServer {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string
  readonly token: string
  /** This proxy's entry, written for this server. */
  readonly stateFile: string
  /** The other live proxies with an entry in the same directory when this one started. */
  readonly neighbours: readonly ProxyState[]
  /** The guest's link in force (the inspector's one-time login link: `http://127.0.0.1:PORT/inspector/login#token=…`). */
  inspectorUrl(): string
  /** Removes this proxy's entry (never another's), then stops the server. */
  close(): Promise<void>
}

export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  // Named (`devproxy_control_…`) so that whatever shows or records traffic recognises it (secrets.ts).
  const token = newSecret('control')
  const tokenBytes = Buffer.from(token, 'utf8')
  const startedAt = Date.now()
  let port = 0
  const metrics = createMetrics()
  const guest = options.guest({ metrics, port: () => port })
  const routes: RouteTable = [...controlRoutes(options, startedAt, metrics, guest), ...guest.routes]

  /**
   * The bearer token opens every route (and refuses any Origin: no web page has business with
   * it); the guest's own credential (the inspector's session header) opens those marked
   * `session`, from its own origin only.
   */
  const checkRequest = (route: ApiRoute | undefined, req: IncomingMessage): Denial | undefined => {
    const ambiguous = checkRequestTarget(req, port)
    if (ambiguous) return ambiguous
    const auth = route?.auth ?? 'token'
    if (auth === 'anyone') return guest.checkAnyone(req)
    if (auth === 'session' && req.headers.authorization === undefined) return guest.checkSession(req)
    return checkAccess(req.headers, tokenBytes, port)
  }

  const server = http.createServer((req, res) => {
    const found = findRoute(routes, pathOf(req))
    const denial = checkRequest(found?.route, req)
    if (denial) return refuse(res, denial, found?.route.page === true ? guest : undefined)
    dispatch(found, req, res).then(
      (reply) => reply === ANSWERED || sendReply(res, reply),
      (error: unknown) => {
        if (error instanceof ApiError) {
          const body: ErrorBody = {
            error: { type: error.type, message: error.message, ...(error.issues ? { issues: error.issues } : {}), ...(error.routes ? { routes: error.routes } : {}) },
          }
          // RFC 9110 §15.5.6: a 405 names the methods the resource supports.
          const allow = error.status === 405 ? { allow: Object.keys(found?.route.methods ?? {}).join(', ') } : {}
          // An over-long body is left unread; the connection cannot be reused after it.
          const close = error.status === 413 ? { connection: 'close' } : {}
          return sendJson(res, error.status, body, { ...allow, ...close })
        }
        sendJson(res, 500, { error: { type: 'internal', message: (error as Error).message ?? String(error) } })
      },
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}`
  const stop = () =>
    new Promise<void>((resolve) => {
      guest.close()
      server.close(() => resolve())
      server.closeAllConnections()
    })

  const state: ProxyState = {
    pid: options.pid ?? process.pid,
    url: options.proxyUrl,
    urls: options.proxyUrls ?? [options.proxyUrl],
    controlUrl: url,
    token,
    ...(options.configFile === undefined ? {} : { configFile: options.configFile }),
    startedAt,
    command: options.command ?? 'start',
    ...(options.interceptCaPath === undefined ? {} : { interceptCaPath: options.interceptCaPath }),
    ...(options.engine.state.config.outbound === undefined ? {} : { forward: true }),
  }
  let stateFile: string
  try {
    stateFile = await writeState(options.stateDir, state)
  } catch (error) {
    await stop()
    throw new ControlError('state_write_failed', `cannot write the control state file in ${options.stateDir}: ${(error as Error).message}`, {
      suggestion: 'devproxy fault and devproxy status need a writable .devproxy directory next to the config file (or in the current directory).',
      cause: error,
    })
  }
  // Counting starts once the API that shows the counts is up.
  options.engine.addSink(metrics.sink)
  options.engine.addSink(guest.sink)
  const found = await findStates(options.stateDir).catch(() => undefined)
  const neighbours = (found?.dir === resolve(options.stateDir) ? found.entries : [])
    .filter((entry) => entry.alive && entry.file !== stateFile)
    .map((entry) => entry.state)

  let closing: Promise<void> | undefined
  return {
    url,
    token,
    stateFile,
    neighbours,
    inspectorUrl: guest.loginUrl,
    close() {
      closing ??= removeState(options.stateDir, state).finally(stop)
      return closing
    },
  }
}

function controlRoutes(options: ControlServerOptions, startedAt: number, metrics: Metrics, guest: ControlGuest): RouteTable {
  const { engine, faults } = options
  const changed = (req: IncomingMessage, change: FaultsChange['change'], list: readonly ActiveFault[]) => {
    guest.faultsChanged()
    if (list.length > 0) options.onFaultsChanged?.({ change, faults: list, by: changedBy(req) })
  }
  return [
    {
      pattern: /^\/v1\/status$/,
      methods: {
        GET: () => {
          const status: ProxyStatus = {
            pid: options.pid ?? process.pid,
            url: options.proxyUrl,
            urls: options.proxyUrls ?? [options.proxyUrl],
            command: options.command ?? 'start',
            ...(options.configFile === undefined ? {} : { configFile: options.configFile }),
            startedAt,
            routes: [...engine.state.config.routes.map(summarizeRoute), ...[...engine.state.implicit.values()].map((route) => ({ ...summarizeRoute(route), outbound: true }))],
            ...(engine.state.config.outbound === undefined ? {} : { forward: true }),
            ...(options.interceptCaPath === undefined ? {} : { interceptCaPath: options.interceptCaPath }),
            ...(options.interceptCaPem === undefined ? {} : { interceptCaPem: options.interceptCaPem }),
            faults: faults.list(),
            counters: { ...engine.counters },
          }
          return { status: 200, body: status }
        },
      },
    },
    {
      pattern: /^\/v1\/faults$/,
      auth: 'session',
      methods: {
        GET: () => ({ status: 200, body: faults.list() }),
        POST: async (req) => {
          const specs = checkFaultsBody(await readJsonBody(req))
          checkSelectors(specs, engine.state.config.routes)
          const added = specs.map((spec) => faults.add(spec, 'api'))
          changed(req, 'added', added)
          return { status: 201, body: { faults: added } }
        },
        DELETE: (req) => {
          const removed = faults.list()
          const cleared = faults.clear()
          changed(req, 'removed', removed)
          return { status: 200, body: { cleared } }
        },
      },
    },
    {
      pattern: /^\/v1\/faults\/([^/]+)$/,
      auth: 'session',
      methods: {
        DELETE: (req, [id = '']) => {
          const removed = faults.list().filter((fault) => fault.id === id)
          if (!faults.remove(id)) throw new ApiError(404, 'not_found', `no active fault ${JSON.stringify(id)}`)
          changed(req, 'removed', removed)
          return { status: 204 }
        },
      },
    },
    {
      pattern: /^\/v1\/metrics$/,
      auth: 'session',
      methods: { GET: () => ({ status: 200, body: metrics.snapshot() }) },
    },
    {
      // Where Prometheus looks by default; its scrape config takes the bearer token.
      pattern: /^\/metrics$/,
      auth: 'session',
      methods: { GET: () => ({ status: 200, raw: formatPrometheus(metrics), headers: { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' } }) },
    },
  ]
}

/**
 * All or nothing: one invalid spec and none is added. A spec is an object, or the string
 * `devproxy start --fault` takes (`"5xx 30% --route api"`), which may stand for several.
 */
function checkFaultsBody(body: unknown): FaultSpec[] {
  if (!isPlainObject(body) || !Array.isArray(body.faults) || body.faults.length === 0) {
    throw new ApiError(400, 'fault_invalid', 'the body must be {"faults": [ ... ]} with at least one fault, e.g. {"faults": [{"kind": "5xx", "rate": 0.3}]} or {"faults": ["5xx 30%"]}')
  }
  const issues: ConfigIssue[] = []
  const specs = body.faults.flatMap((entry: unknown, index: number): FaultSpec[] => {
    const path = `faults[${index}]`
    if (typeof entry !== 'string') {
      const found = validateFaultSpec(entry, path)
      issues.push(...found)
      return found.length === 0 ? [entry as FaultSpec] : []
    }
    try {
      return parseFaultString(entry)
    } catch (error) {
      if (!(error instanceof FaultSpecError)) throw error
      issues.push({ path, message: error.message.replace(/^--fault /, ''), ...(error.suggestion ? { suggestion: error.suggestion } : {}) })
      return []
    }
  })
  if (issues.length > 0) {
    throw new ApiError(400, 'fault_invalid', issues.map((issue) => `${issue.path} ${issue.message}`).join('\n'), issues)
  }
  return specs
}

/**
 * A fault whose route or method no request can match would never fire: 422 (RFC 9110
 * §15.5.21, well-formed but not applicable here), naming the routes there are.
 */
function checkSelectors(specs: readonly FaultSpec[], routes: Engine['state']['config']['routes']): void {
  const issues = specs.flatMap((spec, index) => checkFaultSelectors(spec, routes, `faults[${index}]`))
  if (issues.length === 0) return
  const message = issues.map((issue) => `${issue.path} ${issue.message}`).join('\n')
  throw new ApiError(422, 'fault_never_matches', message, issues, routes.map((route) => route.name))
}

/** The bearer token is devproxy's own client (or another tool); no token on a session route is the inspector. */
function changedBy(req: IncomingMessage): FaultsChange['by'] {
  if (req.headers.authorization === undefined) return 'inspector'
  return req.headers['user-agent'] === CLIENT_USER_AGENT ? 'devproxy fault' : 'control API'
}

function summarizeRoute(route: Engine['state']['config']['routes'][number]): RouteSummary {
  return {
    name: route.name,
    path: route.path,
    ...(route.host === undefined ? {} : { host: route.host }),
    ...(route.methods === undefined ? {} : { methods: route.methods }),
    targets: targetLabels(route),
  }
}

/** A refusal: JSON for the API, the guest's page saying why (and how to sign in) for its pages. */
function refuse(res: ServerResponse, denial: Denial, pageOf: ControlGuest | undefined): void {
  // RFC 9110 §15.5.2: a 401 names a scheme that would do (the token; the inspector's session header has none).
  const headers = denial.status === 401 ? { 'www-authenticate': 'Bearer realm="devproxy"' } : {}
  if (pageOf) {
    // The inspector's pages are anyone's on the right Host (the UI signs itself in): only a 403 gets here.
    const signIn = pageOf.refusalPage(denial.status, denial.message)
    return sendReply(res, { ...signIn, headers: { ...signIn.headers, ...headers } })
  }
  sendJson(res, denial.status, { error: { type: denial.type, message: denial.message } }, headers)
}
