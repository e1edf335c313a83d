import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Engine } from './engine.js'
import { refuseOnSocket } from './refuse-on-socket.js'
import { createTransaction } from './transaction.js'

/**
 * CONNECT asks for a tunnel (RFC 9110 §9.3.6): what a forward proxy does, not a reverse one.
 * Without a 'connect' listener Node destroys the socket, an empty reply that tells the user
 * nothing; this answers 501 with a JSON error saying what to do instead, and logs it.
 */
export function refuseConnect(engine: Engine, req: IncomingMessage, socket: Duplex, sockets: Set<Duplex>): void {
  const tx = createTransaction(req, 'http')
  refuseOnSocket(engine, socket, tx, 'connect_not_supported', {
    message: `devproxy is a reverse proxy: CONNECT tunnels (forward proxying) are not supported (CONNECT ${tx.url})`,
    hint: 'Send requests to devproxy as you would to the service (GET /api/users on the proxy port), not through it as an HTTP proxy; for tunnelling use a forward proxy such as mitmproxy.',
  }, sockets)
}
