import zlib from 'node:zlib'
import type { CapturedBody } from '../proxy/index.js'
import { codingOf, zlibWrapped, type Coding } from '../proxy/index.js'
import type { RecordedBody } from './har-entry.js'

/**
 * A captured body as the recording keeps it: decoded (gzip, br, deflate undone), cut at
 * `--max-body`, with its real size. Decoding is synchronous so an entry can be written the
 * moment its transaction finishes (a `kill -9` right after loses nothing); only a body that
 * decodes to more than the cap needs the streaming decoder (`decodeRecordedBody`).
 */

/** `recordedBodyNow`'s answer for a body only `decodeRecordedBody` can record. */
export const DECODE_LATER = Symbol('decode later')

const PARTIAL = { finishFlush: zlib.constants.Z_SYNC_FLUSH }
const BROTLI_PARTIAL = { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }

/** `complete`: the whole body has passed, though its capture may not have seen the stream end yet. */
export function recordedBodyNow(body: CapturedBody | undefined, maxBytes: number, complete = false): RecordedBody | undefined | typeof DECODE_LATER {
  if (body === undefined) return undefined
  const encoding = codingToUndo(body)
  const truncated = complete ? body.bytes.length < body.totalBytes : body.truncated
  if (encoding === undefined) return plain(body, maxBytes, truncated)
  const decode = SYNC[encoding]
  const options = { ...(encoding === 'br' ? BROTLI_PARTIAL : PARTIAL), maxOutputLength: Math.max(1, maxBytes) }
  let bytes: Buffer
  try {
    bytes = decode(body.bytes, options)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return DECODE_LATER
    // Not what the header says: the bytes as they came, rather than nothing.
    if (encoding !== 'deflate') return plain(body, maxBytes, truncated)
    // `deflate` is zlib-wrapped by the RFC, raw in some servers.
    try {
      bytes = zlib.inflateRawSync(body.bytes, options)
    } catch (rawError) {
      return (rawError as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? DECODE_LATER : plain(body, maxBytes, truncated)
    }
  }
  if (bytes.length > maxBytes) return DECODE_LATER
  return { contentType: body.contentType, bytes, truncated, wireBytes: body.totalBytes, size: bytes.length }
}

/**
 * The streaming decode of a body larger than the cap once decoded: keeps the first `maxBytes`
 * and counts the rest, so `size` is the real decoded size (of what was captured).
 */
export function decodeRecordedBody(body: CapturedBody, maxBytes: number): Promise<RecordedBody> {
  // Only a body that decodes past the cap comes here: it is cut whatever else happened to it.
  const encoding = codingToUndo(body)!
  const decoder =
    encoding === 'br' ? zlib.createBrotliDecompress(BROTLI_PARTIAL)
    : encoding === 'gzip' ? zlib.createGunzip(PARTIAL)
    : zlibWrapped(body.bytes) ? zlib.createInflate(PARTIAL)
    : zlib.createInflateRaw(PARTIAL)
  return new Promise((resolve) => {
    const kept: Buffer[] = []
    let keptBytes = 0
    let size = 0
    decoder.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (keptBytes >= maxBytes) return
      const part = chunk.subarray(0, maxBytes - keptBytes)
      kept.push(part)
      keptBytes += part.length
    })
    const done = () => resolve({ contentType: body.contentType, bytes: Buffer.concat(kept, keptBytes), truncated: true, wireBytes: body.totalBytes, size })
    decoder.once('end', done)
    // It decoded past the cap before: an error after that is the end of what can be read.
    decoder.once('error', done)
    decoder.end(body.bytes)
  })
}

type SyncDecode = (bytes: Buffer, options: zlib.ZlibOptions & zlib.BrotliOptions) => Buffer

const SYNC: Readonly<Record<Coding, SyncDecode>> = {
  gzip: zlib.gunzipSync,
  br: zlib.brotliDecompressSync,
  deflate: zlib.inflateSync,
}

/** The coding to undo; undefined for none, or one devproxy cannot undo (the bytes are kept as sent). */
function codingToUndo(body: CapturedBody): Coding | undefined {
  if (body.totalBytes === 0 || body.bytes.length === 0) return undefined
  const coding = codingOf(body.contentEncoding)
  return coding.kind === 'known' ? coding.coding : undefined
}

/** The bytes as they came (nothing to decode): a streamed body's chunk times still say where each chunk is. */
function plain(body: CapturedBody, maxBytes: number, truncated: boolean): RecordedBody {
  const cut = body.bytes.length > maxBytes
  const bytes = cut ? body.bytes.subarray(0, maxBytes) : body.bytes
  return { contentType: body.contentType, bytes, truncated: truncated || cut, wireBytes: body.totalBytes, size: body.totalBytes, timeline: body.timeline === undefined ? undefined : timelineOf(body.timeline, bytes.length) }
}

/** The chunk times of the first `length` bytes: a body cut at --max-body keeps those of what was kept. */
function timelineOf(timeline: ReadonlyArray<readonly [number, number]>, length: number): Array<[number, number]> {
  const out: Array<[number, number]> = []
  let at = 0
  for (const [ms, bytes] of timeline) {
    if (at >= length) break
    const part = Math.min(bytes, length - at)
    out.push([ms, part])
    at += part
  }
  return out
}
