import { EventEmitter } from 'node:events'
import type { TLSSocket } from 'node:tls'
import { H2HeadScanner, type HeadRefusal } from './h2-head-scanner.js'

/**
 * Every HTTP/2 request head is read before Node's HTTP/2 server (nghttp2) reads it, because
 * nghttp2, as Node drives it, does two things HTTP/1.1 does not get away with here:
 *
 * - A field that RFC 9113 §8.2.1 makes malformed (CR, LF or NUL in a value, whitespace around
 *   it, a name in upper case or with a space or colon, an empty name) is dropped without a word
 *   and the rest of the request goes on — an altered request. §8.1.1: a malformed request is a
 *   stream error of type PROTOCOL_ERROR, and an intermediary MUST NOT forward it.
 * - A head is as large as HPACK makes it: one 4,000-byte field referenced by index 2,000 times
 *   fits in a 6 KB frame and decodes to 8 MB. The same 16 KiB limit as HTTP/1.1 applies
 *   (advertised as SETTINGS_MAX_HEADER_LIST_SIZE, §6.5.2); a head over it is answered 431
 *   (RFC 6585 §5, RFC 9113 §10.5.1).
 *
 * The reading is h2-head-scanner.ts's. This file puts it between the TLS socket and the server:
 * the server is handed a stream object in place of the socket (Node wraps it in a socket of its
 * own, JSStreamSocket), which gets the scanner's output; what the server writes goes to the TLS
 * socket as it is. The object is the least JSStreamSocket uses of a Duplex — `data`, `end`,
 * `close` and `error` events, pause/resume, cork/write/uncork, end and destroy — rather than a
 * Readable and a Writable, whose buffering would be a second copy of the socket's own on every
 * chunk each way.
 */

export interface H2GuardOptions {
  /** The largest head accepted, counted as RFC 9113 §6.5.2 does (name + value + 32 per field). */
  readonly maxHeaderListBytes: number
  /** SETTINGS_HEADER_TABLE_SIZE this server advertises (Node's default: 4096). */
  readonly headerTableBytes: number
  /** SETTINGS_MAX_FRAME_SIZE this server advertises (the default: 16384). */
  readonly maxFrameBytes: number
  /** Told about each refused stream. */
  readonly onRefused?: ((refusal: H2Refusal) => void) | undefined
}

export interface H2Refusal {
  readonly stream: number
  /** 431 for a head over the limit; undefined for a malformed one (RFC 9113 §8.1.1: RST_STREAM PROTOCOL_ERROR). */
  readonly status: 431 | undefined
  readonly reason: string
}

/** What Node's HTTP/2 server reads and writes in place of the socket (a JSStreamSocket's stream). */
export class GuardedConnection extends EventEmitter {
  readonly readable = true
  readonly writable = true
  readonly readableObjectMode = false
  readonly alpnProtocol = 'h2'
  readonly encrypted = true
  private paused = true
  /** What arrived while the server was not reading. */
  private waiting: Buffer[] = []

  constructor(private readonly socket: TLSSocket) {
    super()
  }

  /** From the scanner: bytes for the server. */
  deliver(bytes: Buffer): void {
    if (this.paused) {
      this.waiting.push(bytes)
      this.socket.pause()
      return
    }
    this.emit('data', bytes)
  }

  pause(): this {
    this.paused = true
    return this
  }

  resume(): this {
    this.paused = false
    while (this.waiting.length > 0 && !this.paused) this.emit('data', this.waiting.shift()!)
    if (!this.paused) this.socket.resume()
    return this
  }

  cork(): void {
    this.socket.cork()
  }

  uncork(): void {
    this.socket.uncork()
  }

  write(bytes: Buffer, callback?: (error?: Error | null) => void): boolean {
    const flowing = this.socket.write(bytes)
    if (callback !== undefined) {
      if (flowing) callback()
      else this.socket.once('drain', () => callback())
    }
    return flowing
  }

  end(callback?: () => void): this {
    this.socket.end(callback)
    return this
  }

  destroy(): this {
    this.socket.destroy()
    return this
  }
}

/** Puts the head scanner between an HTTP/2 connection (ALPN chose h2) and the server. */
export function guardHttp2(socket: TLSSocket, options: H2GuardOptions): GuardedConnection {
  // Node turns Nagle's algorithm off on the socket it is given: that is now the guard, so here.
  socket.setNoDelay(true)
  const connection = new GuardedConnection(socket)
  const scanner = new H2HeadScanner(
    options,
    (bytes) => connection.deliver(bytes),
    (refusal) => {
      options.onRefused?.({ stream: refusal.stream, status: refusal.status, reason: refusal.reason })
      if (refusal.status === 431) socket.write(tooLarge(refusal))
    },
  )
  socket.on('data', (chunk: Buffer) => scanner.scan(chunk))
  socket.on('end', () => connection.emit('end'))
  socket.on('error', (error) => connection.emit('error', error))
  socket.on('close', () => connection.emit('close'))
  return connection
}

const HEADERS = 0x1
const END_STREAM = 0x1
const END_HEADERS = 0x4

/**
 * `:status: 431` with END_STREAM, encoded without touching either side's dynamic table (literal
 * fields without indexing, RFC 7541 §6.2.2); led by a size update when the client announced its
 * table size, which a first block after that change must carry (§4.2).
 */
function tooLarge(refusal: HeadRefusal): Buffer {
  const parts: Buffer[] = []
  if (refusal.clientTableBytes !== undefined) parts.push(integer(Math.min(refusal.clientTableBytes, 4096), 5, 0x20))
  parts.push(Buffer.from([0x08, 0x03]), Buffer.from('431', 'latin1'))
  parts.push(literal('x-devproxy-error', 'request_header_fields_too_large'), Buffer.from([0x0f, 0x0d, 0x01]), Buffer.from('0', 'latin1'))
  const block = Buffer.concat(parts)
  const head = Buffer.alloc(9)
  head.writeUIntBE(block.length, 0, 3)
  head[3] = HEADERS
  head[4] = END_HEADERS | END_STREAM
  head.writeUInt32BE(refusal.stream, 5)
  return Buffer.concat([head, block])
}

function literal(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0x00]), integer(name.length, 7, 0), Buffer.from(name, 'latin1'), integer(value.length, 7, 0), Buffer.from(value, 'latin1')])
}

/** RFC 7541 §5.1. */
function integer(value: number, prefixBits: number, high: number): Buffer {
  const max = (1 << prefixBits) - 1
  if (value < max) return Buffer.from([high | value])
  const bytes = [high | max]
  let rest = value - max
  while (rest >= 128) {
    bytes.push((rest % 128) + 128)
    rest = Math.floor(rest / 128)
  }
  bytes.push(rest)
  return Buffer.from(bytes)
}
