import { timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { hostFieldCount } from '../proxy/index.js'

/**
 * Who may drive the control API: a local process that read the token from the state file.
 * Pure, so each rule has its own table test.
 */

export interface Denial {
  readonly status: 400 | 401 | 403
  readonly type: 'bad_request' | 'unauthorized' | 'forbidden'
  readonly message: string
}

/**
 * Before any rule of who may ask: a request whose Host is ambiguous. Two Host fields (RFC 9112
 * §3.2: 400), or an absolute-form target naming another authority than this server (§3.2.2: its
 * authority is the request's host, so the Host check would judge the wrong one).
 */
export function checkRequestTarget(req: Pick<IncomingMessage, 'rawHeaders' | 'url'>, port: number): Denial | undefined {
  const hosts = hostFieldCount(req.rawHeaders)
  if (hosts > 1) return { status: 400, type: 'bad_request', message: `the request has ${hosts} Host header fields; HTTP/1.1 allows exactly one (RFC 9112 §3.2)` }
  const target = req.url ?? '/'
  if (target.startsWith('/')) return undefined
  let authority: string | undefined
  try {
    const url = new URL(target)
    authority = url.protocol === 'http:' ? url.host.toLowerCase() : undefined
  } catch {
    authority = undefined
  }
  if (authority !== undefined && isOwnAuthority(authority, port)) return undefined
  return { status: 400, type: 'bad_request', message: `the request target ${JSON.stringify(target.slice(0, 200))} names another server than this one (127.0.0.1:${port})` }
}

function isOwnAuthority(host: string, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}` || host === `[::1]:${port}`
}

/**
 * Host first: a page that re-binds its DNS name to 127.0.0.1 still sends its own name there.
 * Then Origin: browsers send it on cross-origin requests, and no browser has any business here.
 * Last the bearer token (RFC 6750), compared in constant time.
 */
export function checkAccess(headers: IncomingHttpHeaders, token: Buffer, port: number): Denial | undefined {
  const wrongHost = checkHost(headers, port)
  if (wrongHost) return wrongHost
  if (headers.origin !== undefined) {
    return { status: 403, type: 'forbidden', message: 'requests from a web page (with an Origin header) are refused' }
  }
  const given = /^Bearer +([^\s]+) *$/i.exec(headers.authorization ?? '')?.[1]
  if (given === undefined) {
    return { status: 401, type: 'unauthorized', message: 'missing "Authorization: Bearer TOKEN"; the token is in .devproxy/proxies/<pid>-<port>.json' }
  }
  if (!tokensEqual(Buffer.from(given, 'utf8'), token)) {
    return { status: 401, type: 'unauthorized', message: 'wrong token; the token is in .devproxy/proxies/<pid>-<port>.json' }
  }
  return undefined
}

/** The control server's own names for itself, on its port: a request naming any other host is refused. */
export function checkHost(headers: IncomingHttpHeaders, port: number): Denial | undefined {
  const host = headers.host?.toLowerCase()
  if (host !== undefined && isOwnAuthority(host, port)) return undefined
  return { status: 403, type: 'forbidden', message: `the Host header must be 127.0.0.1:${port} (got ${JSON.stringify(headers.host ?? '')})` }
}

/** In constant time. timingSafeEqual needs equal lengths; a token's length is no secret (32 bytes, base64url). */
export function tokensEqual(given: Buffer, token: Buffer): boolean {
  return given.length === token.length && timingSafeEqual(given, token)
}
