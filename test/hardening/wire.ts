/**
 * Hand-written HTTP on raw sockets for the hardening suite: what a broken or hostile client
 * sends, byte for byte, and everything the proxy answered until it closed the connection.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import net, { type Socket } from 'node:net'
import { within } from '../helpers/wait.js'
import { startUpstream, type TestUpstream } from '../helpers/servers.js'

export interface Talk {
  /** Every byte the proxy sent, as latin1 text. */
  readonly text: string
  /** The status of each response in `text`, in order (pipelined or not). */
  readonly statuses: number[]
  /** The connection error seen while talking (ECONNRESET, EPIPE), if any. */
  readonly errorCode: string | undefined
  /** Milliseconds from connect to the server closing the connection. */
  readonly closedAfterMs: number
}

/**
 * Connects, writes `data`, and collects until the server closes. Never rejects on a socket
 * error (a refused request may well end in a reset); rejects only when the connection is
 * still open after `boundMs`, since every request here must end in a closed connection.
 */
export function talk(port: number, data: string | Buffer, boundMs = 5_000): Promise<Talk> {
  return within(boundMs, collect(port, (socket) => socket.write(data)), 'the proxy answering and closing the connection')
}

/** Like `talk`, but the caller writes (e.g. slowly); resolves on close. */
export function collect(port: number, onConnect: (socket: Socket) => void, onSocket?: (socket: Socket) => void): Promise<Talk> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let errorCode: string | undefined
    let startMs = 0
    const socket = net.connect(port, '127.0.0.1', () => {
      startMs = performance.now()
      onConnect(socket)
    })
    onSocket?.(socket)
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', (error: NodeJS.ErrnoException) => (errorCode ??= error.code))
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      resolve({ text, statuses: statusesOf(text), errorCode, closedAfterMs: performance.now() - startMs })
    })
  })
}

export function statusesOf(text: string): number[] {
  return [...text.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]))
}

/** The JSON body of the first response in `text` (an error body of the proxy). */
export function firstBody(text: string): any {
  const start = text.indexOf('\r\n\r\n') + 4
  const head = text.slice(0, start)
  const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? text.length - start)
  return JSON.parse(text.slice(start, start + length))
}

/** One request as an upstream saw it. */
export interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: http.IncomingHttpHeaders
  body: string
  /** The whole body arrived ('end'). */
  complete: boolean
}

export interface RecordingUpstream extends TestUpstream {
  /** Every request whose head reached the upstream, in arrival order. */
  readonly seen: Seen[]
}

/** A real upstream that records each request and answers 200 with a small JSON echo once the body is in. */
export async function startRecordingUpstream(name = 'upstream'): Promise<RecordingUpstream> {
  const seen: Seen[] = []
  const upstream = await startUpstream((req: IncomingMessage, res: ServerResponse) => {
    const entry: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '', complete: false }
    seen.push(entry)
    req.setEncoding('latin1')
    req.on('data', (chunk: string) => (entry.body += chunk))
    req.on('error', () => {})
    req.on('end', () => {
      entry.complete = true
      const body = JSON.stringify({ upstream: name, method: entry.method, url: entry.url })
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      res.end(body)
    })
  })
  // WebSocket upgrades never reach the request handler: record them too, then refuse them.
  upstream.server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '', complete: true })
    socket.on('error', () => {})
    socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
  })
  return Object.assign(upstream, { seen })
}
