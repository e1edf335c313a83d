import { Transform, type TransformCallback } from 'node:stream'

/**
 * The two things a fault can do to a response body on its way to the client: slow it down
 * (`throttle`) and cut it part way (`truncate`).
 */

/** Passes a body through at `bytesPerSecond`, in slices every 50 ms. */
export function createThrottle(bytesPerSecond: number): Transform {
  const sliceBytes = Math.max(1, Math.round(bytesPerSecond / 20))
  let timer: NodeJS.Timeout | undefined
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      let offset = 0
      const next = () => {
        if (offset >= chunk.length) {
          callback()
          return
        }
        this.push(chunk.subarray(offset, offset + sliceBytes))
        offset += sliceBytes
        timer = setTimeout(next, 50)
      }
      next()
    },
    destroy(error, callback) {
      clearTimeout(timer)
      callback(error)
    },
  })
}

/**
 * How much of a body to let through before a `--truncate` cut: half of a declared length,
 * else the first chunk.
 */
export function truncationPoint(contentLength: string | undefined): number | undefined {
  const length = Number(contentLength)
  return Number.isInteger(length) && length > 1 ? Math.floor(length / 2) : undefined
}
