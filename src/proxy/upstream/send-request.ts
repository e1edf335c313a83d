import type { ClientRequest, IncomingMessage } from 'node:http'
import type { Readable } from 'node:stream'
import { rawPairs } from '../http/fields.js'


/**
 * The request body as an attempt sends it (the exchange decides which; request-body.ts). When a retry may be needed the body is read
 * into memory first, up to the replay cap, so it can be sent again; otherwise, or when it is
 * larger, it streams straight through and can be sent only once.
 */
export type RequestBody =
  | { readonly kind: 'empty' }
  | { readonly kind: 'buffered'; readonly data: Buffer }
  /** Sent once. `overLimit` resolves if a body of unknown length passes maxRequestBodyBytes. */
  | { readonly kind: 'stream'; readonly source: Readable; readonly overLimit: Promise<void> }

/**
 * Writes one request body to the upstream request, the way a proxy must: at the client's pace
 * but never faster than the upstream reads (backpressure), trailers relayed at the end, and
 * each side's stalls told apart — a client that stops sending (`onClientStall`, a 408) is not
 * an upstream that stops reading (`onUpstreamStall`, counted against the response timeout).
 */
export interface BodyPump {
  /** Stop forwarding (the attempt is over, or the upstream answered and will not read on). */
  stop(): void
}

export interface PumpEvents {
  /** The client sent nothing for `idleMs` while the upstream was ready for more. */
  onClientStall(): void
  /** The upstream stopped reading (its buffer full) for `stallMs`. */
  onUpstreamStall(): void
  /** The first body byte arrived from the client. */
  onFirstByte?(): void
}

export interface PumpTimes {
  /** Client idle bound: `uploadIdleMs`. */
  readonly idleMs: number
  /** Upstream-not-reading bound: the attempt's response timeout. */
  readonly stallMs: number
}

const STOPPED: BodyPump = { stop() {} }

/**
 * Sends `body` on `proxyReq` and ends it. `req` is the client request (its trailers are relayed
 * when the body streams from it).
 */
export function pumpBody(body: RequestBody, req: IncomingMessage, proxyReq: ClientRequest, times: PumpTimes, events: PumpEvents): BodyPump {
  if (body.kind === 'empty') {
    proxyReq.end()
    return STOPPED
  }
  if (body.kind === 'buffered') {
    if (req.rawTrailers.length > 0) proxyReq.addTrailers(rawPairs(req.rawTrailers))
    proxyReq.end(body.data)
    return STOPPED
  }
  return streamBody(body.source, req, proxyReq, times, events)
}

function streamBody(source: Readable, req: IncomingMessage, proxyReq: ClientRequest, times: PumpTimes, events: PumpEvents): BodyPump {
  let first = true
  let stalled: NodeJS.Timeout | undefined
  const idle = setTimeout(events.onClientStall, times.idleMs)
  const onData = (chunk: Buffer) => {
    if (first) {
      first = false
      events.onFirstByte?.()
    }
    idle.refresh()
    if (!proxyReq.write(chunk)) {
      // Waiting on the upstream is not the client's idleness.
      source.pause()
      clearTimeout(idle)
      stalled = setTimeout(events.onUpstreamStall, times.stallMs)
      proxyReq.once('drain', onDrain)
    }
  }
  const onDrain = () => {
    clearTimeout(stalled)
    idle.refresh()
    source.resume()
  }
  const onEnd = () => {
    clearTimeout(idle)
    // The client's trailer fields, in their case (RFC 9110 §6.5).
    if (req.rawTrailers.length > 0) proxyReq.addTrailers(rawPairs(req.rawTrailers))
    proxyReq.end()
  }
  source.on('data', onData)
  source.once('end', onEnd)
  return {
    stop() {
      clearTimeout(idle)
      clearTimeout(stalled)
      source.off('data', onData)
      source.off('end', onEnd)
      proxyReq.off('drain', onDrain)
    },
  }
}
