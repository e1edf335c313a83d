import { Transform, type TransformCallback } from 'node:stream'

export class BodyTooLargeError extends Error {
  readonly code = 'ERR_BODY_TOO_LARGE'
  constructor(readonly maxBytes: number) {
    super(`request body is larger than ${maxBytes} bytes`)
  }
}

/**
 * Passes a body of unknown length through, failing once it exceeds `maxBytes`. Used only for
 * chunked bodies; a declared Content-Length over the cap is refused before any upstream call.
 */
export function createBodyLimiter(maxBytes: number, onBytes: (total: number) => void): Transform {
  let total = 0
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      total += chunk.length
      onBytes(total)
      if (total > maxBytes) callback(new BodyTooLargeError(maxBytes))
      else callback(null, chunk)
    },
  })
}
