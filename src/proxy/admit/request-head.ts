import type { IncomingMessage } from 'node:http'
import type { ErrorType } from '../http/error-map.js'
import { hostFieldCount } from '../http/host-fields.js'
import { isHttp2 } from '../http/protocol.js'
import { absoluteAuthority } from '../http/request-target.js'
import { authorityProblem } from '../http/authority.js'

/**
 * What a request head must be before anything of it is routed or forwarded: the checks the
 * HTTP parsers (Node's llhttp, nghttp2) leave to the server. Pure: the request's fields in, a
 * refusal (or nothing) out. Each rule cites the section that makes the request one to refuse.
 */

export interface HeadRefusal {
  readonly status: number
  readonly type: ErrorType
  readonly message: string
  readonly hint: string
}

/** The first rule the head breaks, or undefined. */
export function checkRequestHead(req: IncomingMessage): HeadRefusal | undefined {
  if (isHttp2(req)) return checkHttp2Head(req)
  return checkHttp1Head(req)
}

function checkHttp1Head(req: IncomingMessage): HeadRefusal | undefined {
  const hosts = hostFieldCount(req.rawHeaders)
  if (hosts > 1) {
    return badRequest(`the request has ${hosts} Host header fields; HTTP/1.1 allows exactly one (RFC 9112 §3.2)`, 'Send a single Host header naming the service the request is for.')
  }
  const coding = req.headers['transfer-encoding']
  if (coding !== undefined) {
    if (req.httpVersionMinor === 0) {
      // RFC 9112 §6.1: "A server or client that receives an HTTP/1.0 message containing a
      // Transfer-Encoding header field MUST treat the message as if the framing is faulty".
      return badRequest(`an HTTP/1.0 request with Transfer-Encoding ${JSON.stringify(coding)}: HTTP/1.0 has no transfer codings, so its framing is faulty (RFC 9112 §6.1)`, 'Send HTTP/1.1 for a chunked body, or HTTP/1.0 with Content-Length.')
    }
    if (coding.trim().toLowerCase() !== 'chunked') {
      // RFC 9112 §6.1: a coding the proxy cannot undo cannot be re-framed honestly.
      return {
        status: 501,
        type: 'unsupported_transfer_coding',
        message: `Transfer-Encoding ${JSON.stringify(coding)} is not supported: only chunked is`,
        hint: 'Send the body with Content-Length, or chunked alone (use Content-Encoding for compression).',
      }
    }
  }
  const absolute = absoluteAuthority(req.url ?? '/')
  return checkTarget(req.url ?? '/') ?? checkAuthority(absolute ?? req.headers.host, absolute === undefined ? 'Host' : 'the request target\'s authority')
}

function checkHttp2Head(req: IncomingMessage): HeadRefusal | undefined {
  const authority = req.headers[':authority'] as string | undefined
  const host = req.headers.host
  // H2Request copies :authority into Host when the client sent no Host: then they are one.
  if (authority !== undefined && host !== undefined && host.toLowerCase() !== authority.toLowerCase()) {
    return badRequest(
      `the request's Host ${JSON.stringify(host)} differs from its :authority ${JSON.stringify(authority)} (RFC 9113 §8.3.1)`,
      'Send Host equal to :authority, or leave Host out.',
    )
  }
  return checkTarget(req.url ?? '/') ?? checkAuthority(authority ?? host, authority === undefined ? 'Host' : ':authority')
}

/** RFC 9112 §3.2 / RFC 9113 §8.3.1: a request target is a path and query; a fragment is the client's own. */
function checkTarget(target: string): HeadRefusal | undefined {
  if (!target.includes('#')) return undefined
  return badRequest(
    `the request target ${JSON.stringify(target.slice(0, 200))} has a fragment (#…), which a request never carries (RFC 9110 §4.2.5, RFC 9112 §3.2)`,
    'Leave the fragment out of the request: it is for the client, not the server.',
  )
}

/**
 * RFC 9112 §3.2 (Host = uri-host [ ":" port ]), RFC 3986 §3.2.2 (reg-name, IPv4, IP-literal):
 * anything else in Host is refused, before it reaches a route, a log or a recording. A userinfo
 * (`user@host`) is refused with its own reason (RFC 9110 §4.2.4: a sender MUST NOT generate it).
 */
export function checkAuthority(value: string | undefined, what: string): HeadRefusal | undefined {
  if (value === undefined || value === '') return undefined
  const problem = authorityProblem(value)
  if (problem === undefined) return undefined
  return badRequest(`${what} ${JSON.stringify(value.slice(0, 200))} ${problem}`, 'Send a host name, IPv4 address or [IPv6] address, with an optional :port.')
}

function badRequest(message: string, hint: string): HeadRefusal {
  return { status: 400, type: 'bad_request', message, hint }
}
