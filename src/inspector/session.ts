import type { IncomingHttpHeaders } from 'node:http'
import { checkHost, tokensEqual, type Denial } from '../local-api/access.js'
import { newSecret } from '../local-api/secrets.js'
import { SESSION_HEADER } from './api.js'

/**
 * Who may use the inspector: the browser tab that opened a one-time login link (printed by
 * `devproxy start` and `devproxy status`, read from the terminal, never served to a page) and
 * traded its token for a session. The tab keeps the session in its sessionStorage and sends it
 * in the `x-devproxy-session` header on each call; there is no cookie, since a cookie for
 * 127.0.0.1 goes to every server on 127.0.0.1 whatever its port (RFC 6265 §8.5). Pure but for
 * the random tokens, so each rule has its own table test.
 */

export interface Sessions {
  /**
   * The login token in force (the `#token=` of the login link): one at a time, valid until it is
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

export function createSessions(options: SessionOptions = {}): Sessions {
  const maxSessions = options.maxSessions ?? 32
  let login = newSecret('login')
  let loginBytes = Buffer.from(login)
  const sessions: Buffer[] = []
  return {
    loginToken: () => login,
    redeem(given) {
      if (!tokensEqual(Buffer.from(given), loginBytes)) return undefined
      login = newSecret('login')
      loginBytes = Buffer.from(login)
      const session = newSecret('session')
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

/** Methods a browser always sends with an Origin (Fetch §3.1: any but GET and HEAD). */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD'])

/**
 * The rules for a call of the inspector's page, in order. Host: a page that re-binds its DNS
 * name to 127.0.0.1 still sends its own name (DNS rebinding). Origin: a page of any other origin
 * is refused (RFC 6454 §7); a browser sends one with every unsafe request, so a POST or DELETE
 * without one did not come from the inspector's page. Last the session header. A cookie counts
 * for nothing, whatever it holds.
 */
export function checkSession(headers: IncomingHttpHeaders, method: string, port: number, sessions: Sessions): Denial | undefined {
  const wrongOrigin = checkHostAndOrigin(headers, port)
  if (wrongOrigin) return wrongOrigin
  if (headers.origin === undefined && !SAFE_METHODS.has(method)) {
    return { status: 403, type: 'forbidden', message: `${method} from the inspector needs the Origin header a browser sends` }
  }
  const given = headers[SESSION_HEADER]
  if (typeof given !== 'string' || given === '') {
    return { status: 401, type: 'unauthorized', message: 'no inspector session: open the inspector URL printed by `devproxy start` or `devproxy status`' }
  }
  if (!sessions.isSession(given)) {
    return { status: 401, type: 'unauthorized', message: 'the inspector session is not valid (the proxy restarted?): open the URL printed by `devproxy start` or `devproxy status`' }
  }
  return undefined
}

/** The UI's files and the sign-in: the right Host, and no page of another origin (a link opened from the terminal carries none). */
export function checkHostAndOrigin(headers: IncomingHttpHeaders, port: number): Denial | undefined {
  const wrongHost = checkHost(headers, port)
  if (wrongHost) return wrongHost
  if (headers.origin !== undefined && !isOwnOrigin(headers.origin, port)) {
    return { status: 403, type: 'forbidden', message: `requests from ${JSON.stringify(headers.origin)} are refused: the inspector answers only its own pages` }
  }
  return undefined
}
