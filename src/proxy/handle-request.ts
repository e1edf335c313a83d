import type { IncomingMessage, ServerResponse } from 'node:http'
import { exchange, tooLarge } from './exchange/exchange.js'
import type { ClientGone } from './exchange/attempt.js'
import type { Engine, EngineState } from './engine.js'
import { viaName } from './http/fields.js'
import type { LastBytesWatch } from './respond/last-bytes.js'
import { drainUnreadBody } from './respond/linger.js'
import { enterPipeline } from './admit/pipeline-order.js'
import { isHttp2 } from './http/protocol.js'
import { arrivedAfterClose, noteArrival } from './respond/connection-close.js'
import { checkRequestHead } from './admit/request-head.js'
import { sendError } from './respond/respond.js'
import { declaredLength } from './http/request-target.js'
import { routeForward, routeRequestTarget } from './route/request-route.js'
import { createTransaction, type Transaction } from './transaction/transaction.js'
import * as record from './transaction/record.js'

/**
 * The request pipeline: route → limits → upstream attempt → respond. Every request ends as
 * a finished transaction handed to the sinks, whatever happened to it.
 */
export function handleRequest(engine: Engine, req: IncomingMessage, res: ServerResponse, onClosed?: () => void, intercepted?: 'http' | 'https'): void {
  const http2 = isHttp2(req)
  if (!http2) {
    noteArrival(req)
    // RFC 9112 §9.6: pipelined behind a request after which the connection closes: never served.
    // (Behind `Connection: close` Node's parser reads nothing more itself.)
    if (arrivedAfterClose(req)) return leaveUnserved(res, onClosed)
  }
  const state = engine.state
  const tx = createTransaction(req, 'http', engine.instanceId)
  const slot = engine.inFlight.enter(tx)
  if (engine.watchesDelivery) (res as unknown as LastBytesWatch).watchLastBytes(tx, (release) => engine.deliver(tx, release))
  const clientGone: ClientGone = { listener: undefined, gone: false }
  // The one 'close' listener a request gets (it fires once: `on` spares `once`'s wrapper): the
  // attempt in flight learns first, then the transaction is finished and handed on.
  let leave: (() => void) | undefined
  res.on('close', () => {
    leave?.()
    clientGone.gone = true
    clientGone.listener?.()
    // A body left unread (an early answer) is drained, bounded, and the connection closed.
    drainUnreadBody(req)
    finish(engine, tx, res, slot)
    onClosed?.()
  })

  if (req.httpVersionMajor !== 1 && !http2) {
    sendError(res, tx, 'unsupported_http_version', {
      message: `HTTP/${req.httpVersion} is not supported`,
      hint: 'Send HTTP/1.0 or HTTP/1.1 requests.',
    }, { close: true })
    return
  }
  const refusal = checkRequestHead(req)
  if (refusal !== undefined) {
    sendError(res, tx, refusal.type, { message: refusal.message, hint: refusal.hint }, { close: true })
    return
  }
  // Forward mode routes outbound requests by their host (issue 30); off, one check of a field.
  const routing = state.config.outbound === undefined ? routeRequestTarget(state, tx.method, tx.url, req.headers.host) : routeForward(state, tx.method, tx.url, req.headers.host, intercepted, engine.selfAddresses)
  if (routing.kind === 'loop') {
    sendError(res, tx, 'loop_detected', {
      message: `${routing.origin} is devproxy's own address: forwarding ${tx.method} ${tx.url} there would loop back to the proxy`,
      hint: 'Send the request to the service itself; a request for devproxy goes to it directly, not through it as a proxy.',
      target: routing.origin,
    })
    return
  }
  if (routing.kind === 'not-a-path') {
    sendError(res, tx, 'no_route', {
      message: `request target ${JSON.stringify(tx.url)} is not a path`,
      hint: 'devproxy is a reverse proxy: send requests to it as you would to the service, e.g. GET /api/users.',
      extra: { routes: listRoutes(state) },
    })
    return
  }
  if (routing.kind === 'open-proxy') {
    sendError(res, tx, 'no_route', {
      message: `devproxy is a reverse proxy, not an open proxy: no route serves ${JSON.stringify(tx.url)}`,
      hint: 'Send requests to devproxy as you would to the service (GET /api/users), or add a route with a host filter for this host.',
      extra: { routes: listRoutes(state) },
    })
    return
  }
  const { url, route } = routing
  if (route === undefined) {
    sendError(res, tx, 'no_route', {
      message: `no route matches ${tx.method} ${url}${req.headers.host ? ` (host ${req.headers.host})` : ''}`,
      hint: 'Add a route for this path to proxy.config.ts, or call one of the listed routes.',
      extra: { routes: listRoutes(state) },
    })
    return
  }
  record.routed(tx, route.name)
  if (req.headers.via !== undefined && passedThrough(req.headers.via, engine.instanceId)) {
    sendError(res, tx, 'loop_detected', {
      message: `this request already passed through this devproxy (its Via names ${viaName(engine.instanceId)}): route "${route.name}" sends it back to the proxy itself`,
      hint: 'Point the route target at the service, not at devproxy\'s own address and port.',
      route: route.name,
      target: route.targets.length === 1 ? route.targets[0]!.origin : undefined,
    })
    return
  }

  const length = declaredLength(req.headers['content-length'])
  if (length !== undefined && length > route.maxRequestBodyBytes) {
    // The body is never read: close the connection rather than drain it.
    sendError(res, tx, 'payload_too_large', tooLarge(route, tx), { close: true })
    return
  }
  const run = () => {
    exchange({ engine, state, route, tx, url, req, res, clientGone }).catch((error: unknown) => {
      sendError(res, tx, 'proxy_internal_error', {
        message: `devproxy failed while handling this request: ${(error as Error)?.message ?? String(error)}`,
        hint: 'This is a bug in devproxy; please report it with the request that caused it.',
        route: route.name,
        target: tx.target,
        attempts: tx.attempts.length,
      })
    })
  }
  // HTTP/2 streams are independent of one another (RFC 9113 §5): no order to keep.
  if (http2) run()
  else leave = enterPipeline(req.socket, tx.method, () => (arrivedAfterClose(req) ? undefined : run()))
}

/**
 * A request the connection will close before answering: no transaction, nothing upstream; Node
 * drops its response when the connection ends.
 */
function leaveUnserved(res: ServerResponse, onClosed: (() => void) | undefined): void {
  if (onClosed !== undefined) res.once('close', onClosed)
}

function finish(engine: Engine, tx: Transaction, res: ServerResponse, slot: number): void {
  record.stopClock(tx)
  engine.inFlight.leave(slot)
  if (engine.cutByShutdown.has(tx)) record.ended(tx, 'shutdown')
  record.ended(tx, res.writableFinished ? 'completed' : 'client-aborted', true)
  engine.emit(tx)
}

export function listRoutes(state: EngineState) {
  return [...state.config.routes, ...state.implicit.values()].map((route) => ({
    name: route.name,
    path: route.path,
    ...(route.host ? { host: route.host } : {}),
    ...(route.methods ? { methods: route.methods } : {}),
    target: route.targets.length === 1 ? route.targets[0]!.origin : route.targets.map((t) => t.origin),
  }))
}

/** Whether a Via field value lists this instance (RFC 9110 §7.6.3). */
function passedThrough(via: string, instanceId: string): boolean {
  return via.includes(viaName(instanceId))
}
