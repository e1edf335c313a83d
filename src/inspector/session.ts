import { randomBytes } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { checkHost, tokensEqual, type Denial } from '../control/access.js'

/**
 * Who may use the inspector: a browser that opened a one-time login link (printed by
 * `devproxy start` and `devproxy status`, read from the terminal, never served to a page) and
 * holds the session cookie it was given in exchange. Pure but for the random tokens, so each
 * rule has its own table test.
 */

/**
 * The session cookie's name, per control port: cookies do not keep ports apart (RFC 6265
 * §8.5), so two proxies running side by side (a `start` and a `record`) would otherwise log
 * each other's inspector out.
 */
export function sessionCookieName(port: number): string {
  return `devproxy_inspector_${port}`
}

/**
 * The `Set-Cookie` value. HttpOnly (RFC 6265 §4.1.2.6): no script reads it, not even one that
 * got into the page. SameSite=Strict (RFC 6265bis §4.1.2.7, §8.8): no other site's page can make the
 * browser send it. Path=/ (§4.1.2.4): the UI and the API under /v1 both get it. No Expires:
 * it goes when the browser closes, and the session itself when the proxy stops.
 */
export function sessionCookie(port: number, sessionId: string): string {
  return `${sessionCookieName(port)}=${sessionId}; HttpOnly; SameSite=Strict; Path=/`
}

export interface Sessions {
  /**
   * The login token in force (the `?token=` of the login link): one at a time, valid until it is
   * used, then replaced by a fresh one. Printing the link again (`devproxy status`) changes nothing.
   */
  loginToken(): string
  /** Trades the login token for a new session id, once; undefined for any other token. */
  redeem(loginToken: string): string | undefined
  /** True for a session this proxy issued. */
  isSession(sessionId: string): boolean
}

export interface SessionOptions {
  /** Sessions kept; one more logs the oldest out. Default: 32. */
  readonly maxSessions?: number
}

/** Tokens and session ids: 32 random bytes, base64url (cookie-safe, RFC 6265 §4.1.1). */
const newSecret = () => randomBytes(32).toString('base64url')

export function createSessions(options: SessionOptions = {}): Sessions {
  const maxSessions = options.maxSessions ?? 32
  let login = newSecret()
  let loginBytes = Buffer.from(login)
  const sessions: Buffer[] = []
  return {
    loginToken: () => login,
    redeem(given) {
      if (!tokensEqual(Buffer.from(given), loginBytes)) return undefined
      login = newSecret()
      loginBytes = Buffer.from(login)
      const session = newSecret()
      sessions.push(Buffer.from(session))
      if (sessions.length > maxSessions) sessions.shift()
      return session
    },
    isSession(given) {
      // Every session is compared in constant time, none skipped: how long the answer takes
      // says nothing about how close a guess came.
      const bytes = Buffer.from(given)
      let found = false
      for (const session of sessions) if (tokensEqual(bytes, session)) found = true
      return found
    },
  }
}

/** `http://127.0.0.1:PORT` and the other names of the control server: the inspector's own origins (RFC 6454 §6.2). */
export function isOwnOrigin(origin: string, port: number): boolean {
  const given = origin.toLowerCase()
  return given === `http://127.0.0.1:${port}` || given === `http://localhost:${port}` || given === `http://[::1]:${port}`
}

/** Every value of the cookie `name` (RFC 6265 §5.4: a name may come more than once, from other paths). */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (header === undefined) return []
  const values: string[] = []
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=')
    if (eq !== -1 && pair.slice(0, eq).trim() === name) values.push(pair.slice(eq + 1).trim())
  }
  return values
}

/** Methods a browser always sends with an Origin (Fetch §3.1: any but GET and HEAD). */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD'])

/**
 * The rules for a request carrying the session cookie, in order. Host: a page that re-binds
 * its DNS name to 127.0.0.1 still sends its own name (DNS rebinding). Origin: a page of any
 * other origin is refused (RFC 6454 §7); a browser sends one with every unsafe request, so a
 * POST or DELETE without one did not come from the inspector's page. Last the cookie.
 */
export function checkSession(headers: IncomingHttpHeaders, method: string, port: number, sessions: Sessions): Denial | undefined {
  const wrongOrigin = checkHostAndOrigin(headers, port)
  if (wrongOrigin) return wrongOrigin
  if (headers.origin === undefined && !SAFE_METHODS.has(method)) {
    return { status: 403, type: 'forbidden', message: `${method} with the inspector's cookie needs the Origin header a browser sends` }
  }
  const ids = cookieValues(headers.cookie, sessionCookieName(port))
  if (ids.length === 0) {
    return { status: 401, type: 'unauthorized', message: 'no inspector session: open the inspector URL printed by `devproxy start` or `devproxy status`' }
  }
  if (!ids.some((id) => sessions.isSession(id))) {
    return { status: 401, type: 'unauthorized', message: 'the inspector session is not valid (the proxy restarted?): open the URL printed by `devproxy start` or `devproxy status`' }
  }
  return undefined
}

/** The login link: the right Host, and no page of another origin (it carries none when opened from the terminal). */
export function checkHostAndOrigin(headers: IncomingHttpHeaders, port: number): Denial | undefined {
  const wrongHost = checkHost(headers, port)
  if (wrongHost) return wrongHost
  if (headers.origin !== undefined && !isOwnOrigin(headers.origin, port)) {
    return { status: 403, type: 'forbidden', message: `requests from ${JSON.stringify(headers.origin)} are refused: the inspector answers only its own pages` }
  }
  return undefined
}
