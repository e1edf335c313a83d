import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ResolvedRoute } from '../config/types.js'
import { buildResponseHeaders } from './headers.js'
import type { Transaction } from './transaction.js'

/**
 * Streams the upstream response to the client, never buffering it. If the upstream dies
 * after the headers went out, the client connection is cut so a truncated body can never
 * pass for a complete one (DESIGN.md §3).
 */
export function streamResponse(tx: Transaction, route: ResolvedRoute, proxyRes: IncomingMessage, res: ServerResponse): void {
  const status = proxyRes.statusCode ?? 502
  const headers = buildResponseHeaders(proxyRes.headers, route.responseHeaders)
  tx.status = status
  tx.responseHeadersReceived = proxyRes.headers
  tx.responseHeadersSent = headers

  const onUpstreamBroke = () => {
    if (res.destroyed) return
    tx.ending ??= 'upstream-aborted'
    res.destroy()
  }
  proxyRes.once('aborted', onUpstreamBroke)
  proxyRes.once('error', onUpstreamBroke)
  const idle = route.idleMs > 0 ? startIdleTimer(tx, route.idleMs, proxyRes, res) : undefined
  proxyRes.on('data', (chunk: Buffer) => {
    tx.responseBytes += chunk.length
    idle?.refresh()
  })
  const nothingWrittenYet = () => tx.responseBytes === 0 && !res.writableEnded && !res.destroyed

  res.writeHead(status, proxyRes.statusMessage, headers)
  // Node holds headers back until the first body write. A response without a length may be
  // a stream (server-sent events, long polling) whose first chunk is far away: send the
  // headers now so the client sees the response start when the upstream started it.
  if (proxyRes.headers['content-length'] === undefined) {
    if (String(proxyRes.headers['content-type']).startsWith('text/event-stream')) res.flushHeaders()
    // (`res.headersSent` turns true at writeHead, before anything reaches the socket.)
    else setImmediate(() => nothingWrittenYet() && res.flushHeaders())
  }
  // A client that goes away destroys the upstream request (http-proxy-3 listens for the
  // response's 'close'); an upstream that breaks cuts the client (above). `pipe` rather than
  // `pipeline`: the latter stacks a dozen listeners per response for the same two rules.
  proxyRes.pipe(res)
}

/**
 * `idleMs`: once the headers are out, a body that stalls longer than this between chunks
 * cuts the client connection (the status cannot change any more).
 */
function startIdleTimer(tx: Transaction, idleMs: number, proxyRes: IncomingMessage, res: ServerResponse): NodeJS.Timeout {
  const timer = setTimeout(() => {
    if (res.writableFinished || res.destroyed) return
    tx.error = { type: 'upstream_timeout', message: `the response body stalled for more than idleMs (${idleMs} ms)` }
    tx.ending = 'upstream-aborted'
    proxyRes.destroy()
    res.destroy()
  }, idleMs)
  const stop = () => clearTimeout(timer)
  proxyRes.once('end', stop)
  proxyRes.once('close', stop)
  res.once('close', stop)
  return timer
}
