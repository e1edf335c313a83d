import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'
import { isPlainObject } from '../config/checks.js'
import { ApiError } from '../local-api/http-api.js'
import { RESEND_HEADER } from '../proxy/index.js'
import type { Transaction } from '../proxy/index.js'
import { INTERNAL_REQUEST_FIELDS, REDACTED_SECRET } from './api.js'

/**
 * "Resend" in the inspector: a transaction's request, as received or as edited in the UI, sent
 * again to the proxy's own listener it came in on, over the protocol it came in (issue 28), so
 * it runs through routes, faults and sinks as any request does and shows up in the stream.
 * Pure: what to send; send-resend.ts sends it.
 */

export { RESEND_HEADER }

/** What is sent: the original request with the edits applied, as it came. */
export interface ResendPlan {
  readonly method: string
  readonly path: string
  /** Lower-case names, no pseudo-header fields, nothing that frames or scopes a connection. */
  readonly headers: OutgoingHttpHeaders
  readonly body: Buffer
  /**
   * The request said how long its body was (Content-Length), so the resend says it too, even 0;
   * a request that said nothing (a GET) gains nothing (RFC 9110 §8.6).
   */
  readonly declaresLength: boolean
  /** The listener it came in on: plain HTTP or HTTPS. */
  readonly scheme: 'http' | 'https'
  /** HTTP/2 when it came over HTTP/2 (RFC 9113), else HTTP/1.1. */
  readonly http2: boolean
  /** HTTP/2's `:authority` (RFC 9113 §8.3.1), for a request that came with one. */
  readonly authority: string | undefined
}

/** A method is an RFC 9110 token. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/**
 * Fields of the original that describe its own connection and framing, not the request: the
 * proxy frames the resent one itself (RFC 9110 §7.6.1, RFC 9112 §6; connection-specific fields
 * are not allowed on HTTP/2 at all, RFC 9113 §8.2.2). HTTP/2 pseudo-headers (`:path`…) are
 * dropped with them, and devproxy's own fields.
 */
const NOT_RESENT: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade', 'content-length', 'expect', 'http2-settings', RESEND_HEADER, ...INTERNAL_REQUEST_FIELDS])

/** The request to send, from the original and the edits (`ResendRequest`, api.ts). Pure; throws an ApiError (400, 409) saying what is wrong. */
export function planResend(original: Readonly<Transaction>, edit: unknown): ResendPlan {
  if (original.kind !== 'http') throw new ApiError(409, 'not_resendable', 'a WebSocket connection cannot be resent')
  if (!isPlainObject(edit)) throw new ApiError(400, 'resend_invalid', 'the body must be a JSON object: {"method"?, "url"?, "headers"?, "body"?, "bodyBase64"?}')
  const { method = original.method, url = original.url, headers, body, bodyBase64 } = edit
  if (typeof method !== 'string' || !TOKEN.test(method)) throw new ApiError(400, 'resend_invalid', `method must be an HTTP method such as "GET" (got ${JSON.stringify(method)})`)
  if (typeof url !== 'string' || !url.startsWith('/') || /[\s\u0000-\u001f\u007f]/.test(url)) {
    throw new ApiError(400, 'resend_invalid', `url must be a path with its query, such as "/api/users?page=2" (got ${JSON.stringify(url)})`)
  }
  if (headers !== undefined && !(isPlainObject(headers) && Object.values(headers).every((value) => typeof value === 'string'))) {
    throw new ApiError(400, 'resend_invalid', 'headers must be an object of strings, e.g. {"accept": "application/json"}')
  }
  if (body !== undefined && typeof body !== 'string') throw new ApiError(400, 'resend_invalid', 'body must be a string: text, or base64 with "bodyBase64": true')
  const source: IncomingHttpHeaders | Record<string, string> = headers === undefined ? original.requestHeaders : (headers as Record<string, string>)
  const authority = original.requestHeaders[':authority']
  const http2 = original.httpVersion === '2.0'
  return {
    method,
    path: url,
    headers: resentHeaders(source, http2),
    body: body === undefined ? originalBody(original) : Buffer.from(body, bodyBase64 === true ? 'base64' : 'utf8'),
    declaresLength: Object.keys(source).some((name) => name.toLowerCase() === 'content-length'),
    scheme: original.scheme,
    http2,
    authority: typeof authority === 'string' ? authority : undefined,
  }
}

function resentHeaders(headers: IncomingHttpHeaders | Record<string, string>, http2: boolean): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase()
    if (value === undefined || lower.startsWith(':') || NOT_RESENT.has(lower)) continue
    // A field the inspector showed blanked (a devproxy secret passing through) has nothing left to send.
    if ((Array.isArray(value) ? value.join() : value).includes(REDACTED_SECRET)) continue
    out[lower] = value
  }
  // An HTTP/2 request names its host in :authority; resent over HTTP/1.1 it needs a Host.
  const authority = (headers as IncomingHttpHeaders)[':authority']
  if (!http2 && out.host === undefined && typeof authority === 'string') out.host = authority
  return out
}

/** The original body, when the inspector has all of it. */
function originalBody(tx: Readonly<Transaction>): Buffer {
  const captured = tx.requestBody
  if (tx.requestBytes === 0 && (captured === undefined || captured.totalBytes === 0)) return Buffer.alloc(0)
  if (captured === undefined) {
    throw new ApiError(409, 'body_not_captured', 'the original request body was not kept (bodies are captured only while the inspector is open): send the body with the request')
  }
  if (captured.truncated) {
    throw new ApiError(409, 'body_not_captured', `only the first ${captured.bytes.length} of the body's ${captured.totalBytes} bytes were kept: send the body with the request`)
  }
  return captured.bytes
}
