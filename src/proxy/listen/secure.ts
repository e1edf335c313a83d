import http from 'node:http'
import http2, { type Http2Session } from 'node:http2'
import net, { type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { TLSSocket } from 'node:tls'
import type { ListenerEngine } from './listener.js'
import { withLastBytes, LastBytesResponse } from '../respond/last-bytes.js'
import { offersWebSocket } from './h2c-offer.js'
import { isHttp2 } from '../http/protocol.js'
import { refuseOnSocket } from './refuse-on-socket.js'
import { createTransaction } from '../transaction/transaction.js'
import type { LeafServerOptions } from '../../tls/leaf-cache.js'
import { H2Request, H2Response } from './h2-adapter.js'
import type { Listener, ListenerOptions, ServeHooks } from './listener.js'
import { answerClientError, checkingInterval } from './plain.js'
import { refusePlainHttp } from './plain-on-tls.js'
import { describeHandshakeFailure, type ListenerNotice } from './handshake-failure.js'
import { guardHttp2, type H2Refusal } from './h2-guard.js'

export interface SecureListenerOptions extends ListenerOptions {
  /** Certificates: the default one and an SNI callback issuing per name (tls/leaf-cache.ts). */
  readonly certificates: LeafServerOptions
  /** Told about failed handshakes worth a line (an untrusted CA, a name outside it). */
  readonly onNotice?: ((notice: ListenerNotice) => void) | undefined
}

/** Most header fields in one HTTP/2 request (Node's default, 128, drops a stream over it). */
const MAX_HEADER_LIST_PAIRS = 4_000

/**
 * The largest request head, as SETTINGS_MAX_HEADER_LIST_SIZE counts it (RFC 9113 §6.5.2): the
 * 16 KiB HTTP/1.1 gets from Node's parser. Over it: 431 (h2-guard.ts).
 */
export const H2_MAX_HEADER_LIST_BYTES = 16 * 1024

/** SETTINGS_MAX_CONCURRENT_STREAMS: the 100 RFC 9113 §6.5.2 suggests as the least (nginx 128, Caddy 250). */
export const H2_MAX_CONCURRENT_STREAMS = 100

/** Node's defaults for the two settings the guard must agree with. */
const H2_HEADER_TABLE_BYTES = 4_096
const H2_MAX_FRAME_BYTES = 16_384

const H2LastBytesResponse = withLastBytes(H2Response)

/**
 * HTTPS on one port: TLS, then HTTP/2 or HTTP/1.1 as ALPN decides (RFC 7301). HTTP/1.1 clients
 * get what the plain listener gives them (WebSocket upgrades included: browsers open those on an
 * HTTP/1.1 connection); HTTP/2 streams arrive shaped like HTTP/1.1 requests (h2-adapter.ts).
 */
export function createSecureListener(engine: ListenerEngine, hooks: ServeHooks, options: SecureListenerOptions): Listener {
  const { headersTimeoutMs, sockets } = options
  const server = http2.createSecureServer({
    allowHTTP1: true,
    ...options.certificates,
    minVersion: 'TLSv1.2',
    maxHeaderListPairs: MAX_HEADER_LIST_PAIRS,
    settings: {
      maxHeaderListSize: H2_MAX_HEADER_LIST_BYTES,
      maxConcurrentStreams: H2_MAX_CONCURRENT_STREAMS,
      headerTableSize: H2_HEADER_TABLE_BYTES,
      maxFrameSize: H2_MAX_FRAME_BYTES,
    },
    Http1ServerResponse: engine.watchesDelivery ? LastBytesResponse : http.ServerResponse,
    Http2ServerRequest: H2Request,
    Http2ServerResponse: engine.watchesDelivery ? H2LastBytesResponse : H2Response,
  } as http2.SecureServerOptions)
  // The HTTP/1.1 side: the same limits as the plain listener.
  Object.assign(server, { requestTimeout: 0, headersTimeout: headersTimeoutMs, maxHeadersCount: 0, connectionsCheckingInterval: checkingInterval(headersTimeoutMs) })

  guardHttp2Connections(server, options.onNotice)
  const connections = trackConnections(server)
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!isHttp2(req)) connections.requestStarted(req.socket as TLSSocket, res)
    hooks.onRequest(req, res)
  }
  server.on('request', onRequest)
  server.on('checkContinue', onRequest)
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (offersWebSocket(req.headers.upgrade)) {
      hooks.onUpgrade(req, socket, head)
      return
    }
    // Over TLS, ALPN chooses the protocol; an Upgrade offer (h2c is cleartext only, RFC 9113 §3.1) is not honoured.
    refuseOnSocket(engine, socket, createTransaction(req, 'http', engine.instanceId), 'upgrade_not_supported', {
      message: `Upgrade: ${req.headers.upgrade} is not supported over HTTPS`,
      hint: 'Send the request without Upgrade; HTTP/2 is negotiated by ALPN on this port.',
    }, sockets)
  })
  // CONNECT: over HTTP/1.1 a socket, over HTTP/2 a stream (the pipeline decides: forward mode or 501).
  server.on('connect', (req: http.IncomingMessage, second: Duplex | http.ServerResponse, head?: Buffer) => {
    if (isHttp2(req)) hooks.onConnectStream(req, second as http.ServerResponse)
    else hooks.onConnect(req, second as Duplex, head ?? Buffer.alloc(0))
  })
  server.on('clientError', answerClientError)
  refusePlainHttp(server, engine, sockets)
  server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
    const notice = describeHandshakeFailure(error, socket.remoteAddress ?? (socket as { _parent?: Socket })._parent?.remoteAddress)
    if (notice !== undefined) options.onNotice?.(notice)
  })

  return {
    server,
    scheme: 'https',
    closeIdle: () => connections.closeIdle(),
    closeAll: () => connections.closeAll(),
  }
}

/**
 * Every HTTP/2 connection is read through h2-guard.ts first: Node's HTTP/2 server gets the guard
 * where it would get the TLS socket. (HTTP/1.1 connections go to it untouched.)
 */
function guardHttp2Connections(server: http2.Http2SecureServer, onNotice: ((notice: ListenerNotice) => void) | undefined): void {
  const [serveConnection] = server.listeners('secureConnection') as Array<(socket: Duplex) => void>
  if (serveConnection === undefined) throw new Error("expected Node's own 'secureConnection' listener")
  server.removeListener('secureConnection', serveConnection)
  let guarded: TLSSocket | undefined
  // Node wraps the guard in a socket of its own, which knows nothing of TLS or the client: the
  // pipeline reads those from it (`req.socket`), so they are copied onto it as it is made.
  server.on('session', (session: Http2Session) => {
    if (guarded === undefined) return
    describeConnection(session, guarded)
    guarded = undefined
  })
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.alpnProtocol !== 'h2') return serveConnection.call(server, socket)
    const client = socket.remoteAddress
    const guard = guardHttp2(socket, {
      maxHeaderListBytes: H2_MAX_HEADER_LIST_BYTES,
      headerTableBytes: H2_HEADER_TABLE_BYTES,
      maxFrameBytes: H2_MAX_FRAME_BYTES,
      onRefused: onNotice === undefined ? undefined : (refusal) => onNotice(refusedNotice(refusal, client)),
    })
    guarded = socket
    serveConnection.call(server, guard as unknown as Duplex)
  })
}

/** The facts of the TLS connection, on the socket Node made around the guard. */
function describeConnection(session: Http2Session, socket: TLSSocket): void {
  const record = session as unknown as Record<symbol, unknown>
  for (const key of Object.getOwnPropertySymbols(session)) {
    const value = record[key]
    if (!(value instanceof net.Socket) || value === (socket as unknown)) continue
    Object.defineProperties(value, {
      encrypted: { value: true },
      alpnProtocol: { value: 'h2' },
      servername: { value: socket.servername },
      remoteAddress: { value: socket.remoteAddress },
      remotePort: { value: socket.remotePort },
      remoteFamily: { value: socket.remoteFamily },
      localAddress: { value: socket.localAddress },
      localPort: { value: socket.localPort },
    })
    return
  }
}

function refusedNotice(refusal: H2Refusal, client: string | undefined): ListenerNotice {
  const from = client === undefined ? 'a client' : `a client at ${client.replace(/^::ffff:/, '')}`
  const kind = refusal.reason.replace(/\d+/g, '…')
  return {
    key: `h2-refused:${kind}`,
    message: `HTTP/2: refused a request from ${from}: ${refusal.reason}`,
    hint:
      refusal.status === 431
        ? 'It was answered 431; send fewer or smaller header fields (cookies from other localhost apps add up).'
        : 'It was answered RST_STREAM PROTOCOL_ERROR, as RFC 9113 §8.1.1 requires: a malformed request is never forwarded, nor forwarded without the field. Fix the header the client sends.',
  }
}

const ACTIVE = Symbol('devproxy.activeRequests')

interface CountedSocket extends TLSSocket {
  [ACTIVE]?: number
}

/**
 * Node tracks neither the HTTP/2 sessions nor (with allowHTTP1) the HTTP/1.1 connections of an
 * HTTP/2 server for closing: this does. Closing idly sends GOAWAY on each session (its streams
 * finish, no new ones start: RFC 9113 §6.8) and ends each HTTP/1.1 connection once its request
 * in flight is done.
 */
function trackConnections(server: http2.Http2SecureServer) {
  const sessions = new Set<Http2Session>()
  const http1 = new Set<CountedSocket>()
  let closing = false

  server.on('session', (session: Http2Session) => {
    sessions.add(session)
    session.once('close', () => sessions.delete(session))
    if (closing) session.close()
  })
  server.on('secureConnection', (socket: CountedSocket) => {
    if (socket.alpnProtocol === 'h2') return
    http1.add(socket)
    socket.once('close', () => http1.delete(socket))
  })

  return {
    requestStarted(socket: CountedSocket, res: http.ServerResponse): void {
      socket[ACTIVE] = (socket[ACTIVE] ?? 0) + 1
      res.once('close', () => {
        socket[ACTIVE]!--
        if (closing && socket[ACTIVE] === 0) socket.destroy()
      })
    },
    closeIdle(): void {
      closing = true
      for (const session of sessions) session.close()
      for (const socket of http1) if ((socket[ACTIVE] ?? 0) === 0) socket.destroy()
    },
    closeAll(): void {
      closing = true
      for (const session of sessions) session.destroy()
      for (const socket of http1) socket.destroy()
    },
  }
}
