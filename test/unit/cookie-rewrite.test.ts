import { describe, expect, it } from 'vitest'
import type { CookieRewrite } from '../../src/config/types.js'
import { rewriteSetCookie } from '../../src/proxy/respond/cookie-rewrite.js'

const cookie = 'sid=abc123; Domain=api.internal; Path=/api; HttpOnly; SameSite=Lax'

describe('rewriteSetCookie: cookieDomainRewrite / cookiePathRewrite (http-proxy-middleware semantics, RFC 6265 §4.1 attributes)', () => {
  it.each([
    { case: 'a string replaces every Domain', domain: 'localhost', path: undefined, expected: 'sid=abc123; Domain=localhost; Path=/api; HttpOnly; SameSite=Lax' },
    { case: "'' drops the Domain attribute (a host-only cookie)", domain: '', path: undefined, expected: 'sid=abc123; Path=/api; HttpOnly; SameSite=Lax' },
    { case: 'a map rewrites the domains it names', domain: { 'api.internal': 'app.localhost' }, path: undefined, expected: 'sid=abc123; Domain=app.localhost; Path=/api; HttpOnly; SameSite=Lax' },
    { case: 'a map leaves other domains alone', domain: { 'other.example': 'x' }, path: undefined, expected: cookie },
    { case: "'*' in a map matches any domain", domain: { '*': 'localhost' }, path: undefined, expected: 'sid=abc123; Domain=localhost; Path=/api; HttpOnly; SameSite=Lax' },
    { case: 'a path string replaces Path', domain: undefined, path: '/', expected: 'sid=abc123; Domain=api.internal; Path=/; HttpOnly; SameSite=Lax' },
    { case: 'both at once', domain: '', path: { '/api': '/' }, expected: 'sid=abc123; Path=/; HttpOnly; SameSite=Lax' },
    { case: 'no rules: untouched', domain: undefined, path: undefined, expected: cookie },
  ] as Array<{ case: string; domain: CookieRewrite | undefined; path: CookieRewrite | undefined; expected: string }>)('$case', ({ domain, path, expected }) => {
    expect(rewriteSetCookie(cookie, { domain, path })).toBe(expected)
  })

  it('attribute names in any case; the value of the cookie itself is never touched, even if it reads like an attribute', () => {
    expect(rewriteSetCookie('q=Domain=x; domain=A.example; PATH=/p', { domain: 'b.localhost', path: '/' })).toBe('q=Domain=x; domain=b.localhost; PATH=/')
  })

  it('a cookie without the attribute is not given one', () => {
    expect(rewriteSetCookie('a=1; Secure', { domain: 'localhost', path: '/' })).toBe('a=1; Secure')
  })

  it('attributes it does not rewrite, known or not, and the spacing go as they came', () => {
    const line = 'sid="a%20b";Domain=api.internal;  Priority=High; Partitioned; X-App=v=1;'
    expect(rewriteSetCookie(line, { domain: 'localhost', path: '/' })).toBe('sid="a%20b"; Domain=localhost;  Priority=High; Partitioned; X-App=v=1;')
  })
})
