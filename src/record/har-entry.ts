import { STATUS_CODES, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'
import type { Entry, Header } from 'har-format'
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

/**
 * The entry as one line of JSON, the same text `JSON.stringify` gives for the HAR object, built
 * directly: the recorder writes one per transaction, and building the object tree to stringify
 * it cost ~8 µs per small request against ~3 µs for this (bench/RESULTS.md). Only strings go
 * through `JSON.stringify`; `buildHarEntry` parses the line back for readers that want objects.
 */
export function harEntryJson(tx: Readonly<Transaction>, options: EntryOptions): string {
  const headersSent = tx.responseHeadersSent ?? {}
  const timings = entryTimings(tx)
  const request =
    `{"method":${str(tx.method)},"url":${str(absoluteUrl(tx))},"httpVersion":${str(`HTTP/${tx.httpVersion}`)},"cookies":[],` +
    `"headers":${headersJson(tx.requestHeaders, options.redact)},"queryString":${queryStringJson(tx.url)},` +
    `${options.request ? `"postData":${postDataJson(options.request)},` : ''}"headersSize":-1,"bodySize":${num(tx.requestBytes)}}`
  const status = tx.status ?? 0
  const response =
    `{"status":${num(status)},"statusText":${str(STATUS_CODES[status] ?? '')},"httpVersion":"HTTP/1.1","cookies":[],` +
    `"headers":${headersJson(headersSent, options.redact)},"content":${contentJson(options.response, headerValue(headersSent['content-type']))},` +
    `"redirectURL":${str(headerValue(headersSent.location) ?? '')},"headersSize":-1,"bodySize":${num(tx.responseBytes)}}`
  const devproxy =
    `{"id":${str(tx.id)},"route":${strOrNull(tx.route)},"target":${strOrNull(tx.target)},"attempts":${tx.attempts.length},` +
    `"fault":${JSON.stringify(tx.faults)},"truncated":{"request":${options.request?.truncated ?? false},"response":${options.response?.truncated ?? false}},` +
    `"ending":${strOrNull(tx.ending)},"error":${strOrNull(tx.error?.type)}}`
  return (
    `{"startedDateTime":${str(new Date(tx.startedAt).toISOString())},"time":${num(round(timings.send + timings.wait + timings.receive))},` +
    `"request":${request},"response":${response},"cache":{},"timings":${JSON.stringify(timings)},"_devproxy":${devproxy}}`
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
  return JSON.parse(headersJson(headers, redact)) as Header[]
}

function headersJson(headers: IncomingHttpHeaders | OutgoingHttpHeaders, redact: ReadonlySet<string>): string {
  let out = ''
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined) continue
    const hidden = redact.size > 0 && redact.has(name.toLowerCase())
    const values = Array.isArray(value) ? value : [value]
    for (const one of values) out += `${out === '' ? '' : ','}{"name":${str(name)},"value":${str(hidden ? REDACTED : String(one))}}`
  }
  return `[${out}]`
}

function queryStringJson(url: string): string {
  const at = url.indexOf('?')
  if (at === -1) return '[]'
  return JSON.stringify([...new URLSearchParams(url.slice(at + 1))].map(([name, value]) => ({ name, value })))
}

/** Text when the bytes are UTF-8 text, base64 otherwise (HAR 1.2 `encoding`). */
function encodeBody(bytes: Buffer): { text: string; base64: boolean } {
  const text = bytes.toString('utf8')
  const isText = !text.includes('\uFFFD') && !text.includes('\u0000')
  return isText ? { text, base64: false } : { text: bytes.toString('base64'), base64: true }
}

function contentJson(body: RecordedBody | undefined, contentType: string | undefined): string {
  const mimeType = str(contentType ?? 'x-unknown')
  if (!body) return `{"size":0,"mimeType":${mimeType}}`
  const { text, base64 } = encodeBody(body.bytes)
  return `{"size":${body.bytes.length},"mimeType":${mimeType},"text":${str(text)}${base64 ? ',"encoding":"base64"' : ''}}`
}

function postDataJson(body: RecordedBody): string {
  const { text, base64 } = encodeBody(body.bytes)
  // HAR 1.2 postData has no `encoding`; a binary body keeps it under a custom field.
  return `{"mimeType":${str(body.contentType ?? 'application/octet-stream')},"text":${str(text)}${base64 ? ',"_encoding":"base64"' : ''}}`
}
