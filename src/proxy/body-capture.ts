import type { Readable } from 'node:stream'

/**
 * A copy of the first `maxBytes` of a body for the log's diffs and the recorder, taken by
 * listening to the stream as it passes: the stream is never paused, slowed or buffered for it.
 */
export interface CapturedBody {
  readonly contentType: string | undefined
  /** `content-encoding` as sent (gzip, br, deflate): the bytes are still encoded. */
  readonly contentEncoding: string | undefined
  /** The first bytes of the body, up to the cap. */
  readonly bytes: Buffer
  /** The whole body's size as it passed, in bytes. */
  totalBytes: number
  /** True when the body was larger than the cap (or did not finish). */
  readonly truncated: boolean
}

export function captureBody(stream: Readable, headers: { 'content-type'?: string | undefined; 'content-encoding'?: string | string[] | undefined }, maxBytes: number): CapturedBody {
  const chunks: Buffer[] = []
  let kept = 0
  let cut = false
  // A flag, not `stream.readableEnded`: a getter that holds the stream keeps the whole
  // response (socket, parser state, request) reachable from the transaction, and young-
  // generation GC per request went from ~3 to ~14 µs (bench/RESULTS.md).
  let ended = false
  const body = {
    contentType: headers['content-type'],
    contentEncoding: Array.isArray(headers['content-encoding']) ? headers['content-encoding'].join(', ') : headers['content-encoding'],
    get bytes() {
      return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, kept)
    },
    totalBytes: 0,
    /** Over the cap, or the stream has not ended (it broke, or is still going). */
    get truncated() {
      return cut || !ended
    },
  }
  stream.once('end', () => (ended = true))
  stream.on('data', (chunk: Buffer) => {
    body.totalBytes += chunk.length
    if (kept >= maxBytes) {
      cut = true
      return
    }
    const part = kept + chunk.length > maxBytes ? chunk.subarray(0, maxBytes - kept) : chunk
    if (part.length < chunk.length) cut = true
    // A copy: the original chunk may be pooled memory reused by the stream.
    chunks.push(Buffer.from(part))
    kept += part.length
  })
  return body
}
