import type { IncomingHttpHeaders } from 'node:http'
import { describe, expect, it } from 'vitest'
import { checkHostAndOrigin, checkSession, cookieValues, createSessions, isOwnOrigin, sessionCookie, sessionCookieName } from '../../src/inspector/session.js'

/**
 * Who may use the inspector: a one-time login link traded for a session cookie, then Host,
 * Origin and cookie checked on every request. Each rule is a row.
 */

const PORT = 41234

describe('the session cookie', () => {
  const cookie = sessionCookie(PORT, 'abc')
  const attributes = cookie.split('; ').slice(1)

  it.each([
    ['HttpOnly: no script reads it (RFC 6265 §4.1.2.6)', 'HttpOnly'],
    ['SameSite=Strict: no other site can make the browser send it (RFC 6265bis §4.1.2.7, §8.8)', 'SameSite=Strict'],
    ['Path=/: the UI and the API under /v1 both get it (RFC 6265 §4.1.2.4)', 'Path=/'],
  ])('%s', (_rule, attribute) => {
    expect(attributes).toContain(attribute)
  })

  it('has no Expires or Max-Age: it lasts the browser session (RFC 6265 §4.1.2.1, §4.1.2.2)', () => {
    expect(cookie).not.toMatch(/expires|max-age/i)
  })

  it('is named per control port, since cookies do not keep ports apart (RFC 6265 §8.5)', () => {
    expect(cookie.startsWith(`${sessionCookieName(PORT)}=abc;`)).toBe(true)
    expect(sessionCookieName(PORT)).not.toBe(sessionCookieName(PORT + 1))
  })
})

describe('the login token', () => {
  it('is 32 random bytes, base64url (cookie-safe, RFC 6265 §4.1.1), and stays the same until used', () => {
    const sessions = createSessions()
    expect(sessions.loginToken()).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(sessions.loginToken()).toBe(sessions.loginToken())
    expect(createSessions().loginToken()).not.toBe(sessions.loginToken())
  })

  it('is traded once for a session, then replaced by a fresh one', () => {
    const sessions = createSessions()
    const token = sessions.loginToken()
    const session = sessions.redeem(token)
    expect(session).toMatch(/^[A-Za-z0-9_-]{43}$/)
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

describe('cookieValues (RFC 6265 §5.4: a name may come more than once)', () => {
  it.each<[string | undefined, string[]]>([
    [undefined, []],
    ['', []],
    ['a=1', ['1']],
    ['x=0; a=1; b=2', ['1']],
    ['a=1;a=2', ['1', '2']],
    ['  a = 1 ', ['1']],
    ['aa=1; a', []],
  ])('%j → %j', (header, values) => {
    expect(cookieValues(header, 'a')).toEqual(values)
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

describe('checkSession: Host, then Origin, then the cookie', () => {
  const sessions = createSessions()
  const session = sessions.redeem(sessions.loginToken())!
  const good: IncomingHttpHeaders = { host: `127.0.0.1:${PORT}`, cookie: `${sessionCookieName(PORT)}=${session}` }

  it.each<[string, IncomingHttpHeaders, string, number | undefined]>([
    ['the cookie, no Origin (a same-origin GET)', good, 'GET', undefined],
    ['the cookie and its own Origin', { ...good, origin: `http://127.0.0.1:${PORT}` }, 'GET', undefined],
    ['Host localhost:PORT', { ...good, host: `localhost:${PORT}` }, 'GET', undefined],
    ['Host [::1]:PORT', { ...good, host: `[::1]:${PORT}` }, 'GET', undefined],
    ['a POST with its own Origin', { ...good, origin: `http://localhost:${PORT}` }, 'POST', undefined],
    ['a stale cookie of the same name beside the live one', { ...good, cookie: `${sessionCookieName(PORT)}=old; ${sessionCookieName(PORT)}=${session}` }, 'GET', undefined],
    ['a foreign Host (DNS rebinding)', { ...good, host: `evil.example:${PORT}` }, 'GET', 403],
    ['a Host without the port', { ...good, host: '127.0.0.1' }, 'GET', 403],
    ['no Host', { cookie: good.cookie }, 'GET', 403],
    ['a foreign Origin (RFC 6454 §7)', { ...good, origin: 'http://evil.example' }, 'GET', 403],
    ['Origin null (a sandboxed frame, a file: page)', { ...good, origin: 'null' }, 'GET', 403],
    ['the Origin of another local port', { ...good, origin: `http://127.0.0.1:${PORT + 1}` }, 'POST', 403],
    ['a POST without Origin (browsers always send one, Fetch §3.1)', good, 'POST', 403],
    ['a DELETE without Origin', good, 'DELETE', 403],
    ['no cookie', { host: good.host }, 'GET', 401],
    ['the cookie of another port', { host: good.host, cookie: `${sessionCookieName(PORT + 1)}=${session}` }, 'GET', 401],
    ['a session this proxy never issued', { ...good, cookie: `${sessionCookieName(PORT)}=${'x'.repeat(43)}` }, 'GET', 401],
    ['the login token as a cookie', { ...good, cookie: `${sessionCookieName(PORT)}=${sessions.loginToken()}` }, 'GET', 401],
  ])('%s', (_what, headers, method, status) => {
    expect(checkSession(headers, method, PORT, sessions)?.status).toBe(status)
  })

  it('a foreign Host is refused before the cookie is looked at', () => {
    expect(checkSession({ host: 'evil.example' }, 'GET', PORT, sessions)?.message).toMatch(/Host/)
  })
})

describe('checkHostAndOrigin: the login link', () => {
  it.each<[string, IncomingHttpHeaders, number | undefined]>([
    ['opened from the terminal: no Origin', { host: `127.0.0.1:${PORT}` }, undefined],
    ['its own Origin', { host: `127.0.0.1:${PORT}`, origin: `http://127.0.0.1:${PORT}` }, undefined],
    ['a foreign Host', { host: `devproxy.example:${PORT}` }, 403],
    ['a foreign Origin', { host: `127.0.0.1:${PORT}`, origin: 'http://evil.example' }, 403],
  ])('%s', (_what, headers, status) => {
    expect(checkHostAndOrigin(headers, PORT)?.status).toBe(status)
  })
})
