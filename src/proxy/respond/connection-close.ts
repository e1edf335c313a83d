import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'

/**
 * RFC 9112 §9.6: once a request says `Connection: close`, or the server decides to close after
 * answering one (a refusal of its framing, an early answer to an unread body), "the server
 * MUST NOT process any further requests received on that connection". Node's parser has often
 * read and handed over the requests pipelined behind it already; this is how the pipeline knows
 * to leave them alone.
 */

const SEQUENCE = Symbol('devproxy.requestSequence')
const CLOSES_AFTER = Symbol('devproxy.closesAfter')

interface CountedSocket extends Socket {
  [SEQUENCE]?: number
  [CLOSES_AFTER]?: number
}

interface CountedRequest extends IncomingMessage {
  [SEQUENCE]?: number
}

/** Numbers the request in its connection's order (call once, as it arrives). */
export function noteArrival(req: IncomingMessage): void {
  const socket = req.socket as CountedSocket
  const n = (socket[SEQUENCE] ?? 0) + 1
  socket[SEQUENCE] = n
  ;(req as CountedRequest)[SEQUENCE] = n
}

/** No request after this one on its connection is served. */
export function closeAfter(req: IncomingMessage): void {
  const socket = req.socket as CountedSocket | null
  if (socket === null) return
  const n = (req as CountedRequest)[SEQUENCE] ?? socket[SEQUENCE] ?? 0
  if (socket[CLOSES_AFTER] === undefined || n < socket[CLOSES_AFTER]) socket[CLOSES_AFTER] = n
}

/** The request came after one that closes its connection: it must not be served. */
export function arrivedAfterClose(req: IncomingMessage): boolean {
  const socket = req.socket as CountedSocket | null
  const limit = socket?.[CLOSES_AFTER]
  return limit !== undefined && ((req as CountedRequest)[SEQUENCE] ?? Infinity) > limit
}
