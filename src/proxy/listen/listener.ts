import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Server } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Transaction } from '../transaction/transaction.js'

/**
 * A listener takes connections in one way (plain HTTP/1.x, or TLS with HTTP/2 and HTTP/1.1)
 * and hands every request to the same pipeline. Nothing below it knows which one it was, except
 * where the protocol shows through (protocol.ts).
 */
export interface Listener {
  readonly server: Server
  readonly scheme: 'http' | 'https'
  /** Closes connections with no request in flight; the others once their requests are done. */
  closeIdle(): void
  /** Cuts every connection now. */
  closeAll(): void
}

/** What a listener calls for each request, each WebSocket upgrade and each CONNECT. */
export interface ServeHooks {
  onRequest(req: IncomingMessage, res: ServerResponse): void
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** CONNECT on an HTTP/1.x connection (RFC 9110 §9.3.6): the socket is the caller's from here. */
  onConnect(req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** CONNECT on an HTTP/2 stream (RFC 9113 §8.5). */
  onConnectStream(req: IncomingMessage, res: ServerResponse): void
}

export interface ListenerOptions {
  /** A client must send its whole request head within this many ms (slow-header attacks). */
  readonly headersTimeoutMs: number
  /** Connections the proxy holds outside Node's HTTP tracking; closing the proxy destroys them. */
  readonly sockets: Set<Duplex>
}

/**
 * What a listener needs of the engine: answering on a socket (a refusal before any route) is
 * still a transaction the sinks hear about, and the response class depends on whether a sink
 * wants to see the last bytes of each response (respond/last-bytes.ts).
 */
export interface ListenerEngine {
  readonly instanceId: string
  readonly watchesDelivery: boolean
  emit(tx: Readonly<Transaction>): void
}
