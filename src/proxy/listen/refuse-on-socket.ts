import type { Duplex } from 'node:stream'
import type { ListenerEngine } from './listener.js'
import type { ErrorDetails, ErrorType } from '../http/error-map.js'
import { sendSocketError } from '../respond/respond.js'
import type { Transaction } from '../transaction/transaction.js'

/**
 * How long a refused connection may stay half-closed: the client has the answer and a FIN;
 * one that neither reads nor closes is cut after this.
 */
export const REFUSAL_LINGER_MS = 5_000

/**
 * Answers a request the proxy will not serve (CONNECT, HTTP/0.9) with its JSON error straight
 * on the socket, closes the connection, and logs the transaction once the socket is gone.
 * `sockets` holds the connection until then, so closing the proxy cuts it too.
 */
export function refuseOnSocket(engine: ListenerEngine, socket: Duplex, tx: Transaction, type: ErrorType, details: ErrorDetails, sockets: Set<Duplex>): void {
  const finish = () => {
    tx.durationMs = performance.now() - tx.startMs
    engine.emit(tx)
  }
  if (socket.closed) process.nextTick(finish)
  else socket.once('close', finish)
  sendSocketError(socket, tx, type, details)
  lingerAfterRefusal(socket, sockets)
}

/**
 * After a refusal ended with `socket.end()`: read and drop whatever the client still sends (a
 * TLS ClientHello behind a CONNECT), since closing with unread input resets the connection and
 * can cost the client the answer; destroy it if it is still open after REFUSAL_LINGER_MS.
 */
export function lingerAfterRefusal(socket: Duplex, sockets: Set<Duplex>): void {
  sockets.add(socket)
  socket.on('error', () => socket.destroy())
  const timer = setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS)
  timer.unref()
  socket.once('close', () => {
    clearTimeout(timer)
    sockets.delete(socket)
  })
  socket.resume()
}
