import type { OutgoingHttpHeaders } from 'node:http'
import type { CookieRewrite, ResolvedCookieRewrites as CookieRewrites } from '../../config/types.js'

/**
 * `cookieDomainRewrite` / `cookiePathRewrite`, as http-proxy-middleware and Vite's proxy have
 * them: a Set-Cookie from `api.internal` made to stick to the domain (or path) the browser
 * actually talks to. Pure: one Set-Cookie value in, the rewritten one out.
 *
 * A rule is a string (every Domain/Path attribute becomes it; '' drops the attribute) or a map
 * from the value received to the value to send, `'*'` matching any. An attribute that no rule
 * names, and a cookie without the attribute, are left as they are.
 */

/** Every Set-Cookie of a response rewritten; `headers` is the response's own (buildResponseHeaders' result). */
export function rewriteSetCookies(headers: OutgoingHttpHeaders, rewrites: CookieRewrites): void {
  const cookies = headers['set-cookie']
  if (cookies === undefined) return
  headers['set-cookie'] = Array.isArray(cookies) ? cookies.map((cookie) => rewriteSetCookie(cookie, rewrites)) : rewriteSetCookie(String(cookies), rewrites)
}

/**
 * `name=value; Domain=x; Path=/y; …` with the Domain and Path attributes rewritten (RFC 6265 §4.1).
 *
 * Cut at its ';' here rather than read by the `cookie` package (src/cookies/read-cookies.ts):
 * its parseSetCookie answers an object of the attributes it knows, so serializing that again
 * would drop an attribute it does not (a new one, an app's own), re-encode the value and
 * re-space the line. Only the rewritten attribute changes; every other byte goes as it came.
 */
export function rewriteSetCookie(value: string, rewrites: CookieRewrites): string {
  const parts = value.split(';')
  const out: string[] = [parts[0]!]
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!
    const eq = part.indexOf('=')
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase()
    const rule = name === 'domain' ? rewrites.domain : name === 'path' ? rewrites.path : undefined
    if (rule === undefined) {
      out.push(part)
      continue
    }
    const current = eq === -1 ? '' : part.slice(eq + 1).trim()
    const next = rewriteValue(current, rule)
    if (next === undefined) out.push(part)
    else if (next !== '') out.push(` ${part.slice(0, eq === -1 ? part.length : eq).trim()}=${next}`)
  }
  return out.join(';')
}

/** The new value, '' to drop the attribute, or undefined to leave it as it is. */
function rewriteValue(current: string, rule: CookieRewrite): string | undefined {
  if (typeof rule === 'string') return rule
  return Object.hasOwn(rule, current) ? rule[current] : Object.hasOwn(rule, '*') ? rule['*'] : undefined
}
