import { randomBytes } from 'node:crypto'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { isPlainObject } from '../config/checks.js'
import { ControlError } from '../errors.js'
import { checkFaultSelectors } from '../faults/check-selectors.js'
import { validateFaultSpec } from '../faults/validate-spec.js'
import type { FaultSpec } from '../faults/types.js'
import { targetLabels } from '../config/route-targets.js'
import type { FaultRegistry } from '../faults/registry.js'
import type { Engine } from '../proxy/engine.js'
import { checkAccess } from './access.js'
import { MAX_CONTROL_BODY_BYTES, type ErrorBody, type ProxyStatus, type RouteSummary } from './protocol.js'
import { findStates, removeState, writeState, type ProxyState } from './state-file.js'

/**
 * The control API: loopback only, a random port, a bearer token. `devproxy fault` and
 * `devproxy status` find it through this proxy's entry in `.devproxy/proxies/`, written once
 * it listens.
 */

export interface ControlServerOptions {
  readonly engine: Engine
  /** The faults the API lists, adds and removes. */
  readonly faults: FaultRegistry
  /** The proxy's URL, as bound; shown by `devproxy status`. */
  readonly proxyUrl: string
  readonly configFile?: string | undefined
  /** The directory that gets `.devproxy/proxies/<pid>-<port>.json`: the config file's, or the cwd. */
  readonly stateDir: string
  /** The command that runs the proxy, shown by `devproxy status`. Default: `start`. */
  readonly command?: string | undefined
}

export interface ControlServer {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string
  readonly token: string
  /** This proxy's entry, written for this server. */
  readonly stateFile: string
  /** The other live proxies with an entry in the same directory when this one started. */
  readonly neighbours: readonly ProxyState[]
  /** Removes this proxy's entry (never another's), then stops the server. */
  close(): Promise<void>
}

interface Reply {
  readonly status: number
  readonly body?: unknown
}

/** An answer other than success, thrown by a handler. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly issues?: ErrorBody['error']['issues'],
    readonly routes?: readonly string[],
  ) {
    super(message)
  }
}

type Handler = (req: IncomingMessage, params: readonly string[]) => Reply | Promise<Reply>

/** Each path with the handler per method; anything else is a 404, or a 405 naming the methods. */
type RouteTable = ReadonlyArray<{ readonly pattern: RegExp; readonly methods: Readonly<Record<string, Handler>> }>

export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const token = randomBytes(32).toString('base64url')
  const tokenBytes = Buffer.from(token, 'utf8')
  const startedAt = Date.now()
  const routes = controlRoutes(options, startedAt)
  let port = 0

  const server = http.createServer((req, res) => {
    const denial = checkAccess(req.headers, tokenBytes, port)
    if (denial) {
      const headers = denial.status === 401 ? { 'www-authenticate': 'Bearer realm="devproxy"' } : {}
      return sendJson(res, denial.status, { error: { type: denial.type, message: denial.message } }, headers)
    }
    dispatch(routes, req).then(
      (reply) => sendJson(res, reply.status, reply.body),
      (error: unknown) => {
        if (error instanceof ApiError) {
          const body: ErrorBody = {
            error: { type: error.type, message: error.message, ...(error.issues ? { issues: error.issues } : {}), ...(error.routes ? { routes: error.routes } : {}) },
          }
          const allow = error.status === 405 ? { allow: allowedMethods(routes, req) } : {}
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
      server.close(() => resolve())
      server.closeAllConnections()
    })

  const state: ProxyState = {
    pid: process.pid,
    url: options.proxyUrl,
    controlUrl: url,
    token,
    ...(options.configFile === undefined ? {} : { configFile: options.configFile }),
    startedAt,
    command: options.command ?? 'start',
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
    close() {
      closing ??= removeState(options.stateDir, state).finally(stop)
      return closing
    },
  }
}

function controlRoutes(options: ControlServerOptions, startedAt: number): RouteTable {
  const { engine, faults } = options
  return [
    {
      pattern: /^\/v1\/status$/,
      methods: {
        GET: () => {
          const status: ProxyStatus = {
            pid: process.pid,
            url: options.proxyUrl,
            command: options.command ?? 'start',
            ...(options.configFile === undefined ? {} : { configFile: options.configFile }),
            startedAt,
            routes: engine.state.config.routes.map(summarizeRoute),
            faults: faults.list(),
            counters: { ...engine.counters },
          }
          return { status: 200, body: status }
        },
      },
    },
    {
      pattern: /^\/v1\/faults$/,
      methods: {
        GET: () => ({ status: 200, body: faults.list() }),
        POST: async (req) => {
          const specs = checkFaultsBody(await readJsonBody(req))
          checkSelectors(specs, engine.state.config.routes)
          return { status: 201, body: { faults: specs.map((spec) => faults.add(spec, 'api')) } }
        },
        DELETE: () => ({ status: 200, body: { cleared: faults.clear() } }),
      },
    },
    {
      pattern: /^\/v1\/faults\/([^/]+)$/,
      methods: {
        DELETE: (_req, [id = '']) => {
          if (!faults.remove(id)) throw new ApiError(404, 'not_found', `no active fault ${JSON.stringify(id)}`)
          return { status: 204 }
        },
      },
    },
  ]
}

async function dispatch(routes: RouteTable, req: IncomingMessage): Promise<Reply> {
  const path = pathOf(req)
  for (const route of routes) {
    const match = route.pattern.exec(path)
    if (!match) continue
    const handler = route.methods[req.method ?? '']
    if (!handler) throw new ApiError(405, 'method_not_allowed', `${req.method} is not allowed on ${path}; use ${Object.keys(route.methods).join(', ')}`)
    return handler(req, match.slice(1).map(decodeURIComponent))
  }
  throw new ApiError(404, 'not_found', `no such endpoint: ${path}`)
}

function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://127.0.0.1').pathname
  } catch {
    return req.url ?? '/'
  }
}

/** RFC 9110 §15.5.6: a 405 names the methods the resource supports. */
function allowedMethods(routes: RouteTable, req: IncomingMessage): string {
  const path = pathOf(req)
  return Object.keys(routes.find((route) => route.pattern.test(path))?.methods ?? {}).join(', ')
}

/** All or nothing: one invalid spec and none is added. */
function checkFaultsBody(body: unknown): FaultSpec[] {
  if (!isPlainObject(body) || !Array.isArray(body.faults) || body.faults.length === 0) {
    throw new ApiError(400, 'fault_invalid', 'the body must be {"faults": [ ... ]} with at least one fault, e.g. {"faults": [{"kind": "5xx", "rate": 0.3}]}')
  }
  const issues = body.faults.flatMap((spec: unknown, index: number) => validateFaultSpec(spec, `faults[${index}]`))
  if (issues.length > 0) {
    throw new ApiError(400, 'fault_invalid', issues.map((issue) => `${issue.path} ${issue.message}`).join('\n'), issues)
  }
  return body.faults as FaultSpec[]
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

function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'])
  if (declared > MAX_CONTROL_BODY_BYTES) return Promise.reject(tooLarge())
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_CONTROL_BODY_BYTES) {
        req.removeAllListeners('data')
        req.pause()
        reject(tooLarge())
      } else chunks.push(chunk)
    })
    req.on('error', reject)
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      try {
        resolve(JSON.parse(text))
      } catch {
        reject(new ApiError(400, 'invalid_json', text === '' ? 'the request needs a JSON body' : 'the body is not valid JSON'))
      }
    })
  })
}

function tooLarge(): ApiError {
  return new ApiError(413, 'payload_too_large', `the body is over ${MAX_CONTROL_BODY_BYTES} bytes`)
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

function sendJson(res: ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status, { 'cache-control': 'no-store', ...headers })
    res.end()
    return
  }
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  })
  res.end(text)
}
