import http from 'node:http'
import type { Duplex } from 'node:stream'
import type { ListenerEngine } from './listener.js'
import { openFrontDoor } from './front-door.js'
import { declineUpgradeOffer } from './h2c-offer.js'
import { LastBytesResponse } from '../respond/last-bytes.js'
import type { Listener, ListenerOptions, ServeHooks } from './listener.js'

/** Plain HTTP/1.x: Node's HTTP server with the front door (front-door.ts) in front of its parser. */
export function createPlainListener(engine: ListenerEngine, hooks: ServeHooks, options: ListenerOptions): Listener {
  const { headersTimeoutMs, sockets } = options
  const server = http.createServer({
    // Sinks that must see a response before its client does (the recorder) get told by it.
    ServerResponse: engine.watchesDelivery ? LastBytesResponse : http.ServerResponse,
    // A whole-request deadline would cut long uploads and streams; slow clients are bounded
    // by the headers timeout instead, checked often enough to be felt.
    requestTimeout: 0,
    headersTimeout: headersTimeoutMs,
    connectionsCheckingInterval: checkingInterval(headersTimeoutMs),
  })
  server.on('request', hooks.onRequest)
  // `Expect: 100-continue` is the upstream's to answer (RFC 9110 §10.1.1): with this listener
  // Node no longer sends 100 on its own; the pipeline relays the upstream's, or sends its own
  // when it must hold the body itself.
  server.on('checkContinue', hooks.onRequest)
  openFrontDoor(server, engine, { headersTimeoutMs, sockets, onConnect: hooks.onConnect })
  server.on('upgrade', (req, socket, head) => {
    if (!declineUpgradeOffer(server, req, socket, head)) hooks.onUpgrade(req, socket, head)
  })
  server.on('clientError', answerClientError)
  return {
    server,
    scheme: 'http',
    closeIdle: () => server.closeIdleConnections(),
    closeAll: () => server.closeAllConnections(),
  }
}

/** How often Node checks its headers timeout: often enough that a slow head is felt. */
export function checkingInterval(headersTimeoutMs: number): number {
  return Math.max(50, Math.min(1_000, Math.floor(headersTimeoutMs / 4)))
}

/**
 * A request the parser refused (smuggling attempts, bad framing, oversized heads) is never
 * forwarded: answer once and close, so nothing after it is read as a request either.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const inFlight = (socket as { _httpMessage?: http.ServerResponse | null })._httpMessage
  if (socket.writable && !inFlight) {
    const status = clientErrorStatus(error.code)
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
  } else if (inFlight && !socket.destroyed && error.code?.startsWith('HPE_') && inFlight.req.complete) {
    // The parser refused what came after a whole request still being answered (bytes pipelined
    // behind `Connection: close`, or a malformed request behind a good one): that answer is
    // finished first, then the connection closes; nothing after it is read (RFC 9112 §9.6).
    // Destroying the socket here would cut the answer the client is owed. (A request whose own
    // body is malformed can never be answered whole: its connection is cut below.)
    inFlight.shouldKeepAlive = false
  } else {
    socket.destroy(error)
  }
}

/** 431 for a head over the size limit (RFC 6585), 408 for one too slow to arrive, else 400. */
export function clientErrorStatus(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408
  return 400
}
