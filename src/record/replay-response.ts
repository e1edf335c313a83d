import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { syntheticResponse } from '../proxy/index.js'
import type { Entry } from 'har-format'
import { pacedBody, recordedTimeline } from './paced-body.js'
import type { ReplayMatch } from './replay-match.js'

/**
 * Answers built from a recording, shaped like an upstream response so the rest of the
 * pipeline (faults, retries, log, recorder) treats them as it treats a live one.
 */

/** Recorded headers that described the recorded connection or encoding, not the answer. */
const DROP = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive', 'via', 'date'])

/** `paced`: a streamed body goes out at its recorded times (`--pace recorded`), without a length, as it came. */
export function recordedResponse(entry: Entry, paced = false): IncomingMessage {
  const body = recordedBody(entry)
  const timeline = paced ? recordedTimeline(entry, body.length) : undefined
  const headers: IncomingHttpHeaders = {}
  let recordedLength: string | undefined
  for (const { name, value } of entry.response.headers) {
    const key = name.toLowerCase()
    if (key === 'content-length') recordedLength = value
    if (DROP.has(key) || value === '[REDACTED]') continue
    if (key === 'set-cookie') headers['set-cookie'] = [...(headers['set-cookie'] ?? []), value]
    else headers[key] = value
  }
  // A HEAD or 304 answer has no body but tells the length of the one a GET would get (RFC 9110 §8.6).
  const bodiless = entry.request.method.toUpperCase() === 'HEAD' || entry.response.status === 304
  if (!bodiless && timeline === undefined) headers['content-length'] = String(body.length)
  else if (bodiless && recordedLength !== undefined) headers['content-length'] = recordedLength
  headers['x-devproxy-replay'] = 'hit'
  return syntheticResponse(entry.response.status, headers, timeline === undefined || bodiless ? body : pacedBody(body, timeline))
}

/** The recorded response body, decoded (HAR `content.text`, base64 when `encoding` says so). */
export function recordedBody(entry: Entry): Buffer {
  const { content } = entry.response
  return content?.text === undefined ? Buffer.alloc(0) : Buffer.from(content.text, content.encoding === 'base64' ? 'base64' : 'utf8')
}

export function missResponse(match: Extract<ReplayMatch, { kind: 'miss' }>, method: string, url: string): IncomingMessage {
  const nearest = match.nearest
  const body = Buffer.from(
    `${JSON.stringify({
      error: {
        type: 'replay_miss',
        message: match.reason?.message ?? `no recorded response for ${method} ${url}`,
        nearest: nearest ? `${nearest.method} ${nearest.url}` : null,
        differences: nearest?.differences ?? [],
        hint:
          match.reason?.hint ??
          (nearest ? 'The nearest recorded request differs as listed; record this request too, or pass --fallthrough to send misses to the live service.' : 'The recording is empty.'),
      },
    })}\n`,
  )
  const headers: IncomingHttpHeaders = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length), 'x-devproxy-replay': 'miss', 'cache-control': 'no-store' }
  return syntheticResponse(404, headers, body)
}
