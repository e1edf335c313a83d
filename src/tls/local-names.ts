import { isIPv4, isIPv6 } from 'node:net'
import { domainToASCII } from 'node:url'

/**
 * The names a local CA certifies, parsed and compared the way certificate verifiers compare
 * them (RFC 5280 §4.2.1.10, as OpenSSL and Chromium apply it): DNS names and IP addresses, the
 * subjectAltName entries of a leaf, and DNS suffixes and IP ranges, the permitted subtrees of
 * the CA's name constraints. Pure: no I/O, no X.509 library.
 */

export type LocalName =
  | { readonly kind: 'dns'; readonly name: string }
  /** `address` is the canonical text form (`::1`, not `0:0::1`). */
  | { readonly kind: 'ip'; readonly address: string; readonly bytes: Uint8Array }

/** An IP permitted subtree: an address and a prefix length, host bits zero. */
export interface IpRange {
  readonly network: Uint8Array
  readonly prefix: number
}

/** The permitted subtrees of a name-constrained CA. A type with no entry is unconstrained (RFC 5280). */
export interface PermittedNames {
  /** DNS constraints: `localhost` covers it and its subdomains, `.localhost` subdomains only. */
  readonly dns: readonly string[]
  /** IP ranges; one of CLOSED_IP_RANGES permits nothing (it closes the form). */
  readonly ip: readonly IpRange[]
  /**
   * DNS excluded subtrees (RFC 5280 §4.2.1.10: they win over permitted ones), only ever
   * `.name`: the intercept CA's `api.example.test` without its subdomains. Default: none.
   */
  readonly excludedDns?: readonly string[]
}

/** What every devproxy CA covers: localhost and its subdomains (RFC 6761 §6.3) and loopback. */
export const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'] as const
export const LOCAL_PERMITTED: PermittedNames = {
  dns: ['localhost', '.localhost'],
  ip: [parseIpRangeOrThrow('127.0.0.0/8'), parseIpRangeOrThrow('::1/128')],
}

/**
 * How a CA closes the IP address form: permitted subtrees that no address a TLS client could
 * reach falls in — 255.255.255.255 (limited broadcast, RFC 919; never a TCP peer) and ff00::
 * (a multicast address of reserved scope 0, RFC 4291 §2.7). A permitted subtree rather than an
 * excluded `0.0.0.0/0`: a verifier that honours only permitted subtrees still refuses every
 * real address. devproxy never issues for them either (isPermitted).
 */
export const CLOSED_IP_RANGES: readonly IpRange[] = [parseIpRangeOrThrow('255.255.255.255/32'), parseIpRangeOrThrow('ff00::/128')]

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

/**
 * A host as a user, a config or a TLS client's SNI spells it: `App.Localhost.`, `[::1]`,
 * `münchen.localhost`. DNS names come back lower-case A-labels without the trailing dot.
 */
export function parseHostName(input: string): LocalName | { readonly problem: string } {
  let text = input.trim()
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1)
  const bytes = ipToBytes(text)
  if (bytes !== undefined) return { kind: 'ip', address: formatIp(bytes), bytes }
  if (text.includes('*')) return { problem: `"${input}" is a wildcard; certificates are issued per name, so give the name itself` }
  const name = domainToASCII(text.endsWith('.') ? text.slice(0, -1) : text)
  if (name === '') return { problem: `"${input}" is not a host name` }
  if (name.length > 253) return { problem: `"${input}" is longer than the 253 characters a DNS name may have` }
  const labels = name.split('.')
  const bad = labels.find((label) => !LABEL.test(label))
  if (bad !== undefined) return { problem: `"${input}" is not a host name: each dot-separated part must be 1–63 letters, digits or inner hyphens (got "${bad}")` }
  if (/^\d+$/.test(labels[labels.length - 1]!)) return { problem: `"${input}" is neither an IP address nor a host name (a name cannot end in a number)` }
  return { kind: 'dns', name }
}

/** `10.0.0.0/8`, `fd00::/8`, or a single address (`/32`, `/128` implied). Host bits are cleared. */
export function parseIpRange(input: string): IpRange | undefined {
  const [address = '', prefixText, extra] = input.trim().split('/')
  if (extra !== undefined) return undefined
  const bytes = ipToBytes(address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address)
  if (bytes === undefined) return undefined
  const bits = bytes.length * 8
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN
  if (!(prefix >= 0 && prefix <= bits)) return undefined
  const mask = maskOf(bytes.length, prefix)
  return { network: bytes.map((byte, i) => byte & mask[i]!), prefix }
}

/** Whether the permitted subtrees allow `name` (a type without subtrees is unconstrained). */
export function isPermitted(permitted: PermittedNames, name: LocalName): boolean {
  if (name.kind === 'dns') {
    if ((permitted.excludedDns ?? []).some((constraint) => dnsWithin(name.name, constraint))) return false
    return permitted.dns.length === 0 || permitted.dns.some((constraint) => dnsWithin(name.name, constraint))
  }
  return permitted.ip.length === 0 || permitted.ip.some((range) => !isClosedIpRange(range) && ipWithin(name.bytes, range))
}

/** One of CLOSED_IP_RANGES: written to close the IP form, covering nothing. */
export function isClosedIpRange(range: IpRange): boolean {
  return CLOSED_IP_RANGES.some((closed) => closed.prefix === range.prefix && closed.network.length === range.network.length && closed.network.every((byte, i) => byte === range.network[i]))
}

/** `localhost, *.localhost, 127.0.0.0/8, ::1`: what the CA covers, for messages. */
export function describePermitted(permitted: PermittedNames): string {
  const excluded = new Set(permitted.excludedDns ?? [])
  const dns = permitted.dns.flatMap((constraint) => (constraint.startsWith('.') ? [`*${constraint}`] : excluded.has(`.${constraint}`) ? [constraint] : [constraint, `*.${constraint}`]))
  const ip = permitted.ip.filter((range) => !isClosedIpRange(range)).map(formatIpRange)
  return [...new Set([...dns, ...ip])].join(', ')
}

/**
 * What `permitted` covers beyond localhost and loopback, as `hosts` for a new CA (`myapp.test`,
 * `10.0.0.0/8`): a reissued CA keeps covering what the old one did.
 */
export function extraPermittedHosts(permitted: PermittedNames): string[] {
  const builtInIp = new Set(LOCAL_PERMITTED.ip.map(formatIpRange))
  // A leading-dot constraint is one devproxy writes only for .localhost (built in).
  const dns = permitted.dns.filter((name) => !LOCAL_PERMITTED.dns.includes(name) && !name.startsWith('.'))
  const ip = permitted.ip.map(formatIpRange).filter((range) => !builtInIp.has(range))
  return [...dns, ...ip]
}

/** `127.0.0.0/8`; a single address without its prefix. */
export function formatIpRange(range: IpRange): string {
  const address = formatIp(range.network)
  return range.prefix === range.network.length * 8 ? address : `${address}/${range.prefix}`
}

/** Every group written out (`0:0:0:0:0:0:0:1/128`): the form the ASN.1 encoder parses. */
export function expandIpRange(range: IpRange): string {
  return `${expandIp(range.network)}/${range.prefix}`
}

/** `0:0:0:0:0:0:0:1` for IPv6 (no `::`, no embedded IPv4), dotted quad for IPv4. */
export function expandIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.')
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16))
  return groups.join(':')
}

function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.')
  // The WHATWG URL parser prints IPv6 in its RFC 5952 canonical form.
  return new URL(`http://[${expandIp(bytes)}]`).hostname.slice(1, -1)
}

/** RFC 5280: a DNS constraint is satisfied by the name itself or any name with labels added on the left. */
function dnsWithin(name: string, constraint: string): boolean {
  const base = constraint.toLowerCase()
  if (base === '') return true
  // A leading dot (not in RFC 5280, but honoured by OpenSSL, Chromium, Go): subdomains only.
  if (base.startsWith('.')) return name.length > base.length && name.endsWith(base)
  return name === base || name.endsWith(`.${base}`)
}

function ipWithin(bytes: Uint8Array, range: IpRange): boolean {
  if (bytes.length !== range.network.length) return false
  const mask = maskOf(bytes.length, range.prefix)
  return bytes.every((byte, i) => (byte & mask[i]!) === range.network[i])
}

function maskOf(length: number, prefix: number): Uint8Array {
  const mask = new Uint8Array(length)
  for (let i = 0; i < length; i++) {
    const bits = Math.min(8, Math.max(0, prefix - i * 8))
    mask[i] = (0xff << (8 - bits)) & 0xff
  }
  return mask
}

function ipToBytes(text: string): Uint8Array | undefined {
  if (isIPv4(text)) return Uint8Array.from(text.split('.').map(Number))
  // A zone id (fe80::1%eth0) names an interface, not an address a certificate can hold.
  if (!isIPv6(text) || text.includes('%')) return undefined
  // An embedded IPv4 tail (`::ffff:127.0.0.1`) is the last two groups written as a dotted quad.
  const v6 = text.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`)
  const [left = '', right] = v6.split('::')
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)))
  const before = parse(left)
  const after = right === undefined ? [] : parse(right)
  const groups = right === undefined ? before : [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after]
  const bytes = new Uint8Array(16)
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8
    bytes[i * 2 + 1] = group & 0xff
  })
  return bytes
}

function parseIpRangeOrThrow(text: string): IpRange {
  const range = parseIpRange(text)
  if (range === undefined) throw new Error(`bad built-in IP range ${text}`)
  return range
}
