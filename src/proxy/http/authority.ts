/**
 * RFC 9112 §3.2 (Host = uri-host [ ":" port ]) and RFC 3986 §3.2.2 (reg-name, IPv4, IP-literal):
 * what may stand where a request names its host. Pure.
 */

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

