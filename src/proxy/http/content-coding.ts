import { Transform, type TransformCallback } from 'node:stream'
import zlib from 'node:zlib'

/**
 * Content codings (RFC 9110 §8.4.1) devproxy can undo: for the log's diffs, the recording, and
 * route code that reads or transforms a body. Node 20 has no zstd decoder.
 */
export type Coding = 'gzip' | 'br' | 'deflate'

/** What a Content-Encoding field says to undo: nothing, a coding devproxy knows, or one it does not. */
export type CodingOf = { readonly kind: 'identity' } | { readonly kind: 'known'; readonly coding: Coding } | { readonly kind: 'unknown'; readonly coding: string }

const IDENTITY: CodingOf = { kind: 'identity' }

export function codingOf(contentEncoding: string | string[] | undefined): CodingOf {
  const field = (Array.isArray(contentEncoding) ? contentEncoding.join(',') : contentEncoding)?.trim().toLowerCase()
  if (field === undefined || field === '' || field === 'identity') return IDENTITY
  if (field === 'gzip' || field === 'x-gzip') return { kind: 'known', coding: 'gzip' }
  if (field === 'br' || field === 'deflate') return { kind: 'known', coding: field }
  // Several codings (`gzip, br`) or one Node cannot undo (`zstd`, `compress`).
  return { kind: 'unknown', coding: field }
}

/** A zlib header (RFC 1950 §2.2: method 8, check bits): `deflate` as the RFC means it, not raw. */
export function zlibWrapped(bytes: Buffer): boolean {
  return bytes.length >= 2 && (bytes[0]! & 0x0f) === 8 && ((bytes[0]! << 8) | bytes[1]!) % 31 === 0
}

/** The whole body decoded; `maxBytes` bounds the output (a larger one throws ERR_BUFFER_TOO_LARGE). */
export function decodeWhole(coding: Coding, bytes: Buffer, maxBytes: number): Buffer {
  if (bytes.length === 0) return bytes
  const options = { maxOutputLength: Math.max(1, maxBytes) }
  if (coding === 'gzip') return zlib.gunzipSync(bytes, options)
  if (coding === 'br') return zlib.brotliDecompressSync(bytes, options)
  // `deflate` is zlib-wrapped by the RFC, raw in some servers.
  return zlibWrapped(bytes) ? zlib.inflateSync(bytes, options) : zlib.inflateRawSync(bytes, options)
}

/** A stream that decodes a body as it passes (for `deflate`, wrapped or raw as its first bytes say). */
export function createDecoder(coding: Coding): Transform {
  if (coding === 'gzip') return zlib.createGunzip()
  if (coding === 'br') return zlib.createBrotliDecompress()
  return new DeflateDecoder()
}

/** Picks zlib's inflate or raw inflate from the first two bytes, then passes everything through it. */
class DeflateDecoder extends Transform {
  #inner: Transform | undefined
  #head: Buffer | undefined

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.#inner !== undefined) return void this.#write(chunk, done)
    const head = this.#head === undefined ? chunk : Buffer.concat([this.#head, chunk])
    if (head.length < 2) {
      this.#head = head
      return done()
    }
    this.#head = undefined
    this.#start(head)
    this.#write(head, done)
  }

  override _flush(done: TransformCallback): void {
    if (this.#inner === undefined) {
      if (this.#head === undefined) return done()
      this.#start(this.#head)
      this.#inner!.write(this.#head)
    }
    this.#inner!.once('end', () => done()).end()
  }

  #start(head: Buffer): void {
    const inner = zlibWrapped(head) ? zlib.createInflate() : zlib.createInflateRaw()
    inner.on('data', (data: Buffer) => this.push(data))
    inner.once('error', (error) => this.destroy(error))
    this.#inner = inner
  }

  #write(chunk: Buffer, done: TransformCallback): void {
    if (this.#inner!.write(chunk)) done()
    else this.#inner!.once('drain', () => done())
  }
}

/**
 * `transform` fed with the body decoded: one Transform for the wire bytes whose output is
 * `transform`'s. Errors of either side destroy it with that error.
 */
export function decodeBefore(coding: Coding, transform: Transform): Transform {
  const decoder = createDecoder(coding)
  return new Transform({
    construct(done) {
      decoder.pipe(transform)
      transform.on('data', (data: Buffer) => this.push(data))
      decoder.once('error', (error) => this.destroy(error))
      transform.once('error', (error) => this.destroy(error))
      done()
    },
    transform(chunk: Buffer, _encoding, done) {
      if (decoder.write(chunk)) done()
      else decoder.once('drain', () => done())
    },
    flush(done) {
      transform.once('end', () => done())
      decoder.end()
    },
    destroy(error, done) {
      decoder.destroy()
      transform.destroy()
      done(error)
    },
  })
}
