import { isUtf8 } from 'node:buffer'
import { STATUS_CODES, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'
import type { Entry, Header } from 'har-format'
import { redactSecretBytes, redactSecrets } from '../control/secrets.js'
import type { Transaction } from '../proxy/index.js'
import { absoluteRequestUrl } from '../proxy/index.js'
import { attemptPhasesEntries, entryTime, entryTimings, type AttemptPhasesEntry } from './har-timings.js'

export { entryTimings } from './har-timings.js'

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
  /** True when `bytes` is not the whole body: over the cap, or the body broke off. */
  readonly truncated: boolean
  /** Size on the wire. */
  readonly wireBytes: number
  /** The whole body's size, decoded (HAR `content.size`), when it is more than `bytes` holds. Default: `bytes.length`. */
  readonly size?: number | undefined
  /** When each chunk of a streamed body came: `[ms after the response headers, bytes]` (`_devproxy.chunks`). */
  readonly timeline?: ReadonlyArray<readonly [number, number]> | undefined
}

export interface EntryOptions {
  /** Lower-case header names to redact; empty for `--no-redact`. */
  readonly redact: ReadonlySet<string>
  readonly request: RecordedBody | undefined
  readonly response: RecordedBody | undefined
  /** How the transaction ended, when it is recorded before `tx.ending` is set (as it is delivered). */
  readonly ending?: string | undefined
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
  /** What answered in place of the upstream (mock, hook, fault, replay); null: the upstream. */
  readonly answeredBy: string | null
  /** The route's code (onRequest, onResponse, a transform) ran on it. */
  readonly hooked: boolean
  /**
   * A streamed response body (sent without a length): when each chunk came, `[ms after the
   * response headers, bytes]`, in order, their bytes adding up to the recorded body. Absent
   * for a body with a length of its own. `devproxy replay --pace recorded` replays by it.
   */
  readonly chunks?: ReadonlyArray<readonly [number, number]>
  /**
   * What each attempt spent in each phase, `{n, poolWait, connect, tls, upload, wait, receive}`
   * (ms; null for a phase it never went through), when the attempts were timed. `timings` are
   * the answering (last) attempt's; `attempts` stays the count.
   */
  readonly phases?: readonly AttemptPhasesEntry[]
}

export type DevproxyEntry = Entry & { _devproxy: DevproxyEntryFields }

/**
 * The entry as one line of JSON, the same text `JSON.stringify` gives for the HAR object, built
 * directly: the recorder writes one per transaction, and building the object tree to stringify
 * it cost ~8 µs per small request against ~3 µs for this (bench/RESULTS.md). Only strings go
 * through `JSON.stringify`; `buildHarEntry` parses the line back for readers that want objects.
 */
export function harEntryJson(tx: Readonly<Transaction>, options: EntryOptions): string {
  return buildEntryJson(tx, options, bodyJsonString)
}

/**
 * The same line as `harEntryJson`, as pieces to write one after the other: a large body's text
 * is JSON-encoded a slice at a time (`bodyJsonPieces`) instead of as one string, so an 8 MiB body
 * costs a few MiB of memory to write rather than several copies of itself (bench/RESULTS.md).
 */
export function* harEntryPieces(tx: Readonly<Transaction>, options: EntryOptions): Generator<string> {
  const bodies: BodyText[] = []
  // A raw control character never appears in JSON text (JSON.stringify escapes it): a safe marker.
  const line = buildEntryJson(tx, options, (body) => (bodies.push(body), BODY_MARK))
  const parts = line.split(BODY_MARK)
  for (let i = 0; i < parts.length; i++) {
    yield parts[i]!
    if (i < bodies.length) yield* bodyJsonPieces(bodies[i]!)
  }
}

/** Bodies up to this size are written as part of their entry's line; larger ones in slices. */
export const LARGE_BODY_BYTES = 256 * 1024

const BODY_MARK = '\u0001'

/** A body's bytes as the text of a HAR field: UTF-8 text, or base64 (`base64`) for binary. */
interface BodyText {
  readonly bytes: Buffer
  readonly base64: boolean
}

function buildEntryJson(tx: Readonly<Transaction>, options: EntryOptions, bodyJson: (body: BodyText) => string): string {
  const headersSent = tx.responseHeadersSent ?? {}
  const timings = entryTimings(tx)
  const phases = attemptPhasesEntries(tx)
  const request =
    `{"method":${str(tx.method)},"url":${str(absoluteUrl(tx))},"httpVersion":${str(`HTTP/${tx.httpVersion}`)},"cookies":[],` +
    `"headers":${headersJson(tx.requestHeaders, options.redact)},"queryString":${queryStringJson(redactSecrets(tx.url))},` +
    `${options.request ? `"postData":${postDataJson(options.request, bodyJson)},` : ''}"headersSize":-1,"bodySize":${num(tx.requestBytes)}}`
  const status = tx.status ?? 0
  const response =
    `{"status":${num(status)},"statusText":${str(STATUS_CODES[status] ?? '')},"httpVersion":${str(`HTTP/${tx.httpVersion === '1.0' ? '1.1' : tx.httpVersion}`)},"cookies":[],` +
    `"headers":${headersJson(headersSent, options.redact)},"content":${contentJson(options.response, headerValue(headersSent['content-type']), bodyJson)},` +
    `"redirectURL":${str(headerValue(headersSent.location) ?? '')},"headersSize":-1,"bodySize":${num(tx.responseBytes)}}`
  const devproxy =
    `{"id":${str(tx.id)},"route":${strOrNull(tx.route)},"target":${strOrNull(tx.target)},"attempts":${tx.attempts.length},` +
    `"fault":${JSON.stringify(tx.faults)},"truncated":{"request":${options.request?.truncated ?? false},"response":${options.response?.truncated ?? false}},` +
    `"ending":${strOrNull(options.ending ?? tx.ending)},"error":${strOrNull(tx.error?.type)},"answeredBy":${strOrNull(tx.attempts.at(-1)?.by)},"hooked":${tx.hooked === true}` +
    `${options.response?.timeline === undefined ? '' : `,"chunks":${JSON.stringify(options.response.timeline)}`}` +
    `${phases === undefined ? '' : `,"phases":${JSON.stringify(phases)}`}}`
  // HAR 1.2 `serverIPAddress` and `connection` (the upstream socket's local port: unique among
  // open connections, and a number, as Firefox writes it and haralyzer reads it).
  const server =
    (tx.upstreamAddress === undefined ? '' : `"serverIPAddress":${str(tx.upstreamAddress)},`) +
    (tx.upstreamConnection === undefined ? '' : `"connection":${str(tx.upstreamConnection)},`)
  return (
    `{"startedDateTime":${str(new Date(tx.startedAt).toISOString())},"time":${num(entryTime(timings))},` +
    `"request":${request},"response":${response},"cache":{},"timings":${JSON.stringify(timings)},${server}"_devproxy":${devproxy}}`
  )
}

/** The entry as an object (tests, tools): `harEntryJson` parsed. */
export function buildHarEntry(tx: Readonly<Transaction>, options: EntryOptions): DevproxyEntry {
  return JSON.parse(harEntryJson(tx, options)) as DevproxyEntry
}

const str = (value: string) => JSON.stringify(value)
const strOrNull = (value: string | undefined) => (value === undefined ? 'null' : JSON.stringify(value))
/** As JSON writes numbers: NaN and infinities become null. */
const num = (value: number) => (Number.isFinite(value) ? String(value) : 'null')

/** The request's URL, a devproxy secret in it blanked (a login token in a query). */
function absoluteUrl(tx: Readonly<Transaction>): string {
  return redactSecrets(absoluteRequestUrl(tx.scheme, headerValue(tx.requestHeaders.host), tx.url))
}

function headerValue(value: string | string[] | number | undefined): string | undefined {
  if (value === undefined) return undefined
  return Array.isArray(value) ? value.join(', ') : String(value)
}

export function harHeaders(headers: IncomingHttpHeaders | OutgoingHttpHeaders, redact: ReadonlySet<string>): Header[] {
  return JSON.parse(headersJson(headers, redact)) as Header[]
}

function headersJson(headers: IncomingHttpHeaders | OutgoingHttpHeaders, redact: ReadonlySet<string>): string {
  let out = ''
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined) continue
    const hidden = redact.size > 0 && redact.has(name.toLowerCase())
    const values = Array.isArray(value) ? value : [value]
    // devproxy's own secrets (its control token, an inspector session) are blanked whatever `redact` says.
    for (const one of values) out += `${out === '' ? '' : ','}{"name":${str(name)},"value":${str(hidden ? REDACTED : redactSecrets(String(one)))}}`
  }
  return `[${out}]`
}

function queryStringJson(url: string): string {
  const at = url.indexOf('?')
  if (at === -1) return '[]'
  return JSON.stringify([...new URLSearchParams(url.slice(at + 1))].map(([name, value]) => ({ name, value })))
}

/**
 * Text when the bytes are UTF-8 text without NULs, base64 otherwise (HAR 1.2 `encoding`). A
 * devproxy secret in them (a login token or session passing through) is blanked, --no-redact or not.
 */
function bodyText(body: Buffer): BodyText {
  const bytes = redactSecretBytes(body)
  return { bytes, base64: !isUtf8(bytes) || bytes.includes(0) }
}

function bodyJsonString(body: BodyText): string {
  return body.base64 ? `"${body.bytes.toString('base64')}"` : str(body.bytes.toString('utf8'))
}

/** Slices of about this many bytes: a multiple of 3, so the base64 of each joins up. */
const SLICE_BYTES = 3 * 256 * 1024

/** A body's JSON string (quotes included), a slice at a time. */
function* bodyJsonPieces(body: BodyText): Generator<string> {
  yield '"'
  for (let start = 0; start < body.bytes.length; ) {
    let end = Math.min(body.bytes.length, start + SLICE_BYTES)
    // Text is cut between characters: back up over UTF-8 continuation bytes (10xxxxxx).
    if (!body.base64) while (end < body.bytes.length && end > start && (body.bytes[end]! & 0xc0) === 0x80) end--
    const slice = body.bytes.subarray(start, end)
    yield body.base64 ? slice.toString('base64') : str(slice.toString('utf8')).slice(1, -1)
    start = end
  }
  yield '"'
}

function contentJson(body: RecordedBody | undefined, contentType: string | undefined, bodyJson: (body: BodyText) => string): string {
  const mimeType = str(contentType ?? 'x-unknown')
  if (!body) return `{"size":0,"mimeType":${mimeType}}`
  const text = bodyText(body.bytes)
  return `{"size":${num(body.size ?? body.bytes.length)},"mimeType":${mimeType},"text":${bodyJson(text)}${text.base64 ? ',"encoding":"base64"' : ''}}`
}

function postDataJson(body: RecordedBody, bodyJson: (body: BodyText) => string): string {
  const text = bodyText(body.bytes)
  // HAR 1.2 postData has no `encoding`; a binary body keeps it under a custom field.
  return `{"mimeType":${str(body.contentType ?? 'application/octet-stream')},"text":${bodyJson(text)}${text.base64 ? ',"_encoding":"base64"' : ''}}`
}
