import { decodeHuffman } from './hpack-huffman.js'

/**
 * An HPACK decoder (RFC 7541) that mirrors, field for field, what the HTTP/2 server's own
 * decoder (nghttp2, inside Node) makes of a connection's header blocks: h2-guard.ts reads each
 * request head with it before nghttp2 does, because nghttp2 as Node drives it drops a field it
 * finds malformed without a word (RFC 9113 §8.2.1 says such a request is malformed) and builds
 * heads of any size from a few bytes of indexes. Names and values are latin1 strings: one char
 * per octet, so every byte can be checked.
 *
 * Each field of the dynamic table is judged once, when it enters; a field taken from the table
 * again carries that judgement.
 */

export interface TableField {
  readonly name: string
  readonly value: string
  /** RFC 7541 §4.1: name and value octets plus 32. */
  readonly size: number
  /** What is wrong with the field (RFC 9113 §8.2.1), or undefined. */
  readonly problem: string | undefined
}

/** Called for each field of a block, in order. */
export type FieldVisitor = (field: TableField) => void

/** Judges a field when it is first decoded. */
export type FieldJudge = (name: string, value: string) => string | undefined

/** RFC 7541 Appendix A. */
const STATIC: ReadonlyArray<readonly [string, string]> = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'], [':scheme', 'http'],
  [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'], [':status', '304'], [':status', '400'],
  [':status', '404'], [':status', '500'], ['accept-charset', ''], ['accept-encoding', 'gzip, deflate'], ['accept-language', ''],
  ['accept-ranges', ''], ['accept', ''], ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''],
  ['cache-control', ''], ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''], ['etag', ''], ['expect', ''],
  ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''], ['if-none-match', ''], ['if-range', ''],
  ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''], ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''],
  ['proxy-authorization', ''], ['range', ''], ['referer', ''], ['refresh', ''], ['retry-after', ''], ['server', ''], ['set-cookie', ''],
  ['strict-transport-security', ''], ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''], ['www-authenticate', ''],
]
const STATIC_FIELDS: readonly TableField[] = STATIC.map(([name, value]) => ({ name, value, size: name.length + value.length + 32, problem: undefined }))

/** The largest integer a representation may carry: well past any size or index a peer can mean. */
const MAX_INTEGER = 2 ** 31 - 1

export class HpackError extends Error {}

export class HpackDecoder {
  /** Newest first (RFC 7541 §2.3.3: index 62 is the newest entry). */
  private readonly table: TableField[] = []
  private tableBytes = 0
  private maxTableBytes: number

  /** `settingsMaxBytes`: SETTINGS_HEADER_TABLE_SIZE as this side advertised it (the peer's size updates may not exceed it). */
  constructor(
    private readonly settingsMaxBytes: number,
    private readonly judge: FieldJudge,
  ) {
    this.maxTableBytes = settingsMaxBytes
  }

  /** Decodes one complete header block, calling `visit` for each field; throws HpackError when it cannot be decoded. */
  decode(block: Uint8Array, visit: FieldVisitor): void {
    let at = 0
    let fieldsSeen = false
    while (at < block.length) {
      const first = block[at]!
      if (first & 0x80) {
        // §6.1 indexed field.
        const [index, next] = readInteger(block, at, 7)
        at = next
        visit(this.field(index))
        fieldsSeen = true
      } else if ((first & 0xe0) === 0x20) {
        // §6.3 a size update, only before the block's first field (§4.2).
        if (fieldsSeen) throw new HpackError('a dynamic table size update after a field')
        const [size, next] = readInteger(block, at, 5)
        at = next
        if (size > this.settingsMaxBytes) throw new HpackError(`a dynamic table size update to ${size} over the ${this.settingsMaxBytes} allowed`)
        this.maxTableBytes = size
        this.evictTo(size)
      } else {
        // §6.2: with incremental indexing (01), without (0000) or never indexed (0001).
        const incremental = (first & 0x40) !== 0
        const [index, afterIndex] = readInteger(block, at, incremental ? 6 : 4)
        at = afterIndex
        let name: string
        if (index === 0) {
          const [text, next] = readString(block, at)
          name = text
          at = next
        } else {
          name = this.field(index).name
        }
        const [value, next] = readString(block, at)
        at = next
        const field: TableField = { name, value, size: name.length + value.length + 32, problem: this.judge(name, value) }
        if (incremental) this.insert(field)
        visit(field)
        fieldsSeen = true
      }
    }
  }

  private field(index: number): TableField {
    if (index === 0) throw new HpackError('index 0')
    if (index <= STATIC_FIELDS.length) return STATIC_FIELDS[index - 1]!
    const field = this.table[index - STATIC_FIELDS.length - 1]
    if (field === undefined) throw new HpackError(`index ${index} is past the table`)
    return field
  }

  /** §4.4: evict from the oldest end to make room; a field larger than the whole table empties it and is not kept. */
  private insert(field: TableField): void {
    this.evictTo(this.maxTableBytes - field.size)
    if (field.size > this.maxTableBytes) return
    this.table.unshift(field)
    this.tableBytes += field.size
  }

  private evictTo(bytes: number): void {
    while (this.tableBytes > Math.max(0, bytes) && this.table.length > 0) this.tableBytes -= this.table.pop()!.size
  }
}

/** §5.1: an integer with an N-bit prefix; returns it and the offset after it. */
function readInteger(block: Uint8Array, at: number, prefixBits: number): [number, number] {
  const max = (1 << prefixBits) - 1
  let value = block[at]! & max
  at++
  if (value < max) return [value, at]
  let shift = 0
  for (;;) {
    if (at >= block.length) throw new HpackError('an integer cut off at the end of the block')
    const byte = block[at++]!
    value += (byte & 0x7f) * 2 ** shift
    if (value > MAX_INTEGER) throw new HpackError('an integer too large')
    if ((byte & 0x80) === 0) return [value, at]
    shift += 7
  }
}

/** §5.2: a string literal, raw or Huffman-coded, as latin1; returns it and the offset after it. */
function readString(block: Uint8Array, at: number): [string, number] {
  if (at >= block.length) throw new HpackError('a string cut off at the end of the block')
  const huffman = (block[at]! & 0x80) !== 0
  const [length, start] = readInteger(block, at, 7)
  const end = start + length
  if (end > block.length) throw new HpackError('a string longer than the block')
  if (!huffman) return [latin1(block, start, end), end]
  const text = decodeHuffman(block, start, length)
  if (text === undefined) throw new HpackError('an invalid Huffman encoding')
  return [text, end]
}

function latin1(block: Uint8Array, start: number, end: number): string {
  return Buffer.prototype.latin1Slice.call(block, start, end) as string
}
