import { Duplex } from 'node:stream'
import type { TLSSocket } from 'node:tls'
import { h2FieldProblem } from './h2-field-rules.js'
import { HpackDecoder, HpackError } from './hpack-decoder.js'

/**
 * The HTTP/2 request heads a connection carries, read before Node's HTTP/2 server (nghttp2) reads
 * them. Two things nghttp2, as Node drives it, does not do:
 *
 * - A field that RFC 9113 §8.2.1 makes malformed (CR, LF or NUL in a value, whitespace around
 *   it, a name in upper case or with a space or colon, an empty name) is dropped without a word
 *   and the rest of the request goes on — an altered request. §8.1.1: a malformed request is a
 *   stream error of type PROTOCOL_ERROR, and an intermediary MUST NOT forward it.
 * - A head is as large as HPACK makes it: one 4,000-byte field referenced by index 2,000 times
 *   fits in a 6 KB frame and decodes to 8 MB. The same 16 KiB limit as HTTP/1.1 applies
 *   (advertised as SETTINGS_MAX_HEADER_LIST_SIZE, §6.5.2, and counted the same way); a head over
 *   it is answered 431 (RFC 6585 §5, RFC 9113 §10.5.1).
 *
 * How: every header block is decoded here with a decoder whose table mirrors nghttp2's (the same
 * bytes go to both). A block to refuse is handed on with one field put in front of it, a name in
 * upper case, which nghttp2 itself refuses with RST_STREAM PROTOCOL_ERROR: its table stays in step
 * (it still decodes the whole block, §4.3 of RFC 7541) and the stream's DATA is discarded with
 * its flow control. For a head over the limit, a 431 response (HEADERS with END_STREAM) goes out
 * first; the RST_STREAM that follows it closes the client's side.
 *
 * Everything else passes untouched and uncopied. Most blocks after the first few are indexes
 * into the table, whose fields were judged when they entered it.
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
  /** 431 for a head over the limit; undefined for a malformed one (RST_STREAM PROTOCOL_ERROR). */
  readonly status: 431 | undefined
  readonly reason: string
}

const HEADERS = 0x1
const SETTINGS = 0x4
const CONTINUATION = 0x9
const END_STREAM = 0x1
const END_HEADERS = 0x4
const PADDED = 0x8
const PRIORITY = 0x20
const SETTINGS_HEADER_TABLE_SIZE = 0x1

/** "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" (RFC 9113 §3.4). */
const PREFACE_BYTES = 24
/** A header block held longer than this is passed on unread: nghttp2 ends such a connection itself (its CONTINUATION limit). */
const MAX_HELD_BYTES = 256 * 1024

/**
 * A literal field without indexing, new name "X" (RFC 7541 §6.2.2): upper case, so nghttp2
 * refuses the stream on it (RFC 9113 §8.2.1) before any other field of the block is taken.
 */
const POISON = Buffer.from([0x00, 0x01, 0x58, 0x00])

/**
 * Wraps an HTTP/2 connection (after ALPN chose h2) in a Duplex that Node's HTTP/2 server reads
 * instead of the socket; what the server writes goes to the socket unchanged.
 */
export function guardHttp2(socket: TLSSocket, options: H2GuardOptions): Duplex {
  // Node turns Nagle's algorithm off on the socket it is given: that is now the guard, so here.
  socket.setNoDelay(true)
  const decoder = new HpackDecoder(options.headerTableBytes, h2FieldProblem)
  /** The client's SETTINGS_HEADER_TABLE_SIZE, once it sent one: a 431 written here must announce it (RFC 7541 §4.2). */
  let clientTableBytes: number | undefined
  let passBytes = PREFACE_BYTES
  let frameHead: Buffer | undefined
  let headBytes = 0
  /** The frame being read whole: a header block's, or SETTINGS. */
  let reading: { head: Buffer; payload: Buffer; filled: number } | undefined
  /** A header block's frames, held until END_HEADERS. */
  let held: Buffer[] = []
  let heldBytes = 0
  /** Decoding failed (nghttp2 will end the connection with COMPRESSION_ERROR): stop reading heads. */
  let blind = false

  const duplex = new Duplex({
    read() {
      socket.resume()
    },
    write(chunk: Buffer, _encoding, callback) {
      if (socket.write(chunk)) callback()
      else socket.once('drain', () => callback())
    },
    writev(chunks, callback) {
      socket.cork()
      let flowing = true
      for (const { chunk } of chunks) flowing = socket.write(chunk as Buffer)
      socket.uncork()
      if (flowing) callback()
      else socket.once('drain', () => callback())
    },
    final(callback) {
      socket.end()
      callback()
    },
    destroy(error, callback) {
      socket.destroy()
      callback(error)
    },
  })

  const push = (bytes: Buffer) => {
    if (!duplex.push(bytes)) socket.pause()
  }

  const onFrame = (head: Buffer, payload: Buffer) => {
    const type = head[3]!
    if (type === SETTINGS) {
      for (let at = 0; at + 6 <= payload.length; at += 6) if (payload.readUInt16BE(at) === SETTINGS_HEADER_TABLE_SIZE) clientTableBytes = payload.readUInt32BE(at + 2)
      push(head)
      push(payload)
      return
    }
    if (type === CONTINUATION && held.length === 0) {
      // No HEADERS before it: nghttp2 ends the connection (RFC 9113 §6.10); nothing to read.
      push(head)
      push(payload)
      return
    }
    held.push(head, payload)
    heldBytes += head.length + payload.length
    if ((head[4]! & END_HEADERS) === 0) {
      if (heldBytes > MAX_HELD_BYTES) release(false)
      return
    }
    judgeBlock()
  }

  /** A whole header block is held: decode it, then hand it on as it is or refused. */
  const judgeBlock = () => {
    const first = held[0]!
    const stream = first.readUInt32BE(5) & 0x7fffffff
    const fragments: Buffer[] = []
    for (let i = 1; i < held.length; i += 2) fragments.push(i === 1 ? fragmentOf(first, held[1]!) : held[i]!)
    let problem: string | undefined
    let listBytes = 0
    let isRequest = false
    try {
      decoder.decode(fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments), (field) => {
        listBytes += field.size
        problem ??= field.problem
        if (field.name === ':method') isRequest = true
      })
    } catch (error) {
      if (!(error instanceof HpackError)) throw error
      blind = true
      release(false)
      return
    }
    if (problem !== undefined) {
      options.onRefused?.({ stream, status: undefined, reason: `malformed request head: ${problem} (RFC 9113 §8.2.1)` })
      release(true)
    } else if (listBytes > options.maxHeaderListBytes) {
      const reason = `request head of ${listBytes} bytes, over the ${options.maxHeaderListBytes} accepted (RFC 9113 §6.5.2)`
      options.onRefused?.({ stream, status: isRequest ? 431 : undefined, reason })
      if (isRequest) socket.write(tooLarge(stream, clientTableBytes))
      release(true)
    } else {
      release(false)
    }
  }

  /** Hands the held frames on, the first with POISON in front of its block when `refuse`. */
  const release = (refuse: boolean) => {
    const frames = held
    held = []
    heldBytes = 0
    if (!refuse) {
      for (const frame of frames) push(frame)
      return
    }
    for (const frame of poisoned(frames[0]!, frames[1]!, options.maxFrameBytes)) push(frame)
    for (let i = 2; i < frames.length; i++) push(frames[i]!)
  }

  socket.on('data', (chunk: Buffer) => {
    let at = 0
    while (at < chunk.length) {
      if (passBytes > 0) {
        const n = Math.min(passBytes, chunk.length - at)
        push(at === 0 && n === chunk.length ? chunk : chunk.subarray(at, at + n))
        passBytes -= n
        at += n
        continue
      }
      if (reading !== undefined) {
        const n = Math.min(reading.payload.length - reading.filled, chunk.length - at)
        chunk.copy(reading.payload, reading.filled, at, at + n)
        reading.filled += n
        at += n
        if (reading.filled === reading.payload.length) {
          const { head, payload } = reading
          reading = undefined
          onFrame(head, payload)
        }
        continue
      }
      // A frame head (RFC 9113 §4.1), perhaps split across chunks.
      frameHead ??= Buffer.allocUnsafe(9)
      const n = Math.min(9 - headBytes, chunk.length - at)
      chunk.copy(frameHead, headBytes, at, at + n)
      headBytes += n
      at += n
      if (headBytes < 9) continue
      const head = frameHead
      frameHead = undefined
      headBytes = 0
      const length = head.readUIntBE(0, 3)
      const type = head[3]!
      const read = !blind && (type === HEADERS || type === CONTINUATION || (type === SETTINGS && (head[4]! & 1) === 0))
      if (read && held.length > 0 && type !== CONTINUATION) release(false)
      if (!read) {
        if (held.length > 0) release(false)
        push(head)
        passBytes = length
      } else if (length === 0) {
        onFrame(head, Buffer.alloc(0))
      } else {
        reading = { head, payload: Buffer.allocUnsafe(length), filled: 0 }
      }
    }
  })
  socket.on('end', () => duplex.push(null))
  socket.on('close', () => duplex.destroy())
  socket.on('error', (error) => duplex.destroy(error))
  return duplex
}

/** The header block fragment of a HEADERS frame: without its padding and priority fields (RFC 9113 §6.2). */
function fragmentOf(head: Buffer, payload: Buffer): Buffer {
  if (head[3] !== HEADERS) return payload
  const flags = head[4]!
  let start = 0
  let end = payload.length
  if (flags & PADDED) {
    start = 1
    end -= payload[0]!
  }
  if (flags & PRIORITY) start += 5
  return start >= end ? Buffer.alloc(0) : payload.subarray(start, end)
}

/** The HEADERS frame with POISON in front of its block: in place when it fits, else POISON alone and the block in a CONTINUATION. */
function poisoned(head: Buffer, payload: Buffer, maxFrameBytes: number): Buffer[] {
  const flags = head[4]!
  const prefix = (flags & PADDED ? 1 : 0) + (flags & PRIORITY ? 5 : 0)
  if (payload.length + POISON.length <= maxFrameBytes) {
    return [frameHeadOf(payload.length + POISON.length, HEADERS, flags, head), Buffer.concat([payload.subarray(0, prefix), POISON, payload.subarray(prefix)])]
  }
  // Too long to grow: HEADERS with POISON (and the priority fields, without padding), then the block as a CONTINUATION.
  const priority = flags & PRIORITY ? payload.subarray(flags & PADDED ? 1 : 0, prefix) : Buffer.alloc(0)
  const first = Buffer.concat([priority, POISON])
  const fragment = fragmentOf(head, payload)
  return [
    frameHeadOf(first.length, HEADERS, (flags & ~(END_HEADERS | PADDED)) & 0xff, head),
    first,
    frameHeadOf(fragment.length, CONTINUATION, flags & END_HEADERS, head),
    fragment,
  ]
}

function frameHeadOf(length: number, type: number, flags: number, like: Buffer): Buffer {
  const head = Buffer.allocUnsafe(9)
  head.writeUIntBE(length, 0, 3)
  head[3] = type
  head[4] = flags
  like.copy(head, 5, 5, 9)
  return head
}

/**
 * `:status: 431` with END_STREAM, encoded without touching either side's dynamic table (literal
 * fields without indexing, RFC 7541 §6.2.2); led by a size update when the client announced its
 * table size, which a first block after that change must carry (§4.2).
 */
function tooLarge(stream: number, clientTableBytes: number | undefined): Buffer {
  const parts: Buffer[] = []
  if (clientTableBytes !== undefined) parts.push(integer(Math.min(clientTableBytes, 4096), 5, 0x20))
  parts.push(Buffer.from([0x08, 0x03]), Buffer.from('431', 'latin1'))
  parts.push(literal('x-devproxy-error', 'request_header_fields_too_large'), Buffer.from([0x0f, 0x0d, 0x01]), Buffer.from('0', 'latin1'))
  const block = Buffer.concat(parts)
  const head = Buffer.alloc(9)
  head.writeUIntBE(block.length, 0, 3)
  head[3] = HEADERS
  head[4] = END_HEADERS | END_STREAM
  head.writeUInt32BE(stream, 5)
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
