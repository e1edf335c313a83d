import type { IncomingMessage, ServerResponse } from 'node:http'
import http2, { type Http2ServerRequest } from 'node:http2'
import type { Duplex } from 'node:stream'
import type { ListenerEngine } from './listener.js'
import type { ErrorDetails } from '../http/error-map.js'
import { sendError } from '../respond/respond.js'
import { refuseOnSocket } from './refuse-on-socket.js'
import { createTransaction, type Transaction } from '../transaction/transaction.js'
import * as record from '../transaction/record.js'

/**
 * CONNECT asks for a tunnel (RFC 9110 §9.3.6): what a forward proxy does, not a reverse one.
 * Without a 'connect' listener Node destroys the socket, an empty reply that tells the user
 * nothing; this answers 501 with a JSON error saying what to do instead, and logs it.
 */
export function refuseConnect(engine: ListenerEngine, req: IncomingMessage, socket: Duplex, sockets: Set<Duplex>): void {
  const tx = createTransaction(req, 'http', engine.instanceId)
  refuseOnSocket(engine, socket, tx, 'connect_not_supported', connectDetails(tx.url), sockets)
}

/**
 * The same on an HTTP/2 stream (RFC 9113 §8.5), where Node would answer a bare 405: the 501 and
 * its JSON on the stream, which then ends; the connection's other streams go on.
 */
export function refuseConnectStream(engine: ListenerEngine, req: IncomingMessage, res: ServerResponse): void {
  // :authority is the tunnel's target; an HTTP/2 CONNECT has no :path.
  refuseOnStream(engine, req, res, (tx) => connectDetails(req.headers.host ?? tx.url))
}

/** The 501 and its JSON on the CONNECT's stream, which then ends; the connection's other streams go on. */
function refuseOnStream(engine: ListenerEngine, req: IncomingMessage, res: ServerResponse, details: (tx: Transaction) => ErrorDetails): void {
  const tx = createTransaction(req, 'http', engine.instanceId)
  res.once('close', () => {
    record.stopClock(tx)
    record.ended(tx, res.writableFinished ? 'error' : 'client-aborted', true)
    engine.emit(tx)
  })
  sendError(res, tx, 'connect_not_supported', details(tx))
  // The client's side of a CONNECT stream stays open for the tunnel it asked for: close it.
  res.once('finish', () => (req as unknown as Http2ServerRequest).stream.close(http2.constants.NGHTTP2_NO_ERROR))
}

function connectDetails(target: string): ErrorDetails {
  return {
    message: `forward mode is off: this devproxy is a reverse proxy and does not open CONNECT tunnels (CONNECT ${target})`,
    hint: "To use devproxy as an HTTP(S) proxy for outbound calls, start it with --forward (tunnels every host blind) or --intercept HOST (to see and fail that host's requests), or add outbound: { intercept: ['HOST'] } to proxy.config.ts; otherwise send requests to devproxy as you would to the service (GET /api/users on the proxy port).",
  }
}

/**
 * Forward mode over HTTP/2: an extended tunnel on one stream (RFC 9113 §8.5) is not opened;
 * the client is told to use HTTP/1.1 for the CONNECT, which every proxy client does by default.
 */
export function refuseConnectStreamInForwardMode(engine: ListenerEngine, req: IncomingMessage, res: ServerResponse): void {
  refuseOnStream(engine, req, res, (tx) => ({
    message: `CONNECT on an HTTP/2 stream (RFC 9113 §8.5) is not supported (CONNECT ${req.headers.host ?? tx.url})`,
    hint: 'Send the CONNECT over HTTP/1.1 (curl does unless told --proxy-http2); HTTP/2 inside the tunnel is fine.',
  }))
}
