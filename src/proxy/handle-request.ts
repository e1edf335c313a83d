import type { IncomingMessage, ServerResponse } from 'node:http'
import { exchange, tooLarge } from './exchange.js'
import type { Engine, EngineState } from './engine.js'
import { sendError } from './respond.js'
import { normalizeRequestTarget } from './normalize-path.js'
import { declaredLength, toOriginForm } from './request-target.js'
import { splitUrl } from './router.js'
import { createTransaction, type Transaction } from './transaction.js'

/**
 * The request pipeline: route → limits → upstream attempt → respond. Every request ends as
 * a finished transaction handed to the sinks, whatever happened to it.
 */
export function handleRequest(engine: Engine, req: IncomingMessage, res: ServerResponse): void {
  const state = engine.state
  const tx = createTransaction(req, 'http')
  res.once('close', () => finish(engine, tx, res))

  const originForm = toOriginForm(tx.url)
  if (originForm === undefined) {
    sendError(res, tx, 'no_route', {
      message: `request target ${JSON.stringify(tx.url)} is not a path`,
      hint: 'devproxy is a reverse proxy: send requests to it as you would to the service, e.g. GET /api/users.',
      extra: { routes: listRoutes(state) },
    })
    return
  }
  if (!servesAuthority(state, tx.url)) {
    sendError(res, tx, 'no_route', {
      message: `devproxy is a reverse proxy, not an open proxy: no route serves ${JSON.stringify(tx.url)}`,
      hint: 'Send requests to devproxy as you would to the service (GET /api/users), or add a route with a host filter for this host.',
      extra: { routes: listRoutes(state) },
    })
    return
  }
  const url = normalizeRequestTarget(originForm).url
  // RFC 9112 §3.2.2: with an absolute-form target, its authority is the host, not Host.
  const host = authorityOf(tx.url) ?? req.headers.host
  const route = state.router.match(tx.method, host, splitUrl(url).pathname)
  if (route === undefined) {
    sendError(res, tx, 'no_route', {
      message: `no route matches ${tx.method} ${url}${req.headers.host ? ` (host ${req.headers.host})` : ''}`,
      hint: 'Add a route for this path to proxy.config.ts, or call one of the listed routes.',
      extra: { routes: listRoutes(state) },
    })
    return
  }
  tx.route = route.name

  const length = declaredLength(req.headers['content-length'])
  if (length !== undefined && length > route.maxRequestBodyBytes) {
    // The body is never read: close the connection rather than drain it.
    sendError(res, tx, 'payload_too_large', tooLarge(route, tx), { close: true })
    return
  }
  exchange({ engine, state, route, tx, url, req, res }).catch((error: unknown) => {
    sendError(res, tx, 'proxy_internal_error', {
      message: `devproxy failed while handling this request: ${(error as Error)?.message ?? String(error)}`,
      hint: 'This is a bug in devproxy; please report it with the request that caused it.',
      route: route.name,
      target: tx.target,
      attempts: tx.attempts.length,
    })
  })
}

function finish(engine: Engine, tx: Transaction, res: ServerResponse): void {
  tx.durationMs = performance.now() - tx.startMs
  tx.ending ??= res.writableFinished ? 'completed' : 'client-aborted'
  engine.emit(tx)
}

/**
 * An absolute-form target (`GET http://host/path`) is what a client sends to a forward
 * proxy. devproxy serves it only for its own address or a host one of its routes names, so
 * it can never be used to reach other hosts.
 */
function servesAuthority(state: EngineState, target: string): boolean {
  const hostname = authorityOf(target)
  if (hostname === undefined) return true
  if (LOOPBACK_NAMES.has(hostname) || hostname === state.config.host) return true
  return state.config.routes.some((r) => r.host !== undefined && (r.host === hostname || (r.host.startsWith('*.') && hostname.endsWith(r.host.slice(1)))))
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])

/** The host of an absolute-form target; undefined for origin form. */
function authorityOf(target: string): string | undefined {
  if (target.startsWith('/')) return undefined
  try {
    return new URL(target).hostname.toLowerCase()
  } catch {
    return ''
  }
}

export function listRoutes(state: EngineState) {
  return state.config.routes.map((route) => ({
    name: route.name,
    path: route.path,
    ...(route.host ? { host: route.host } : {}),
    ...(route.methods ? { methods: route.methods } : {}),
    target: route.targets.length === 1 ? route.targets[0]!.origin : route.targets.map((t) => t.origin),
  }))
}
