import type { IncomingMessage } from 'node:http'
import type { Server, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { ListenerEngine } from './listener.js'
import { takeConnectionListener } from './front-door.js'
import { refuseOnSocket } from './refuse-on-socket.js'
import { createTransaction } from '../transaction/transaction.js'

/** The first byte of every TLS connection: a handshake record (RFC 8446 §5.1, content type 22). */
const TLS_HANDSHAKE = 0x16

/**
 * Plain HTTP sent to the HTTPS port (an `http://` URL for an `https://` proxy) gets an answer it
 * can read, as nginx gives one, instead of a TLS failure the client reports as "wrong version
 * number" or an empty reply. The first byte tells: a TLS connection starts with a handshake
 * record, an HTTP/1.x request with a method's letters. Anything else goes on to TLS, which
 * fails it (tlsClientError).
 */
export function refusePlainHttp(server: Server, engine: ListenerEngine, sockets: Set<Duplex>): void {
  const startTls = takeConnectionListener(server)
  server.on('connection', (socket: Socket) => {
    socket.once('data', (chunk: Buffer) => {
      socket.pause()
      if (chunk[0] === TLS_HANDSHAKE || !looksLikeHttp(chunk)) {
        // Left paused: the TLS socket takes over the handle and reads what is buffered itself
        // (a resumed socket would hand those bytes to no one).
        socket.unshift(chunk)
        startTls.call(server, socket)
        return
      }
      refuse(engine, socket, chunk, sockets)
    })
  })
}

/** An HTTP/1.x request starts with a method: upper-case letters, then a space. */
function looksLikeHttp(chunk: Buffer): boolean {
  return /^[A-Z]{3,10} /.test(chunk.subarray(0, 11).toString('latin1'))
}

function refuse(engine: ListenerEngine, socket: Socket, chunk: Buffer, sockets: Set<Duplex>): void {
  const line = chunk.subarray(0, 2048).toString('latin1').split('\r\n', 1)[0]!
  const [method = 'GET', target = '/', version = 'HTTP/1.1'] = line.split(' ')
  const host = /\r\nhost:[ \t]*([^\r\n]*)/i.exec(chunk.subarray(0, 8192).toString('latin1'))?.[1]?.trim()
  const request: Pick<IncomingMessage, 'method' | 'url' | 'httpVersion' | 'headers' | 'socket'> = {
    method,
    url: target,
    httpVersion: version.replace(/^HTTP\//, ''),
    headers: host === undefined ? {} : { host },
    socket,
  }
  const address = host ?? `127.0.0.1:${socket.localPort}`
  refuseOnSocket(engine, socket, createTransaction(request as IncomingMessage, 'http', engine.instanceId), 'https_required', {
    message: `this port speaks HTTPS, and the request came as plain HTTP: ${method} ${target}`.slice(0, 300),
    hint: `Use https://${address}${target.startsWith('/') ? target : '/'} (run devproxy trust once so clients accept its certificate), or serve plain HTTP beside it with --https-port.`,
  }, sockets)
}
