import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'
import type { HeaderRules } from '../../config/types.js'

/** Pseudonym for `Via` (RFC 9110 §7.6.3) on what the proxy answers itself. */
export const VIA = '1.1 devproxy'

/**
 * The `Via` entry this proxy instance adds: the protocol version it received and a pseudonym
 * carrying the instance id, so a request that comes back round is recognised (RFC 9110
 * §7.6.3: Via is there for loop detection).
 */
export function viaEntry(httpVersion: string, instanceId: string): string {
  return `${RECEIVED_PROTOCOL[httpVersion] ?? '1.1'} ${viaName(instanceId)}`
}

/** Via's received-protocol for each version as Node reports it (HTTP/2's is "2": RFC 9110 §7.6.3, RFC 9113). */
const RECEIVED_PROTOCOL: Readonly<Record<string, string>> = { '1.0': '1.0', '1.1': '1.1', '2.0': '2' }

export function viaName(instanceId: string): string {
  return `devproxy-${instanceId}`
}

/**
 * Hop-by-hop fields (RFC 9110 §7.6.1): they describe one connection and are never forwarded.
 * `proxy-connection` is the non-standard one old clients still send. `Trailer` is not one of
 * them: it announces end-to-end trailer fields, which are relayed.
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade'])

/** The header the proxy reads faults from; it is addressed to the proxy, never forwarded. */
export const FAULT_HEADER = 'x-devproxy-fault'
/**
 * Marks a request the inspector resends, so it can find its transaction (src/inspector/resend.ts).
 * devproxy's own: never forwarded, on HTTP/2 (which has no Connection field to name it in) too.
 */
export const RESEND_HEADER = 'x-devproxy-resend'

const KEEP_ALIVE: ReadonlySet<string> = new Set(['keep-alive'])
const CLOSE: ReadonlySet<string> = new Set(['close'])

/** The header names a `Connection` header declares hop-by-hop, lower-cased. */
export function connectionTokens(value: string | string[] | undefined): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined
  // Nearly every request says one of these two; no need to split and build a set for them.
  if (value === 'keep-alive' || value === 'Keep-Alive') return KEEP_ALIVE
  if (value === 'close' || value === 'Close') return CLOSE
  const tokens = new Set<string>()
  for (const part of (Array.isArray(value) ? value.join(',') : value).split(',')) {
    const token = part.trim().toLowerCase()
    if (token) tokens.add(token)
  }
  return tokens
}

/** How the forwarded request's body is framed: decided by the proxy, never copied from the client. */
export type Framing =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' }

export const NO_BODY: Framing = { kind: 'none' }
export const CHUNKED: Framing = { kind: 'chunked' }

/** `::ffff:127.0.0.1` → `127.0.0.1`: the mapped form is an artefact of dual-stack sockets. */
export function clientAddress(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown'
  return remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress
}

/**
 * A raw list as the object the log, diffs and HAR read: lower-case names, repeated fields as an
 * array (set-cookie) or joined with `, ` (RFC 9110 §5.3).
 */
export function headersObject(raw: readonly string[]): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {}
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!.toLowerCase()
    const value = raw[i + 1]!
    const existing = out[key]
    if (existing === undefined) out[key] = value
    else if (key === 'set-cookie') out[key] = Array.isArray(existing) ? [...existing, value] : [String(existing), value]
    else out[key] = `${existing}, ${value}`
  }
  return out
}

/** A raw list (`[name, value, …]`) as `[name, value]` pairs, e.g. for `addTrailers`. */
export function rawPairs(raw: readonly string[]): [string, string][] {
  const pairs: [string, string][] = []
  for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!])
  return pairs
}

export function applyRules(headers: OutgoingHttpHeaders, rules: Readonly<HeaderRules>): void {
  for (const key in rules) {
    const value = rules[key]
    if (value === null || value === undefined) delete headers[key]
    else headers[key] = value
  }
}

export function appendList(existing: string | string[] | number | undefined, value: string): string {
  if (existing === undefined || existing === '') return value
  return `${Array.isArray(existing) ? existing.join(', ') : existing}, ${value}`
}
