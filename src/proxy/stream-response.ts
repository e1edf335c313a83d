import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import type { ResolvedRoute } from '../config/types.js'
import { createThrottle, truncationPoint } from '../faults/inject.js'
import { BodyCapture, captureBody } from './body-capture.js'
import { rewriteSetCookies } from './cookie-rewrite.js'
import { buildResponseHeaders, rawPairs, viaEntry } from './headers.js'
import { closeIfBodyUnread } from './linger.js'
import type { Transaction } from './transaction.js'

/**
 * Streams the upstream response to the client, never buffering it. If the upstream dies
 * after the headers went out, the client connection is cut so a truncated body can never
 * pass for a complete one (DESIGN.md §3).
 */
/** What injected faults do to a response on its way to the client. */
export interface ResponseFaults {
  /** `x-devproxy-fault` on the response: the kinds injected. */
  readonly header?: string | undefined
  /** Cut the client connection part way through the body. */
  readonly truncate?: boolean | undefined
  /** Send the body at this speed. */
  readonly bytesPerSecond?: number | undefined
}

export function streamResponse(tx: Transaction, route: ResolvedRoute, proxyRes: IncomingMessage, res: ServerResponse, instanceId: string, faults: ResponseFaults = {}, captureBytes = 0): void {
  const status = proxyRes.statusCode ?? 502
  const trailers = mayCarryTrailers(tx, proxyRes, status)
  const headers = buildResponseHeaders(proxyRes.headers, { rules: route.responseHeaders, via: viaEntry(proxyRes.httpVersion, instanceId), trailers })
  if (route.cookies !== undefined) rewriteSetCookies(headers, route.cookies)
  if (faults.header) headers['x-devproxy-fault'] = faults.header
  tx.status = status
  tx.responseHeadersReceived = proxyRes.headers
  tx.responseHeadersSent = headers

  const plain = faults.bytesPerSecond === undefined && !faults.truncate
  // The plain path's pump feeds the capture itself; fault paths listen for it.
  const capture = captureBytes > 0 && plain ? new BodyCapture(proxyRes.headers, captureBytes) : undefined
  if (captureBytes > 0) tx.responseBody = capture ?? captureBody(proxyRes, proxyRes.headers, captureBytes)
  const idle = route.idleMs > 0 ? startIdleTimer(tx, route.idleMs, proxyRes, res) : undefined

  closeIfBodyUnread(res, status)
  res.writeHead(status, proxyRes.statusMessage, headers)
  // Node holds headers back until the first body write. A response without a length may be
  // a stream (server-sent events, long polling) whose first chunk is far away: send the
  // headers now so the client sees the response start when the upstream started it.
  if (proxyRes.headers['content-length'] === undefined) {
    if (String(proxyRes.headers['content-type']).startsWith('text/event-stream')) res.flushHeaders()
    // (`res.headersSent` turns true at writeHead, before anything reaches the socket.)
    else setImmediate(() => tx.responseBytes === 0 && !res.writableEnded && !res.destroyed && res.flushHeaders())
  }
  // An upstream that breaks mid-body cuts the client; a client that goes away destroys the
  // upstream request (http-proxy-3 listens for the response's 'close').
  proxyRes.on('close', () => {
    idle?.stop()
    if (proxyRes.readableEnded || res.destroyed) return
    tx.ending ??= 'upstream-aborted'
    res.destroy()
  })
  if (plain) {
    pump(tx, proxyRes, res, idle, capture, trailers)
    return
  }
  proxyRes.on('data', (chunk: Buffer) => {
    tx.responseBytes += chunk.length
    idle?.refresh()
  })
  let body: Readable = proxyRes
  if (faults.bytesPerSecond !== undefined) body = body.pipe(createThrottle(faults.bytesPerSecond))
  if (faults.truncate) sendPartWay(tx, body, proxyRes, res)
  else body.pipe(res)
}

/**
 * `proxyRes.pipe(res)` with the byte count, idle timer and capture folded into its one 'data'
 * listener: `pipe` adds six listeners per response and the counting two more, a measurable
 * share of a small response's cost (bench/RESULTS.md). Backpressure is pipe's: pause on a
 * full socket, resume on 'drain'.
 */
function pump(tx: Transaction, proxyRes: IncomingMessage, res: ServerResponse, idle: IdleTimer | undefined, capture: BodyCapture | undefined, trailers: boolean): void {
  const resume = () => proxyRes.resume()
  proxyRes.on('data', (chunk: Buffer) => {
    tx.responseBytes += chunk.length
    idle?.refresh()
    capture?.add(chunk)
    if (!res.write(chunk) && !res.destroyed) {
      proxyRes.pause()
      res.once('drain', resume)
    }
  })
  proxyRes.on('end', () => {
    idle?.stop()
    capture?.end()
    // Trailer fields are end to end (RFC 9110 §6.5): relayed when the response can carry them.
    if (trailers && proxyRes.rawTrailers.length > 0) res.addTrailers(rawPairs(proxyRes.rawTrailers))
    res.end()
  })
}

/** Chunked to an HTTP/1.1 client, with a body: the only responses that can carry trailers. */
function mayCarryTrailers(tx: Transaction, proxyRes: IncomingMessage, status: number): boolean {
  return tx.httpVersion !== '1.0' && tx.method !== 'HEAD' && status !== 204 && status !== 304 && proxyRes.headers['content-length'] === undefined
}


/**
 * `--truncate`: send half of a declared body (or the first chunk of an unsized one), then cut
 * the client connection — never a clean end, so the client sees an aborted body.
 */
function sendPartWay(tx: Transaction, body: Readable, proxyRes: IncomingMessage, res: ServerResponse): void {
  const limit = truncationPoint(proxyRes.headers['content-length'] as string | undefined)
  let sent = 0
  const cut = () => {
    tx.ending = 'upstream-aborted'
    body.destroy()
    proxyRes.destroy()
    res.destroy()
  }
  const onData = (chunk: Buffer) => {
    const room = limit === undefined ? chunk.length : limit - sent
    const part = chunk.subarray(0, room)
    sent += part.length
    if (limit === undefined || sent >= limit) {
      body.off('data', onData)
      res.write(part, cut)
    } else if (!res.write(part)) {
      body.pause()
      res.once('drain', () => body.resume())
    }
  }
  body.on('data', onData)
  body.once('end', () => res.write('', cut))
}

interface IdleTimer {
  refresh(): void
  stop(): void
}

/**
 * `idleMs`: once the headers are out, a body that stalls longer than this between chunks
 * cuts the client connection (the status cannot change any more). The caller refreshes it on
 * each chunk and stops it when the body ends or breaks.
 */
function startIdleTimer(tx: Transaction, idleMs: number, proxyRes: IncomingMessage, res: ServerResponse): IdleTimer {
  const timer = setTimeout(() => {
    if (res.writableFinished || res.destroyed) return
    tx.error = { type: 'upstream_timeout', message: `the response body stalled for more than idleMs (${idleMs} ms)` }
    tx.ending = 'upstream-aborted'
    proxyRes.destroy()
    res.destroy()
  }, idleMs)
  return { refresh: () => timer.refresh(), stop: () => clearTimeout(timer) }
}
