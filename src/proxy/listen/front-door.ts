import type { IncomingMessage, Server } from 'node:http'
import type { Server as NetServer, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { ListenerEngine } from './listener.js'
import { refuseConnect } from './refuse-connect.js'
import { lingerAfterRefusal, refuseOnSocket } from './refuse-on-socket.js'
import { parseHttp09Line, scanRequestLine, START_SCAN } from './request-line.js'
import { createTransaction } from '../transaction/transaction.js'

export interface FrontDoorOptions {
  /** The request line is read under the server's headers timeout too (408 when it runs out). */
  readonly headersTimeoutMs: number
  /** Connections the proxy holds outside Node's HTTP tracking; closing the proxy destroys them. */
  readonly sockets: Set<Duplex>
  /** CONNECT's handler (forward mode, handle-connect.ts). Default: 501 (refuse-connect.ts). */
  readonly onConnect?: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined
}

/**
 * Most of the first request line a connection reads before handing it to Node's parser. A
 * line still undecided by then is not HTTP/0.9 anyone sends; the parser judges it (431/400).
 */
const MAX_LINE_PEEK_BYTES = 8 * 1024

/**
 * What reaches the proxy before Node's HTTP parser sees a request:
 * - each new connection's first request line is read here: an HTTP/0.9 line (no version) gets
 *   505 at once, where the parser would wait for headers until the headers timeout. Only the
 *   first line of a connection: later requests on it cost nothing extra.
 * - CONNECT goes to `onConnect` (forward mode), or gets 501 (refuse-connect.ts) instead of the
 *   socket being destroyed unanswered.
 * - no cap on the number of header fields: Node keeps 2,000 raw entries by default and drops
 *   the rest without a word; the head-size limit (431) is what bounds a request head.
 */
export function openFrontDoor(server: Server, engine: ListenerEngine, options: FrontDoorOptions): void {
  server.maxHeadersCount = 0
  server.on('connect', options.onConnect ?? ((req: IncomingMessage, socket: Duplex) => refuseConnect(engine, req, socket, options.sockets)))
  const serveHttp = takeConnectionListener(server)
  server.on('connection', (socket: Socket) => readFirstLine(socket, engine, options, (read) => handOver(socket, read, () => serveHttp.call(server, socket))))
}

/**
 * Node's own 'connection' listener (which starts its HTTP parser, or its TLS handshake), taken
 * off so that what runs first on a new connection is the caller's.
 */
export function takeConnectionListener(server: NetServer): (socket: Socket) => void {
  const listeners = server.listeners('connection')
  if (listeners.length !== 1) throw new Error(`expected only Node's own 'connection' listener, found ${listeners.length}`)
  const listener = listeners[0] as (socket: Socket) => void
  server.removeListener('connection', listener)
  return listener
}

/** Gives the parser the bytes read so far, in front of whatever comes next. */
function handOver(socket: Socket, read: Buffer, serveHttp: () => void): void {
  socket.pause()
  if (read.length > 0) socket.unshift(read)
  serveHttp()
  socket.resume()
}

function readFirstLine(socket: Socket, engine: ListenerEngine, options: FrontDoorOptions, onOther: (read: Buffer) => void): void {
  const chunks: Buffer[] = []
  let bytes = 0
  let scan = START_SCAN
  options.sockets.add(socket)
  const timer = options.headersTimeoutMs > 0 ? setTimeout(onTimeout, options.headersTimeoutMs) : undefined

  socket.on('data', onData)
  socket.on('end', onEnd)
  socket.on('error', onError)

  function stop(): Buffer {
    clearTimeout(timer)
    socket.off('data', onData)
    socket.off('end', onEnd)
    socket.off('error', onError)
    options.sockets.delete(socket)
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes)
  }

  function onData(chunk: Buffer): void {
    chunks.push(chunk)
    bytes += chunk.length
    scan = scanRequestLine(scan, chunk)
    if (scan.verdict === 'undecided' && bytes < MAX_LINE_PEEK_BYTES) return
    const read = stop()
    if (scan.verdict === 'http09') refuseHttp09(engine, socket, read, options.sockets)
    else onOther(read)
  }

  function onEnd(): void {
    // The client finished sending before its first line did: nothing to hand over (and a
    // stream that ended cannot take bytes back). Like the parser: silence gets a quiet close,
    // a cut-off line a 400.
    stop()
    if (bytes === 0) socket.end()
    else answerPlain(socket, 400, 'Bad Request', options.sockets)
  }

  function onError(): void {
    stop()
    socket.destroy()
  }

  function onTimeout(): void {
    stop()
    answerPlain(socket, 408, 'Request Timeout', options.sockets)
  }
}

/** The same bare answer the server's clientError handler gives for a head the parser refused. */
function answerPlain(socket: Socket, status: number, reason: string, sockets: Set<Duplex>): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
  lingerAfterRefusal(socket, sockets)
}

/** RFC 9110 §15.6.6: the line has no HTTP version, so it is HTTP/0.9, which devproxy does not speak. */
function refuseHttp09(engine: ListenerEngine, socket: Socket, read: Buffer, sockets: Set<Duplex>): void {
  const { method, target } = parseHttp09Line(read)
  const request: Pick<IncomingMessage, 'method' | 'url' | 'httpVersion' | 'headers' | 'socket'> = { method, url: target, httpVersion: '0.9', headers: {}, socket }
  const tx = createTransaction(request as IncomingMessage, 'http', engine.instanceId)
  refuseOnSocket(engine, socket, tx, 'unsupported_http_version', {
    message: `HTTP/0.9 is not supported: the request line ${JSON.stringify(`${method} ${target}`.slice(0, 200))} has no HTTP version`,
    hint: 'Send HTTP/1.0 or HTTP/1.1 requests, e.g. GET /path HTTP/1.1.',
  }, sockets)
}
