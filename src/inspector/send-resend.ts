import http, { type OutgoingHttpHeaders } from 'node:http'
import http2 from 'node:http2'
import https from 'node:https'
import { ApiError } from '../local-api/http-api.js'
import { RESEND_HEADER, type ResendPlan } from './resend.js'

/**
 * Sends a resend plan (resend.ts) to the proxy's own listener, as the original came: HTTPS or
 * plain HTTP, HTTP/2 or HTTP/1.1, marked so its transaction can be found. Resolves with the id of
 * its transaction once `transactionId` (called when the answer's headers arrive) or `finished`
 * (the transaction's sink) names it. The answer's body is read and dropped: the proxy's sinks
 * keep what the inspector shows.
 */

/** `listeners`: every URL the proxy listens on, as bound (plain HTTP, HTTPS). */
export function sendResend(listeners: readonly string[], plan: ResendPlan, marker: string, transactionId: () => string | undefined, finished: Promise<string>): Promise<string> {
  const target = listenerFor(listeners, plan.scheme)
  return new Promise<string>((resolve, reject) => {
    finished.then(resolve)
    const answered = () => {
      const id = transactionId()
      if (id !== undefined) resolve(id)
    }
    const failed = (error: NodeJS.ErrnoException) => {
      const unreachable = new ApiError(502, 'resend_failed', `cannot reach the proxy at ${target.origin}: ${error.message}`)
      // Refused: the proxy never saw it. Cut later (an injected reset, say): its transaction
      // reaches the sinks as it finishes, so wait for it, a while.
      if (error.code === 'ECONNREFUSED' || error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') return reject(unreachable)
      setTimeout(() => reject(unreachable), RESEND_LOST_MS).unref()
    }
    try {
      if (plan.http2) sendOverHttp2(target, plan, marker, answered, failed)
      else sendOverHttp1(target, plan, marker, answered, failed)
    } catch (error) {
      // Node refuses a header name that is no token, a value with a line break, a field HTTP/2 forbids.
      reject(new ApiError(400, 'resend_invalid', `the request cannot be sent: ${(error as Error).message}`))
    }
  })
}

/** The listener a request of `scheme` came in on. */
function listenerFor(listeners: readonly string[], scheme: 'http' | 'https'): URL {
  const found = listeners.find((url) => url.startsWith(`${scheme}://`))
  if (found !== undefined) return new URL(found)
  throw new ApiError(409, 'not_resendable', `the proxy no longer listens for ${scheme === 'https' ? 'HTTPS' : 'plain HTTP'} (it was restarted without it)`)
}

/** What frames the body: its length when there is one, or when the original said 0 (RFC 9110 §8.6). */
function framing(plan: ResendPlan): OutgoingHttpHeaders {
  return plan.body.length > 0 || plan.declaresLength ? { 'content-length': plan.body.length } : {}
}

function sendOverHttp1(target: URL, plan: ResendPlan, marker: string, answered: () => void, failed: (error: NodeJS.ErrnoException) => void): void {
  const secure = target.protocol === 'https:'
  const req = (secure ? https : http).request({
    host: target.hostname.replace(/^\[|\]$/g, ''),
    port: target.port,
    method: plan.method,
    path: plan.path,
    agent: false,
    // The proxy's own certificate, on its own loopback address: nothing to verify it against.
    ...(secure ? { rejectUnauthorized: false } : {}),
    headers: { ...plan.headers, [RESEND_HEADER]: marker, connection: 'close', ...framing(plan) },
  })
  req.on('response', (res) => {
    answered()
    res.resume()
    res.on('error', () => {})
  })
  req.on('error', failed)
  req.end(plan.body)
}

function sendOverHttp2(target: URL, plan: ResendPlan, marker: string, answered: () => void, failed: (error: NodeJS.ErrnoException) => void): void {
  // A session of its own, closed once the answer is read: the proxy sees a client like the original.
  const session = http2.connect(target.origin, { rejectUnauthorized: false })
  session.on('error', failed)
  const headers = {
    ':method': plan.method,
    ':path': plan.path,
    ':scheme': target.protocol.slice(0, -1),
    ':authority': plan.authority ?? String(plan.headers.host ?? target.host),
    ...plan.headers,
    [RESEND_HEADER]: marker,
    ...framing(plan),
  }
  let stream: http2.ClientHttp2Stream
  try {
    stream = session.request(headers, { endStream: plan.body.length === 0 })
  } catch (error) {
    session.close()
    throw error
  }
  stream.on('response', answered)
  stream.on('error', failed)
  stream.on('close', () => session.close())
  stream.resume()
  if (plan.body.length > 0) stream.end(plan.body)
}

/** How long a resend cut by an error waits for its transaction before saying it is lost. */
const RESEND_LOST_MS = 5_000
