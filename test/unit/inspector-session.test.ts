import type { IncomingHttpHeaders } from 'node:http'
import { describe, expect, it } from 'vitest'
import { SESSION_HEADER } from '../../src/inspector/api.js'
import { checkHostAndOrigin, checkSession, createSessions, isOwnOrigin } from '../../src/inspector/session.js'

/**
 * Who may use the inspector: a one-time login link traded for a session the tab sends in a
 * header (never a cookie: cookies ignore ports, RFC 6265 §8.5), then Host, Origin and the
 * session checked on every request. Each rule is a row.
 */

const PORT = 41234

describe('the login token', () => {
  it('is 32 random bytes, base64url, named for what it is (secrets.ts), and stays the same until used', () => {
    const sessions = createSessions()
    expect(sessions.loginToken()).toMatch(/^devproxy_login_[A-Za-z0-9_-]{43}$/)
    expect(sessions.loginToken()).toBe(sessions.loginToken())
    expect(createSessions().loginToken()).not.toBe(sessions.loginToken())
  })

  it('is traded once for a session, then replaced by a fresh one', () => {
    const sessions = createSessions()
    const token = sessions.loginToken()
    const session = sessions.redeem(token)
    expect(session).toMatch(/^devproxy_session_[A-Za-z0-9_-]{43}$/)
    expect(sessions.isSession(session!)).toBe(true)
    expect(sessions.redeem(token)).toBeUndefined()
    expect(sessions.loginToken()).not.toBe(token)
    expect(sessions.redeem(sessions.loginToken())).not.toBe(session)
  })

  it.each([
    ['empty', () => ''],
    ['one character off', (token: string) => `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`],
    ['a prefix', (token: string) => token.slice(0, 10)],
    ['longer', (token: string) => `${token}x`],
  ])('%s: no session', (_what, guess) => {
    const sessions = createSessions()
    expect(sessions.redeem(guess(sessions.loginToken()))).toBeUndefined()
  })

  it('a session id is no login token, and a login token no session', () => {
    const sessions = createSessions()
    const token = sessions.loginToken()
    expect(sessions.isSession(token)).toBe(false)
    const session = sessions.redeem(token)!
    expect(sessions.redeem(session)).toBeUndefined()
  })

  it('keeps at most maxSessions sessions: one more logs the oldest out', () => {
    const sessions = createSessions({ maxSessions: 2 })
    const ids = [1, 2, 3].map(() => sessions.redeem(sessions.loginToken())!)
    expect(ids.map((id) => sessions.isSession(id))).toEqual([false, true, true])
  })
})

describe('isOwnOrigin (RFC 6454 §6.2: scheme, host and port, serialized)', () => {
  it.each([
    [`http://127.0.0.1:${PORT}`, true],
    [`http://localhost:${PORT}`, true],
    [`http://[::1]:${PORT}`, true],
    [`HTTP://LOCALHOST:${PORT}`, true],
    [`http://127.0.0.1:${PORT + 1}`, false],
    [`https://127.0.0.1:${PORT}`, false],
    ['http://127.0.0.1', false],
    ['http://evil.example', false],
    ['null', false],
  ])('%s: %s', (origin, own) => {
    expect(isOwnOrigin(origin, PORT)).toBe(own)
  })
})

describe('checkSession: Host, then Origin, then the session header', () => {
  const sessions = createSessions()
  const session = sessions.redeem(sessions.loginToken())!
  const good: IncomingHttpHeaders = { host: `127.0.0.1:${PORT}`, [SESSION_HEADER]: session }
  const oldCookie = `devproxy_inspector_${PORT}=${session}`

  it.each<[string, IncomingHttpHeaders, string, number | undefined]>([
    ['the session, no Origin (a same-origin GET)', good, 'GET', undefined],
    ['the session and its own Origin', { ...good, origin: `http://127.0.0.1:${PORT}` }, 'GET', undefined],
    ['Host localhost:PORT', { ...good, host: `localhost:${PORT}` }, 'GET', undefined],
    ['Host [::1]:PORT', { ...good, host: `[::1]:${PORT}` }, 'GET', undefined],
    ['a POST with its own Origin', { ...good, origin: `http://localhost:${PORT}` }, 'POST', undefined],
    ['a foreign Host (DNS rebinding)', { ...good, host: `evil.example:${PORT}` }, 'GET', 403],
    ['a Host without the port', { ...good, host: '127.0.0.1' }, 'GET', 403],
    ['no Host', { [SESSION_HEADER]: session }, 'GET', 403],
    ['a foreign Origin (RFC 6454 §7)', { ...good, origin: 'http://evil.example' }, 'GET', 403],
    ['Origin null (a sandboxed frame, a file: page)', { ...good, origin: 'null' }, 'GET', 403],
    ['the Origin of another local port', { ...good, origin: `http://127.0.0.1:${PORT + 1}` }, 'POST', 403],
    ['a POST without Origin (browsers always send one, Fetch §3.1)', good, 'POST', 403],
    ['a DELETE without Origin', good, 'DELETE', 403],
    ['no session', { host: good.host }, 'GET', 401],
    ['an empty session header', { ...good, [SESSION_HEADER]: '' }, 'GET', 401],
    ['a session this proxy never issued', { ...good, [SESSION_HEADER]: `devproxy_session_${'x'.repeat(43)}` }, 'GET', 401],
    ['the login token as the session', { ...good, [SESSION_HEADER]: sessions.loginToken() }, 'GET', 401],
    ['the session sent twice (joined by the parser)', { ...good, [SESSION_HEADER]: `${session}, ${session}` }, 'GET', 401],
    // RFC 6265 §8.5: a cookie for 127.0.0.1 reaches every port, so a cookie opens nothing, whatever it holds.
    ['the session in the old cookie, no header', { host: good.host, cookie: oldCookie }, 'GET', 401],
    ['the session in the old cookie, with its own Origin', { host: good.host, origin: `http://127.0.0.1:${PORT}`, cookie: oldCookie }, 'POST', 401],
    ['the session as a bearer token', { host: good.host, authorization: `Bearer ${session}` }, 'GET', 401],
  ])('%s', (_what, headers, method, status) => {
    expect(checkSession(headers, method, PORT, sessions)?.status).toBe(status)
  })

  it('a foreign Host is refused before the session is looked at', () => {
    expect(checkSession({ host: 'evil.example' }, 'GET', PORT, sessions)?.message).toMatch(/Host/)
  })
})

describe('checkHostAndOrigin: the UI files and the sign-in', () => {
  it.each<[string, IncomingHttpHeaders, number | undefined]>([
    ['opened from the terminal: no Origin', { host: `127.0.0.1:${PORT}` }, undefined],
    ['its own Origin', { host: `127.0.0.1:${PORT}`, origin: `http://127.0.0.1:${PORT}` }, undefined],
    ['a foreign Host', { host: `devproxy.example:${PORT}` }, 403],
    ['a foreign Origin', { host: `127.0.0.1:${PORT}`, origin: 'http://evil.example' }, 403],
  ])('%s', (_what, headers, status) => {
    expect(checkHostAndOrigin(headers, PORT)?.status).toBe(status)
  })
})
