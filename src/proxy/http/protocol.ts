import type { IncomingMessage } from 'node:http'
import { Http2ServerRequest } from 'node:http2'

/**
 * The few facts below the listeners that differ between HTTP/1.x and HTTP/2. Requests of both
 * run through one pipeline (an HTTP/2 stream arrives as listen/h2-adapter.ts's H2Request, which
 * already looks like an HTTP/1.1 message: Host, no pseudo-header fields); what cannot be made
 * to look the same is asked here.
 */

/** The request came on an HTTP/2 stream (RFC 9113), not an HTTP/1.x connection of its own. */
export function isHttp2(req: object): boolean {
  // Not httpVersionMajor: an HTTP/1.1 parser reads "PRI * HTTP/2.0" (a prior-knowledge preface sent
  // to the plain port) as a 2.0 request, which is refused as the unsupported version it is there.
  return req instanceof Http2ServerRequest
}

/**
 * The body's length is not known before it ends: HTTP/1.1 chunked (RFC 9112 §7.1), or an HTTP/2
 * body sent without content-length (RFC 9113 §8.1.1: DATA frames until END_STREAM).
 */
export function bodyLengthUnknown(req: IncomingMessage): boolean {
  return isHttp2(req) ? req.headers['content-length'] === undefined : req.headers['transfer-encoding'] !== undefined
}

/** Whether the request has a body: framing fields in HTTP/1.x, no END_STREAM on its HEADERS in HTTP/2. */
export function hasBody(req: IncomingMessage): boolean {
  if (isHttp2(req)) return !(req as IncomingMessage & { stream: { endAfterHeaders: boolean } }).stream.endAfterHeaders
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) > 0)
}
