import type { IncomingMessage } from 'node:http'
import type { ErrorType } from './error-map.js'
import { hostFieldCount } from './host-fields.js'
import { isHttp2 } from './protocol.js'
import { absoluteAuthority } from './request-target.js'

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

/** What is wrong with an authority (`host[:port]`), in words; undefined when nothing is. */
export function authorityProblem(value: string): string | undefined {
  if (value.includes('@')) return 'has a userinfo part (user@host), which HTTP forbids (RFC 9110 §4.2.4)'
  let hostEnd = value.length
  if (value.charCodeAt(0) === 0x5b /* [ */) {
    const close = value.indexOf(']')
    if (close === -1 || !isIpLiteral(value.slice(1, close))) return 'is not a valid IP-literal ([IPv6 address], RFC 3986 §3.2.2)'
    hostEnd = close + 1
    if (hostEnd < value.length && value.charCodeAt(hostEnd) !== 0x3a) return 'has characters after its IP-literal (RFC 3986 §3.2.2)'
  } else {
    const colon = value.indexOf(':')
    if (colon !== -1) hostEnd = colon
    for (let i = 0; i < hostEnd; i++) {
      const c = value.charCodeAt(i)
      if (c === 0x25 /* % */) {
        if (!isHex(value.charCodeAt(i + 1)) || !isHex(value.charCodeAt(i + 2))) return 'has a % that is not a percent-encoding (RFC 3986 §2.1)'
        i += 2
      } else if (c >= 128 || REG_NAME[c] !== 1) {
        return `has ${c === 0x20 ? 'a space' : `the character ${JSON.stringify(value[i])}`}, which a host name may not (RFC 3986 §3.2.2)`
      }
    }
  }
  for (let i = hostEnd + 1; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return 'has a port that is not a number (RFC 3986 §3.2.3)'
  }
  return undefined
}

/** RFC 3986 §3.2.2 reg-name: unreserved and sub-delims (percent-encodings apart). */
const REG_NAME = new Uint8Array(128)
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=") REG_NAME[c.charCodeAt(0)] = 1

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
}

/** IPv6address (hex digits, colons, an embedded IPv4 dotted tail) or IPvFuture (`v1.x`). */
function isIpLiteral(inside: string): boolean {
  if (/^v[0-9a-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+$/i.test(inside)) return true
  return /^[0-9a-f:.]+$/i.test(inside) && inside.includes(':')
}

function badRequest(message: string, hint: string): HeadRefusal {
  return { status: 400, type: 'bad_request', message, hint }
}
