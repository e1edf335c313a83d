import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Readable, Transform } from 'node:stream'
import type { ResolvedRoute } from '../../config/types.js'
import { BodyCapture, captureBody } from '../transaction/body-capture.js'
import { createThrottle, truncationPoint } from './body-faults.js'
import { rewriteSetCookies } from './cookie-rewrite.js'
import { rawPairs, viaEntry } from '../http/fields.js'
import { buildResponseHeaders } from './response-headers.js'
import { closeIfBodyUnread } from './linger.js'
import { declaredLength } from '../http/request-target.js'
import { sendError } from './respond.js'
import type { Transaction } from '../transaction/transaction.js'

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
  /** Called when the body goes out through `truncate` or `bytesPerSecond`: those faults acted. */
  readonly actedOnBody?: (() => void) | undefined
}

export function streamResponse(tx: Transaction, route: ResolvedRoute, proxyRes: IncomingMessage, res: ServerResponse, instanceId: string, faults: ResponseFaults = {}, captureBytes = 0, transform?: Transform): void {
  const status = proxyRes.statusCode ?? 502
  const limit = route.maxResponseBodyBytes
  if (limit !== undefined && refuseDeclaredOverLimit(tx, route, proxyRes, res, status, limit)) return
  const trailers = mayCarryTrailers(tx, proxyRes, status)
  const headers = buildResponseHeaders(proxyRes.headers, { rules: route.responseHeaders, via: viaEntry(proxyRes.httpVersion, instanceId), trailers })
  if (route.cookies !== undefined) rewriteSetCookies(headers, route.cookies)
  if (faults.header) headers['x-devproxy-fault'] = faults.header
  // `devproxy replay --fallthrough`: the recording missed and this is the live answer (README).
  if (tx.replay === 'fallthrough') headers['x-devproxy-replay'] = 'miss'
  // A transformed body has a length of its own: it goes out chunked (or, to HTTP/1.0, until close).
  if (transform !== undefined) delete headers['content-length']
  tx.status = status
  tx.responseHeadersReceived ??= proxyRes.headers
  tx.responseHeadersSent = headers

  const shaped = faults.bytesPerSecond !== undefined || faults.truncate === true
  if (shaped) faults.actedOnBody?.()
  const plain = !shaped && transform === undefined
  // The plain path's pump feeds the capture itself; fault paths listen for it.
  // A body without a length streams (events, a long poll): its capture notes when each chunk came.
  const timed = captureBytes > 0 && headers['content-length'] === undefined
  const capture = captureBytes > 0 && plain ? new BodyCapture(proxyRes.headers, captureBytes, timed) : undefined
  // What is recorded is what the client gets: a transformed body after its transform.
  if (captureBytes > 0) tx.responseBody = capture ?? captureBody(transform ?? proxyRes, proxyRes.headers, captureBytes, timed)
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
    pump(tx, proxyRes, res, idle, capture, trailers, limit)
    return
  }
  proxyRes.on('data', (chunk: Buffer) => {
    tx.responseBytes += chunk.length
    idle?.refresh()
    if (limit !== undefined && tx.responseBytes > limit) cutOverLimit(tx, proxyRes, res, limit)
  })
  let body: Readable = proxyRes
  if (transform !== undefined) body = body.pipe(transform).once('error', (error: Error & { type?: string }) => failTransform(tx, error, proxyRes, res))
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
function pump(tx: Transaction, proxyRes: IncomingMessage, res: ServerResponse, idle: IdleTimer | undefined, capture: BodyCapture | undefined, trailers: boolean, limit: number | undefined): void {
  const resume = () => proxyRes.resume()
  proxyRes.on('data', (chunk: Buffer) => {
    tx.responseBytes += chunk.length
    if (limit !== undefined && tx.responseBytes > limit) return cutOverLimit(tx, proxyRes, res, limit)
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

/**
 * `maxResponseBodyBytes` against a declared Content-Length: over it, the body is never read and
 * the client gets 502 `upstream_body_too_large`. Returns true when it answered so.
 */
function refuseDeclaredOverLimit(tx: Transaction, route: ResolvedRoute, proxyRes: IncomingMessage, res: ServerResponse, status: number, limit: number): boolean {
  const declared = declaredLength(proxyRes.headers['content-length'] as string | undefined)
  // HEAD, 204 and 304 declare a length they never send (RFC 9110 §8.6).
  if (declared === undefined || declared <= limit || tx.method === 'HEAD' || status === 204 || status === 304) return false
  tx.responseHeadersReceived = proxyRes.headers
  proxyRes.destroy()
  sendError(res, tx, 'upstream_body_too_large', {
    message: `the upstream's ${status} response declares a ${declared}-byte body, over the route's maxResponseBodyBytes (${limit})`,
    hint: 'Raise maxResponseBodyBytes on the route (or remove it), or ask the upstream for less (a range, a page).',
    route: route.name,
    target: tx.target,
  })
  return true
}

/** Past `maxResponseBodyBytes` mid-stream: the client connection (or h2 stream) is cut and the transaction says why. */
function cutOverLimit(tx: Transaction, proxyRes: IncomingMessage, res: ServerResponse, limit: number): void {
  if (res.destroyed) return
  tx.error = { type: 'upstream_body_too_large', message: `the upstream's response body passed the route's maxResponseBodyBytes (${limit}): cut there` }
  tx.ending = 'upstream-aborted'
  res.destroy()
  proxyRes.destroy()
}

/**
 * The route's transform failed mid-body (its code threw or ran out of time): the status is
 * long gone, so the client connection is cut — a body the transform never finished must not
 * look complete — and the transaction says why.
 */
function failTransform(tx: Transaction, error: Error & { type?: string }, proxyRes: IncomingMessage, res: ServerResponse): void {
  tx.error = { type: error.type === 'hook_timeout' ? 'hook_timeout' : 'hook_error', message: error.message }
  tx.ending = 'upstream-aborted'
  proxyRes.destroy()
  res.destroy()
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
