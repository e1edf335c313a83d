import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import http2, { type Http2ServerRequest } from 'node:http2'
import { closeAfter } from './connection-close.js'
import { hasBody, isHttp2 } from '../http/protocol.js'

/**
 * A response that goes out before the client finished sending its request body (a 401 or 413
 * that the upstream decided on the headers, an error of the proxy's own) leaves the client's
 * connection with unread bytes on it. RFC 9112 §9.6: the server then closes the connection —
 * but closing a socket whose receive buffer is not empty sends a reset, and a client that is
 * still uploading may lose the response it was about to read. So the proxy half-closes, reads
 * and discards what the client still sends for a bounded time, then closes (nginx's
 * `lingering_close`).
 */
export const LINGER_MS = 5_000

/**
 * Call when the response head is about to be written. If the request body is not all in, the
 * response says `Connection: close` (for a refusal, status >= 400) and the connection closes
 * lingering once the response is out. Returns true when it did so.
 */
export function closeIfBodyUnread(res: ServerResponse, status: number): boolean {
  const req = res.req
  if (!bodyUnread(req)) return false
  if (isHttp2(req)) {
    // RFC 9113 §8.1: after a complete response, RST_STREAM NO_ERROR asks the client to stop
    // sending; the connection and its other streams are untouched.
    res.once('finish', () => stopStream(req))
    return true
  }
  if (status >= 400) {
    res.shouldKeepAlive = false
    closeAfter(req)
  }
  const socket = res.socket as Socket | null
  if (socket && !(socket as LingeringSocket)[LINGERING]) {
    ;(socket as LingeringSocket)[LINGERING] = true
    // Node ends a `Connection: close` response with destroySoon(): FIN, then destroy once
    // written, unread input or not. Linger instead.
    socket.destroySoon = () => closeLingering(socket, req)
  }
  return true
}

/**
 * After the response, when the body is still unread: stop reading it for the upstream, drop
 * what still comes, and close the connection lingering.
 */
export function drainUnreadBody(req: IncomingMessage): void {
  if (!bodyUnread(req)) return
  if (isHttp2(req)) {
    stopStream(req)
    return
  }
  const socket = req.socket as Socket | null
  if (!socket || socket.destroyed) return
  closeLingering(socket, req)
}

/**
 * The request declares a body that has not all arrived. (`complete` alone is not enough: a
 * request without a body is not complete yet while its 'request' event runs.)
 */
export function bodyUnread(req: IncomingMessage): boolean {
  return !req.complete && !req.destroyed && hasBody(req)
}

function stopStream(req: IncomingMessage): void {
  const stream = (req as unknown as Http2ServerRequest).stream
  if (!stream.destroyed && !stream.closed) stream.close(http2.constants.NGHTTP2_NO_ERROR)
}

const LINGERING = Symbol('devproxy.lingering')

interface LingeringSocket extends Socket {
  [LINGERING]?: boolean
}

function closeLingering(socket: Socket, req: IncomingMessage): void {
  if (socket.destroyed) return
  ;(socket as LingeringSocket)[LINGERING] = true
  req.removeAllListeners('data')
  req.unpipe()
  req.resume()
  const timer = setTimeout(() => socket.destroy(), LINGER_MS)
  timer.unref()
  socket.once('close', () => clearTimeout(timer))
  // Close once the response is written and the client finished (or gave up) sending.
  let written = !socket.writable
  let clientDone = false
  const maybeClose = () => written && clientDone && socket.destroy()
  socket.once('finish', () => {
    written = true
    maybeClose()
  })
  const onClientDone = () => {
    clientDone = true
    maybeClose()
  }
  socket.once('end', onClientDone)
  req.once('end', onClientDone)
  if (socket.writable) socket.end()
}
