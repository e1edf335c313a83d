import { h2FieldProblem } from './h2-field-rules.js'
import { HpackDecoder, HpackError } from './hpack-decoder.js'

/**
 * The bytes a client sends on an HTTP/2 connection, read frame by frame on their way to Node's
 * HTTP/2 server (h2-guard.ts wires it): every header block is decoded with a table that mirrors
 * the server's, and a request head that is malformed (RFC 9113 §8.2.1) or over the head limit
 * (§6.5.2) is handed on with one field put in front of it — a name in upper case, which the
 * server refuses with RST_STREAM PROTOCOL_ERROR while still decoding the rest of the block, so
 * both tables stay in step (RFC 7541 §2.2). Everything else is handed on as it came: in the
 * usual case, the very chunk that arrived (a frame that fits in it is read where it lies).
 *
 * Pure: chunks in, chunks out through `deliver`, refusals through `refused`.
 */

export interface ScannerOptions {
  /** The largest head accepted, counted as RFC 9113 §6.5.2 does (name + value + 32 per field). */
  readonly maxHeaderListBytes: number
  /** SETTINGS_HEADER_TABLE_SIZE the server advertises. */
  readonly headerTableBytes: number
  /** SETTINGS_MAX_FRAME_SIZE the server advertises. */
  readonly maxFrameBytes: number
}

export interface HeadRefusal {
  readonly stream: number
  /** 431 for a request head over the limit (answered by the caller); undefined for a malformed one. */
  readonly status: 431 | undefined
  readonly reason: string
  /** The client's SETTINGS_HEADER_TABLE_SIZE, if it sent one: a header block written to it must announce it first (RFC 7541 §4.2). */
  readonly clientTableBytes: number | undefined
}

const HEADERS = 0x1
const SETTINGS = 0x4
const CONTINUATION = 0x9
const END_HEADERS = 0x4
const PADDED = 0x8
const PRIORITY = 0x20
const ACK = 0x1
const SETTINGS_HEADER_TABLE_SIZE = 0x1
const FRAME_HEAD_BYTES = 9

/** "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" (RFC 9113 §3.4). */
const PREFACE_BYTES = 24
/** A header block held longer than this is handed on unread: nghttp2 ends such a connection itself (its CONTINUATION limit). */
const MAX_HELD_BYTES = 256 * 1024

/** A literal field without indexing, new name "X" (RFC 7541 §6.2.2): refused by nghttp2 for its upper case. */
const POISON = Buffer.from([0x00, 0x01, 0x58, 0x00])

export class H2HeadScanner {
  private readonly decoder: HpackDecoder
  private clientTableBytes: number | undefined
  private prefaceLeft = PREFACE_BYTES
  /** Payload bytes of a frame passed through unread, still to come. */
  private skip = 0
  /** A frame head split across chunks. */
  private readonly head = Buffer.alloc(FRAME_HEAD_BYTES)
  private headFilled = 0
  /** A frame read whole across chunks (a header block's, or SETTINGS): its head and payload so far. */
  private reading: { readonly head: Buffer; readonly payload: Buffer; filled: number } | undefined
  /** The frames of a header block that has not ended (END_HEADERS) yet. */
  private held: Buffer[] = []
  private heldBytes = 0
  /** Decoding failed (nghttp2 ends the connection with COMPRESSION_ERROR): heads are no longer read. */
  private blind = false

  constructor(
    private readonly options: ScannerOptions,
    private readonly deliver: (bytes: Buffer) => void,
    private readonly refused: (refusal: HeadRefusal) => void,
  ) {
    this.decoder = new HpackDecoder(options.headerTableBytes, h2FieldProblem)
  }

  scan(chunk: Buffer): void {
    const length = chunk.length
    let at = 0
    /** Where the bytes not yet delivered start: [passFrom, at) go on as they are. */
    let passFrom = 0
    const flush = (to: number) => {
      if (to > passFrom) this.deliver(passFrom === 0 && to === length ? chunk : chunk.subarray(passFrom, to))
      passFrom = to
    }
    while (at < length) {
      if (this.prefaceLeft > 0 || this.skip > 0) {
        const n = Math.min(this.prefaceLeft > 0 ? this.prefaceLeft : this.skip, length - at)
        if (this.prefaceLeft > 0) this.prefaceLeft -= n
        else this.skip -= n
        at += n
        continue
      }
      if (this.reading !== undefined) {
        // A frame being read whole across chunks: its bytes are copied, not passed.
        const reading = this.reading
        const n = Math.min(reading.payload.length - reading.filled, length - at)
        chunk.copy(reading.payload, reading.filled, at, at + n)
        reading.filled += n
        at += n
        passFrom = at
        if (reading.filled === reading.payload.length) {
          this.reading = undefined
          this.onWholeFrame(reading.head, reading.payload)
        }
        continue
      }
      if (this.headFilled > 0 || length - at < FRAME_HEAD_BYTES) {
        // A frame head split across chunks.
        flush(at)
        const n = Math.min(FRAME_HEAD_BYTES - this.headFilled, length - at)
        chunk.copy(this.head, this.headFilled, at, at + n)
        this.headFilled += n
        at += n
        passFrom = at
        if (this.headFilled < FRAME_HEAD_BYTES) continue
        this.headFilled = 0
        this.onFrameHead(Buffer.from(this.head))
        continue
      }
      const frameLength = chunk.readUIntBE(at, 3)
      const type = chunk[at + 3]!
      if (!this.reads(type, chunk[at + 4]!)) {
        if (this.held.length > 0) {
          flush(at)
          this.release(false)
        }
        at += FRAME_HEAD_BYTES
        this.skip = frameLength
        continue
      }
      const end = at + FRAME_HEAD_BYTES + frameLength
      if (end <= length && this.held.length === 0 && type !== CONTINUATION) {
        // The usual case: the whole frame is in this chunk. Read it where it lies.
        const head = chunk.subarray(at, at + FRAME_HEAD_BYTES)
        const payload = chunk.subarray(at + FRAME_HEAD_BYTES, end)
        if (type === SETTINGS) {
          this.readSettings(payload)
          at = end
          continue
        }
        if ((head[4]! & END_HEADERS) !== 0) {
          const refusal = this.judge(head, [fragmentOf(head, payload)])
          if (refusal !== undefined) {
            flush(at)
            this.refused(refusal)
            for (const frame of poisoned(head, payload, this.options.maxFrameBytes)) this.deliver(frame)
            passFrom = end
          }
          at = end
          continue
        }
      }
      // A frame to hold: a header block that goes on in CONTINUATION frames, or one split across chunks.
      flush(at)
      const head = Buffer.from(chunk.subarray(at, at + FRAME_HEAD_BYTES))
      at += FRAME_HEAD_BYTES
      passFrom = at
      const reading = this.onFrameHead(head)
      if (reading === undefined) continue
      const n = Math.min(frameLength, length - at)
      chunk.copy(reading.payload, 0, at, at + n)
      reading.filled = n
      at += n
      passFrom = at
      if (n === frameLength) {
        this.reading = undefined
        this.onWholeFrame(reading.head, reading.payload)
      }
    }
    flush(length)
  }

  /** Frames read whole: HEADERS, CONTINUATION and SETTINGS (not its acknowledgement), unless blind. */
  private reads(type: number, flags: number): boolean {
    return !this.blind && (type === HEADERS || type === CONTINUATION || (type === SETTINGS && (flags & ACK) === 0))
  }

  /** A frame head read apart from its payload (it was split, or the frame is to be held); the frame to read whole, if any. */
  private onFrameHead(head: Buffer): { readonly head: Buffer; readonly payload: Buffer; filled: number } | undefined {
    const frameLength = head.readUIntBE(0, 3)
    const type = head[3]!
    if (!this.reads(type, head[4]!)) {
      if (this.held.length > 0) this.release(false)
      this.deliver(head)
      this.skip = frameLength
      return undefined
    }
    if (frameLength === 0) {
      this.onWholeFrame(head, Buffer.alloc(0))
      return undefined
    }
    this.reading = { head, payload: Buffer.allocUnsafe(frameLength), filled: 0 }
    return this.reading
  }

  private onWholeFrame(head: Buffer, payload: Buffer): void {
    const type = head[3]!
    if (type === SETTINGS) {
      this.readSettings(payload)
      this.deliver(head)
      this.deliver(payload)
      return
    }
    if (type === CONTINUATION && this.held.length === 0) {
      // No HEADERS before it: nghttp2 ends the connection (RFC 9113 §6.10); nothing to read.
      this.deliver(head)
      this.deliver(payload)
      return
    }
    if (type === HEADERS && this.held.length > 0) this.release(false)
    this.held.push(head, payload)
    this.heldBytes += head.length + payload.length
    if ((head[4]! & END_HEADERS) === 0) {
      if (this.heldBytes > MAX_HELD_BYTES) this.release(false)
      return
    }
    const first = this.held[0]!
    const fragments: Buffer[] = []
    for (let i = 1; i < this.held.length; i += 2) fragments.push(i === 1 ? fragmentOf(first, this.held[1]!) : this.held[i]!)
    const refusal = this.judge(first, fragments)
    if (refusal !== undefined) this.refused(refusal)
    this.release(refusal !== undefined)
  }

  private readSettings(payload: Buffer): void {
    for (let at = 0; at + 6 <= payload.length; at += 6) if (payload.readUInt16BE(at) === SETTINGS_HEADER_TABLE_SIZE) this.clientTableBytes = payload.readUInt32BE(at + 2)
  }

  /** Decodes a whole block; a refusal when it is malformed or too large. */
  private judge(head: Buffer, fragments: readonly Buffer[]): HeadRefusal | undefined {
    let problem: string | undefined
    let listBytes = 0
    let isRequest = false
    try {
      this.decoder.decode(fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments), (field) => {
        listBytes += field.size
        problem ??= field.problem
        if (field.name === ':method') isRequest = true
      })
    } catch (error) {
      if (!(error instanceof HpackError)) throw error
      this.blind = true
      return undefined
    }
    const stream = head.readUInt32BE(5) & 0x7fffffff
    if (problem !== undefined) return { stream, status: undefined, reason: `malformed request head: ${problem} (RFC 9113 §8.2.1)`, clientTableBytes: this.clientTableBytes }
    if (listBytes > this.options.maxHeaderListBytes) {
      const reason = `request head of ${listBytes} bytes, over the ${this.options.maxHeaderListBytes} accepted (RFC 9113 §6.5.2)`
      return { stream, status: isRequest ? 431 : undefined, reason, clientTableBytes: this.clientTableBytes }
    }
    return undefined
  }

  /** Hands the held frames on, the first with POISON in front of its block when `refuse`. */
  private release(refuse: boolean): void {
    const frames = this.held
    this.held = []
    this.heldBytes = 0
    if (!refuse) {
      for (const frame of frames) this.deliver(frame)
      return
    }
    for (const frame of poisoned(frames[0]!, frames[1]!, this.options.maxFrameBytes)) this.deliver(frame)
    for (let i = 2; i < frames.length; i++) this.deliver(frames[i]!)
  }
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
  const head = Buffer.allocUnsafe(FRAME_HEAD_BYTES)
  head.writeUIntBE(length, 0, 3)
  head[3] = type
  head[4] = flags
  like.copy(head, 5, 5, 9)
  return head
}
