import type { Socket } from 'node:net'
import type { Transaction } from '../transaction/transaction.js'

/**
 * Notes which upstream connection carries an attempt, for the recording (HAR `serverIPAddress`
 * and `connection`). A pooled socket is already connected; a new one is noted once it is.
 */
export function noteUpstreamSocket(tx: Transaction, socket: Socket): void {
  if (socket.connecting) socket.once('connect', () => note(tx, socket))
  else note(tx, socket)
}

function note(tx: Transaction, socket: Socket): void {
  tx.upstreamAddress = socket.remoteAddress
  tx.upstreamConnection = socket.localPort === undefined ? undefined : String(socket.localPort)
}
