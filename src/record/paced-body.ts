import { Readable } from 'node:stream'

/**
 * `devproxy replay --pace recorded`: a streamed body (server-sent events, a long poll) sent as
 * it was recorded, each chunk at its time (`_devproxy.chunks`: `[ms after the response headers,
 * bytes]`), rather than all at once. Each chunk waits its recorded gap after the one before
 * went out (the first, its time after the body is made, just before the replayed headers go
 * out): a late timer or a slow reader delays what follows rather than bunching it up, so the
 * spacing a page sees is never tighter than recorded.
 */
export function pacedBody(body: Buffer, timeline: ReadonlyArray<readonly [number, number]>): Readable {
  let index = 0
  let offset = 0
  let previousMs = 0
  let previousAt = performance.now()
  let timer: NodeJS.Timeout | undefined
  return new Readable({
    read() {
      if (timer !== undefined) return
      if (index >= timeline.length) {
        // Bytes the timeline does not cover (chunks past its bound) follow the last at once.
        if (offset < body.length) this.push(body.subarray(offset))
        offset = body.length
        this.push(null)
        return
      }
      const [ms, bytes] = timeline[index++]!
      timer = setTimeout(() => {
        timer = undefined
        const chunk = body.subarray(offset, offset + bytes)
        offset += chunk.length
        previousMs = ms
        previousAt = performance.now()
        this.push(chunk)
      }, Math.max(0, previousAt + (ms - previousMs) - performance.now()))
    },
    destroy(error, callback) {
      clearTimeout(timer)
      callback(error)
    },
  })
}

/** The recorded chunk times of an entry, when they can pace its body (they add up to it). */
export function recordedTimeline(entry: unknown, bodyBytes: number): ReadonlyArray<readonly [number, number]> | undefined {
  const chunks = (entry as { _devproxy?: { chunks?: unknown } })._devproxy?.chunks
  if (!Array.isArray(chunks) || chunks.length === 0) return undefined
  let total = 0
  let last = 0
  for (const chunk of chunks) {
    if (!Array.isArray(chunk) || chunk.length !== 2) return undefined
    const [ms, bytes] = chunk as unknown[]
    if (typeof ms !== 'number' || typeof bytes !== 'number' || !(ms >= last) || !(bytes >= 0)) return undefined
    last = ms
    total += bytes
  }
  return total === bodyBytes ? (chunks as Array<[number, number]>) : undefined
}
