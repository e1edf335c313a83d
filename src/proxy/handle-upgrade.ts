import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Engine } from './engine.js'
import { classifyUpstreamError, describeFailure, FAILURE_TYPES } from './http/error-map.js'
import { listRoutes } from './handle-request.js'
import { checkRequestHead } from './admit/request-head.js'
import { headersObject, NO_BODY, viaEntry } from './http/fields.js'
import { buildForwardHeaders } from './upstream/forward-headers.js'
import { forwardPath } from './route/path-rewrite.js'
import { routeRequestTarget } from './route/request-route.js'
import { sendSocketError } from './respond/respond.js'
import { createTransaction, startAttempt } from './transaction/transaction.js'

/**
 * Proxies a WebSocket upgrade (Vite HMR and friends). The transaction finishes when the
 * client socket closes, so the log shows the socket's whole life and its byte counts.
 */
export function handleUpgrade(engine: Engine, req: IncomingMessage, socket: Duplex, head: Buffer, sockets: Set<Duplex>): void {
  const state = engine.state
  const tx = createTransaction(req, 'websocket', engine.instanceId)
  sockets.add(socket)
  socket.once('close', () => {
    sockets.delete(socket)
    tx.durationMs = performance.now() - tx.startMs
    tx.ending ??= tx.status === 101 ? 'completed' : 'client-aborted'
    engine.emit(tx)
  })
  socket.on('error', () => socket.destroy())
  const refusal = checkRequestHead(req)
  if (refusal !== undefined) {
    sendSocketError(socket, tx, refusal.type, { message: refusal.message, hint: refusal.hint })
    return
  }

  const routing = routeRequestTarget(state, tx.method, tx.url, req.headers.host)
  const url = routing.kind === 'routed' ? routing.url : undefined
  const route = routing.kind === 'routed' ? routing.route : undefined
  if (url === undefined || route === undefined || !route.ws) {
    const refused = routing.kind === 'open-proxy' ? `devproxy is a reverse proxy, not an open proxy: no route serves ${JSON.stringify(tx.url)}` : undefined
    sendSocketError(socket, tx, 'no_route', {
      message: refused ?? (route ? `route "${route.name}" does not proxy WebSockets (ws: false)` : `no route matches the WebSocket upgrade for ${tx.url}`),
      hint: route ? 'Set ws: true on the route.' : 'Add a route for this path to proxy.config.ts.',
      route: route?.name,
      extra: { routes: listRoutes(state) },
    })
    return
  }
  tx.route = route.name
  // A stand-in that cannot serve WebSockets (replaying is offline) says why.
  for (const standIn of engine.standIns) {
    const refused = standIn.serves(route) ? standIn.refuseUpgrade?.(route, tx.url) : undefined
    if (refused === undefined) continue
    sendSocketError(socket, tx, refused.type, refused.details)
    return
  }
  if (route.targets.length === 0) {
    // The stand-ins and target functions answer HTTP requests; an upgrade needs a target to tunnel to.
    sendSocketError(socket, tx, 'no_route', {
      message: `route "${route.name}" has no target of its own (${route.chooseTarget ? 'a target function' : 'mocks only'}): it cannot proxy the WebSocket upgrade for ${tx.url}`,
      hint: 'Give WebSocket traffic a route with a target URL (e.g. path "/ws", target "http://localhost:3000").',
      route: route.name,
    })
    return
  }
  const pool = state.pools.get(route)!
  const target = pool.pick(Date.now())
  const attempt = startAttempt(tx, target)
  tx.forwardedUrl = forwardPath(route, url)
  tx.forwardedHeaders = headersObject(
    buildForwardHeaders(req.rawHeaders, {
      clientIp: tx.clientIp,
    scheme: tx.scheme,
      targetHost: route.changeOrigin ? target.host : undefined,
      upgrade: true,
      rules: route.requestHeaders,
      attempt: attempt.n,
      via: viaEntry(tx.httpVersion, engine.instanceId),
      framing: NO_BODY,
      expect: false,
    }),
  )
  // http-proxy-3 builds the upgrade request from req.url and req.headers; the originals stay
  // on the transaction.
  req.url = tx.forwardedUrl
  req.headers = tx.forwardedHeaders as IncomingHttpHeaders

  let connected = false
  let settled = false
  const timer = setTimeout(() => {
    if (settled) return
    settled = true
    attempt.outcome = 'timeout'
    const { message, hint } = describeFailure('timeout', target.origin, undefined, { timeoutMs: route.timeoutMs })
    sendSocketError(socket, tx, 'upstream_timeout', { message, hint, route: route.name, target: target.origin, attempts: 1 })
  }, route.timeoutMs)
  socket.once('close', () => clearTimeout(timer))

  engine.forwarder.ws(req, socket, head, route, target, {
    onRequest(proxyReq) {
      proxyReq.once('socket', (s) => (s.connecting ? s.once('connect', () => (connected = true)) : (connected = true)))
      proxyReq.once('response', (proxyRes) => {
        // The upstream refused the upgrade with a plain response, which http-proxy-3 relays.
        settled = true
        clearTimeout(timer)
        tx.status = proxyRes.statusCode
        attempt.outcome = 'response'
        attempt.status = proxyRes.statusCode
      })
      socket.once('close', () => proxyReq.destroy())
    },
    onUpgrade(proxyRes, proxySocket) {
      settled = true
      clearTimeout(timer)
      attempt.outcome = 'response'
      attempt.status = 101
      attempt.durationMs = performance.now() - attempt.startMs
      tx.status = 101
      tx.responseHeadersReceived = proxyRes.headers
      // Count only once http-proxy-3 has piped the socket: a 'data' listener added now would
      // switch it to flowing mode and swallow the frame that arrived with the 101 (Vite's
      // `connected` message does).
      process.nextTick(() => proxySocket.on('data', (chunk: Buffer) => (tx.responseBytes += chunk.length)))
    },
    onError(error) {
      if (settled) return
      settled = true
      clearTimeout(timer)
      const failure = classifyUpstreamError(error, connected)
      attempt.outcome = failure
      attempt.errorCode = error.code
      if (failure === 'connect-failure') pool.eject(target, Date.now())
      const { message, hint } = describeFailure(failure, target.origin, error.code, { timeoutMs: route.timeoutMs })
      sendSocketError(socket, tx, FAILURE_TYPES[failure], { message, hint, route: route.name, target: target.origin, attempts: 1 })
    },
  })
}
