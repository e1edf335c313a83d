import { STATUS_CODES, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'
import type { Content, Entry, Header, PostData, QueryString } from 'har-format'
import type { Transaction } from '../proxy/transaction.js'

/**
 * One finished transaction as a HAR 1.2 entry (http://www.softwareishard.com/blog/har-12-spec/),
 * with devproxy's own fields under `_devproxy`. Pure: bodies arrive already decoded.
 */

export const REDACTED = '[REDACTED]'
/** Headers whose values never reach a recording unless `--no-redact` is given. */
export const DEFAULT_REDACT = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'] as const

export interface RecordedBody {
  readonly contentType: string | undefined
  /** Decoded (gzip/br/deflate undone), up to the cap. */
  readonly bytes: Buffer
  /** True when the body was larger than the cap: `bytes` is its beginning. */
  readonly truncated: boolean
  /** Size on the wire. */
  readonly wireBytes: number
}

export interface EntryOptions {
  /** Lower-case header names to redact; empty for `--no-redact`. */
  readonly redact: ReadonlySet<string>
  readonly request: RecordedBody | undefined
  readonly response: RecordedBody | undefined
}

export interface DevproxyEntryFields {
  readonly id: string
  readonly route: string | null
  readonly target: string | null
  readonly attempts: number
  readonly fault: readonly string[]
  readonly truncated: { readonly request: boolean; readonly response: boolean }
  readonly ending: string | null
  readonly error: string | null
}

export type DevproxyEntry = Entry & { _devproxy: DevproxyEntryFields }

export function buildHarEntry(tx: Readonly<Transaction>, options: EntryOptions): DevproxyEntry {
  const headersSent = tx.responseHeadersSent ?? {}
  const timings = entryTimings(tx)
  return {
    startedDateTime: new Date(tx.startedAt).toISOString(),
    time: round(timings.send + timings.wait + timings.receive),
    request: {
      method: tx.method,
      url: absoluteUrl(tx),
      httpVersion: `HTTP/${tx.httpVersion}`,
      cookies: [],
      headers: harHeaders(tx.requestHeaders, options.redact),
      queryString: queryString(tx.url),
      ...(options.request ? { postData: postData(options.request) } : {}),
      headersSize: -1,
      bodySize: tx.requestBytes,
    },
    response: {
      status: tx.status ?? 0,
      statusText: STATUS_CODES[tx.status ?? 0] ?? '',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: harHeaders(headersSent, options.redact),
      content: content(options.response, headerValue(headersSent['content-type'])),
      redirectURL: headerValue(headersSent.location) ?? '',
      headersSize: -1,
      bodySize: tx.responseBytes,
    },
    cache: {},
    timings,
    _devproxy: {
      id: tx.id,
      route: tx.route ?? null,
      target: tx.target ?? null,
      attempts: tx.attempts.length,
      fault: [...tx.faults],
      truncated: { request: options.request?.truncated ?? false, response: options.response?.truncated ?? false },
      ending: tx.ending ?? null,
      error: tx.error?.type ?? null,
    },
  }
}

/**
 * send + wait + receive = time (HAR 1.2: blocked, dns, connect are -1 when unknown and not
 * summed). wait runs to the response headers of the last attempt, receive to the end.
 */
export function entryTimings(tx: Readonly<Transaction>): { send: number; wait: number; receive: number; blocked: number; dns: number; connect: number; ssl: number } {
  const total = round(tx.durationMs)
  const last = tx.attempts.at(-1)
  const headersAt = last ? round(last.startMs + last.durationMs - tx.startMs) : total
  const wait = Math.min(total, Math.max(0, headersAt))
  return { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait, receive: round(total - wait) }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000

function absoluteUrl(tx: Readonly<Transaction>): string {
  const host = headerValue(tx.requestHeaders.host) ?? 'localhost'
  return `http://${host}${tx.url.startsWith('/') ? tx.url : `/${tx.url}`}`
}

function headerValue(value: string | string[] | number | undefined): string | undefined {
  if (value === undefined) return undefined
  return Array.isArray(value) ? value.join(', ') : String(value)
}

export function harHeaders(headers: IncomingHttpHeaders | OutgoingHttpHeaders, redact: ReadonlySet<string>): Header[] {
  const out: Header[] = []
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const values = Array.isArray(value) ? value : [String(value)]
    for (const one of values) out.push({ name, value: redact.has(name.toLowerCase()) ? REDACTED : String(one) })
  }
  return out
}

function queryString(url: string): QueryString[] {
  const at = url.indexOf('?')
  if (at === -1) return []
  return [...new URLSearchParams(url.slice(at + 1))].map(([name, value]) => ({ name, value }))
}

/** Text when the bytes are UTF-8 text, base64 otherwise (HAR 1.2 `encoding`). */
function encodeBody(bytes: Buffer): { text: string; encoding?: 'base64' } {
  const text = bytes.toString('utf8')
  const isText = !text.includes('\uFFFD') && !text.includes('\u0000')
  return isText ? { text } : { text: bytes.toString('base64'), encoding: 'base64' }
}

function content(body: RecordedBody | undefined, contentType: string | undefined): Content {
  const mimeType = contentType ?? 'x-unknown'
  if (!body) return { size: 0, mimeType }
  const encoded = encodeBody(body.bytes)
  return { size: body.bytes.length, mimeType, ...encoded }
}

function postData(body: RecordedBody): PostData {
  const mimeType = body.contentType ?? 'application/octet-stream'
  const encoded = encodeBody(body.bytes)
  // HAR 1.2 postData has no `encoding`; a binary body keeps it under a custom field.
  return encoded.encoding ? ({ mimeType, text: encoded.text, _encoding: 'base64' } as PostData) : { mimeType, text: encoded.text }
}
