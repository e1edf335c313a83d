import { authorityProblem } from './authority.js'

/**
 * A request's absolute URL as its client meant it (RFC 9112 §3.3): the scheme it came over, the
 * absolute-form target as sent, or Host and the origin-form target. A Host that is no authority
 * (a refused request's, RFC 3986 §3.2.2) is percent-encoded, so what a HAR or the inspector
 * shows is still a URL (har-validator checks it) and still says what was sent.
 */
export function absoluteRequestUrl(scheme: string, host: string | undefined, target: string): string {
  if (/^https?:\/\//i.test(target)) return target
  const authority = host === undefined || host === '' ? 'localhost' : authorityProblem(host) === undefined ? host : encodeAuthority(host)
  return `${scheme}://${authority}${target.startsWith('/') ? target : `/${target}`}`
}

function encodeAuthority(host: string): string {
  return host.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=]/g, (c) => [...Buffer.from(c, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''))
}
