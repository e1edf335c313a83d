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
  /**
   * When each kept chunk came, for a streamed body (one sent without a length: server-sent
   * events, a long poll): `[ms after the response headers, bytes]`, at most MAX_TIMED_CHUNKS;
   * undefined for a body with a length of its own. `devproxy replay --pace recorded` replays by it.
   */
  readonly timeline?: ReadonlyArray<readonly [ms: number, bytes: number]> | undefined
}

/** A streamed body keeps the times of its first this many chunks; the ones after are not timed (they follow the last at once). */
export const MAX_TIMED_CHUNKS = 4096

type CaptureHeaders = { 'content-type'?: string | undefined; 'content-encoding'?: string | string[] | undefined }

/**
 * A capture fed chunk by chunk: by the response pump itself (no second 'data' listener on the
 * hot path), or by `captureBody`'s listeners. It holds no reference to the stream: a
 * transaction that kept the upstream response reachable made young-generation GC per request
 * go from ~3 to ~14 µs while recording (bench/RESULTS.md).
 */
export class BodyCapture implements CapturedBody {
  readonly contentType: string | undefined
  readonly contentEncoding: string | undefined
  totalBytes = 0
  private readonly chunks: Buffer[] = []
  private kept = 0
  private cut = false
  private ended = false
  readonly timeline: Array<[number, number]> | undefined
  private readonly startMs: number

  /** `timed`: note when each chunk comes (a streamed body); the clock starts now. */
  constructor(headers: CaptureHeaders, private readonly maxBytes: number, timed = false) {
    this.contentType = headers['content-type']
    const encoding = headers['content-encoding']
    this.contentEncoding = Array.isArray(encoding) ? encoding.join(', ') : encoding
    this.timeline = timed ? [] : undefined
    this.startMs = timed ? performance.now() : 0
  }

  get bytes(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.kept)
  }

  /** Over the cap, or the stream has not ended (it broke, or is still going). */
  get truncated(): boolean {
    return this.cut || !this.ended
  }

  add(chunk: Buffer): void {
    this.totalBytes += chunk.length
    if (this.kept >= this.maxBytes) {
      this.cut = true
      return
    }
    const part = this.kept + chunk.length > this.maxBytes ? chunk.subarray(0, this.maxBytes - this.kept) : chunk
    if (part.length < chunk.length) this.cut = true
    // A copy: the original chunk may be pooled memory reused by the stream.
    this.chunks.push(Buffer.from(part))
    this.kept += part.length
    const timeline = this.timeline
    if (timeline === undefined) return
    if (timeline.length < MAX_TIMED_CHUNKS) timeline.push([Math.round(performance.now() - this.startMs), part.length])
    else timeline[timeline.length - 1]![1] += part.length
  }

  end(): void {
    this.ended = true
  }
}

/** A capture of `stream` taken by listening to it as it passes (`timed`: see BodyCapture). */
export function captureBody(stream: Readable, headers: CaptureHeaders, maxBytes: number, timed = false): CapturedBody {
  const capture = new BodyCapture(headers, maxBytes, timed)
  stream.once('end', () => capture.end())
  stream.on('data', (chunk: Buffer) => capture.add(chunk))
  return capture
}
