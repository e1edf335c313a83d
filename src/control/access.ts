import { timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

/**
 * Who may drive the control API: a local process that read the token from the state file.
 * Pure, so each rule has its own table test.
 */

export interface Denial {
  readonly status: 401 | 403
  readonly type: 'unauthorized' | 'forbidden'
  readonly message: string
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
  if (host === `127.0.0.1:${port}` || host === `localhost:${port}` || host === `[::1]:${port}`) return undefined
  return { status: 403, type: 'forbidden', message: `the Host header must be 127.0.0.1:${port} (got ${JSON.stringify(headers.host ?? '')})` }
}

/** In constant time. timingSafeEqual needs equal lengths; a token's length is no secret (32 bytes, base64url). */
export function tokensEqual(given: Buffer, token: Buffer): boolean {
  return given.length === token.length && timingSafeEqual(given, token)
}
