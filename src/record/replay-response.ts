import { STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import type { Entry } from 'har-format'
import type { ReplayMatch } from './replay-match.js'

/**
 * Answers built from a recording, shaped like an upstream response so the rest of the
 * pipeline (faults, retries, log, recorder) treats them as it treats a live one.
 */

/** Recorded headers that described the recorded connection or encoding, not the answer. */
const DROP = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive', 'via', 'date'])

export function recordedResponse(entry: Entry): IncomingMessage {
  const { content } = entry.response
  const body = content.text === undefined ? Buffer.alloc(0) : Buffer.from(content.text, content.encoding === 'base64' ? 'base64' : 'utf8')
  const headers: IncomingHttpHeaders = {}
  for (const { name, value } of entry.response.headers) {
    const key = name.toLowerCase()
    if (DROP.has(key) || value === '[REDACTED]') continue
    if (key === 'set-cookie') headers['set-cookie'] = [...(headers['set-cookie'] ?? []), value]
    else headers[key] = value
  }
  headers['content-length'] = String(body.length)
  headers['x-devproxy-replay'] = 'hit'
  return simulated(entry.response.status, headers, body)
}

export function missResponse(match: Extract<ReplayMatch, { kind: 'miss' }>, method: string, url: string): IncomingMessage {
  const nearest = match.nearest
  const body = Buffer.from(
    `${JSON.stringify({
      error: {
        type: 'replay_miss',
        message: `no recorded response for ${method} ${url}`,
        nearest: nearest ? `${nearest.method} ${nearest.url}` : null,
        differences: nearest?.differences ?? [],
        hint: nearest ? 'The nearest recorded request differs as listed; record this request too, or pass --fallthrough to send misses to the live service.' : 'The recording is empty.',
      },
    })}\n`,
  )
  const headers: IncomingHttpHeaders = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length), 'x-devproxy-replay': 'miss', 'cache-control': 'no-store' }
  return simulated(404, headers, body)
}

function simulated(status: number, headers: IncomingHttpHeaders, body: Buffer): IncomingMessage {
  const stream = Readable.from(body.length > 0 ? [body] : [], { objectMode: false })
  return Object.assign(stream, { statusCode: status, statusMessage: STATUS_CODES[status] ?? '', headers }) as unknown as IncomingMessage
}
