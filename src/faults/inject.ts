import { STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import { Readable, Transform, type TransformCallback } from 'node:stream'
import type { FaultAction, Injection } from './types.js'

/**
 * The pieces a fault is made of on the wire: a simulated upstream response, a slow body, a
 * cut body. The attempt loop uses them in place of the real thing, so everything after them
 * (retry decision, error mapping, log) runs exactly as it does for a real failure.
 */

/** How an injection appears in `x-devproxy-fault` and the log: `5xx 503`, `latency 300ms`. */
export function describeInjection(injection: Injection): string {
  const action: FaultAction = injection.action
  switch (action.kind) {
    case 'respond':
      return injection.label === 'status' ? String(action.status) : `${injection.label} ${action.status}`
    case 'delay':
      return `latency ${action.ms}ms`
    case 'throttle':
      return `throttle ${Math.round(action.bytesPerSecond / 1024)}KB/s`
    default:
      return injection.label
  }
}

/** A response from a simulated upstream: what `--5xx` and `--status` answer with. */
export function simulatedResponse(status: number, retryAfterS: number | undefined, label: string, faultId: string): IncomingMessage {
  const body = `${JSON.stringify({ error: { type: 'injected_fault', message: `devproxy injected a ${status} (fault ${faultId}: ${label})`, fault: faultId } })}\n`
  const headers: IncomingHttpHeaders = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
  }
  if (retryAfterS !== undefined) headers['retry-after'] = String(retryAfterS)
  const stream = Readable.from([Buffer.from(body)], { objectMode: false })
  return Object.assign(stream, { statusCode: status, statusMessage: STATUS_CODES[status] ?? '', headers }) as unknown as IncomingMessage
}

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
