import type { IncomingMessage } from 'node:http'
import { PassThrough, type Readable } from 'node:stream'
import { createBodyLimiter } from './body-limit.js'
import { bodyLengthUnknown, hasBody } from '../http/protocol.js'
import type { Transaction } from '../transaction/transaction.js'
import type { RequestBody } from '../upstream/send-request.js'

export type { RequestBody }

export type BodyFailure = 'too-large' | 'aborted' | 'stalled'

export interface BodyLimits {
  /** Over this: 413 (a declared Content-Length over it never gets here). */
  readonly maxRequestBodyBytes: number
  /** Buffer up to this many bytes for replay; undefined: do not buffer at all. */
  readonly replayBytes: number | undefined
  /** While buffering, a client that sends nothing for this long: 'stalled' (a 408). */
  readonly uploadIdleMs: number
}

export function readRequestBody(req: IncomingMessage, tx: Transaction, limits: BodyLimits): Promise<RequestBody | BodyFailure> {
  if (!hasBody(req)) return Promise.resolve({ kind: 'empty' })
  const declared = bodyLengthUnknown(req) ? undefined : Number(req.headers['content-length'])
  if (limits.replayBytes === undefined || (declared !== undefined && declared > limits.replayBytes)) {
    return Promise.resolve(streamOnce(req, tx, limits.maxRequestBodyBytes, [], 0))
  }
  const cap = limits.replayBytes
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let total = 0
    const idle = setTimeout(() => done('stalled'), limits.uploadIdleMs)
    const done = (result: RequestBody | BodyFailure) => {
      clearTimeout(idle)
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('close', onClose)
      resolve(result)
    }
    const onData = (chunk: Buffer) => {
      idle.refresh()
      chunks.push(chunk)
      total += chunk.length
      tx.requestBytes = total
      if (total > limits.maxRequestBodyBytes) {
        req.pause()
        done('too-large')
      } else if (total > cap) {
        // Too large to keep: send what was read, then the rest, once.
        req.pause()
        done(streamOnce(req, tx, limits.maxRequestBodyBytes, chunks, total))
      }
    }
    const onEnd = () => done({ kind: 'buffered', data: Buffer.concat(chunks, total) })
    const onClose = () => {
      if (!req.complete) done('aborted')
    }
    req.on('data', onData)
    req.once('end', onEnd)
    req.once('close', onClose)
  })
}

const NEVER = new Promise<void>(() => {})

/**
 * The body streamed through once: `head` (already read) first, then the rest of `req`. A body
 * of unknown length is counted against the 413 limit as it passes; the data may start flowing
 * before anyone listens, so going over is reported through a promise, not an event.
 */
function streamOnce(req: IncomingMessage, tx: Transaction, maxBytes: number, head: Buffer[], headBytes: number): RequestBody {
  if (!bodyLengthUnknown(req)) {
    tx.requestBytes = Number(req.headers['content-length'] ?? 0) || 0
    if (head.length === 0) return { kind: 'stream', source: req, overLimit: NEVER }
    const out = new PassThrough()
    for (const chunk of head) out.write(chunk)
    req.pipe(out)
    return { kind: 'stream', source: out, overLimit: NEVER }
  }
  const out = new PassThrough()
  for (const chunk of head) out.write(chunk)
  const limiter = createBodyLimiter(maxBytes - headBytes, (total) => (tx.requestBytes = headBytes + total))
  const overLimit = new Promise<void>((resolve) => {
    limiter.once('error', () => {
      req.unpipe(limiter)
      out.end()
      resolve()
    })
  })
  req.pipe(limiter).pipe(out)
  return { kind: 'stream', source: out, overLimit }
}
