import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'
import https from 'node:https'
import { isPlainObject } from '../config/checks.js'
import { ApiError } from '../control/http-api.js'
import type { Transaction } from '../proxy/transaction.js'

/**
 * "Resend" in the inspector: a transaction's request, as received or as edited in the UI,
 * sent again to the proxy's own address, so it runs through routes, faults and sinks as any
 * request does and shows up in the stream.
 */

/**
 * Marks the resent request so its transaction can be found. Named in `Connection`, so the
 * proxy drops it as hop-by-hop (RFC 9110 §7.6.1): the upstream never sees it.
 */
export const RESEND_HEADER = 'x-devproxy-resend'

/** What is sent: the original request with the edits applied. */
export interface ResendPlan {
  readonly method: string
  readonly path: string
  readonly headers: OutgoingHttpHeaders
  readonly body: Buffer
}

/** A method is an RFC 9110 token. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/**
 * Fields of the original that describe its own connection and framing, not the request: the
 * proxy frames the resent one itself (RFC 9110 §7.6.1, RFC 9112 §6). HTTP/2 pseudo-headers
 * (`:path`…) are dropped with them.
 */
const NOT_RESENT: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade', 'content-length', 'expect', 'http2-settings', RESEND_HEADER])

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
  return {
    method,
    path: url,
    headers: resentHeaders(headers === undefined ? original.requestHeaders : (headers as Record<string, string>)),
    body: body === undefined ? originalBody(original) : Buffer.from(body, bodyBase64 === true ? 'base64' : 'utf8'),
  }
}

function resentHeaders(headers: IncomingHttpHeaders | Record<string, string>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase()
    if (value === undefined || lower.startsWith(':') || NOT_RESENT.has(lower)) continue
    out[lower] = value
  }
  // An HTTP/2 request names its host in :authority.
  const authority = (headers as IncomingHttpHeaders)[':authority']
  if (out.host === undefined && typeof authority === 'string') out.host = authority
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

/**
 * Sends `plan` to the proxy at `proxyUrl`, marked with `marker`, and resolves with the id of
 * its transaction once `transactionId` (called when the answer's headers arrive) or
 * `finished` (the transaction's sink) names it. The answer's body is read and dropped: the
 * proxy's sinks keep what the inspector shows.
 */
export function sendResend(proxyUrl: string, plan: ResendPlan, marker: string, transactionId: () => string | undefined, finished: Promise<string>): Promise<string> {
  const target = new URL(proxyUrl)
  const client = target.protocol === 'https:' ? https : http
  return new Promise<string>((resolve, reject) => {
    finished.then(resolve)
    let req: http.ClientRequest
    try {
      req = client.request({
        host: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port,
        method: plan.method,
        path: plan.path,
        agent: false,
        // The proxy's own certificate, on its own loopback address: nothing to verify it against.
        ...(target.protocol === 'https:' ? { rejectUnauthorized: false } : {}),
        headers: { ...plan.headers, [RESEND_HEADER]: marker, connection: `close, ${RESEND_HEADER}`, 'content-length': plan.body.length },
      })
    } catch (error) {
      // Node refuses a header name that is no token, a value with a line break.
      return reject(new ApiError(400, 'resend_invalid', `the request cannot be sent: ${(error as Error).message}`))
    }
    req.on('response', (res) => {
      const id = transactionId()
      if (id !== undefined) resolve(id)
      res.resume()
      res.on('error', () => {})
    })
    req.on('error', (error: NodeJS.ErrnoException) => {
      const unreachable = new ApiError(502, 'resend_failed', `cannot reach the proxy at ${proxyUrl}: ${error.message}`)
      // Refused: the proxy never saw it. Cut later (an injected reset, say): its transaction
      // reaches the sinks as it finishes, so wait for it, a while.
      if (error.code === 'ECONNREFUSED' || error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') return reject(unreachable)
      setTimeout(() => reject(unreachable), RESEND_LOST_MS).unref()
    })
    req.end(plan.body)
  })
}

/** How long a resend cut by an error waits for its transaction before saying it is lost. */
const RESEND_LOST_MS = 5_000
