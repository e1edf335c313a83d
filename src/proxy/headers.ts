import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'
import type { HeaderRules } from '../config/types.js'

/** Pseudonym for `Via` (RFC 9110 §7.6.3). */
export const VIA = '1.1 devproxy'

/**
 * Hop-by-hop fields (RFC 9110 §7.6.1): they describe one connection and are never forwarded.
 * `proxy-connection` is the non-standard one old clients still send.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

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

function copyEndToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = connectionTokens(headers.connection)
  const out: OutgoingHttpHeaders = {}
  for (const key in headers) {
    if (HOP_BY_HOP.has(key) || named?.has(key)) continue
    out[key] = headers[key]
  }
  return out
}

export function applyRules(headers: OutgoingHttpHeaders, rules: Readonly<HeaderRules>): void {
  for (const key in rules) {
    const value = rules[key]
    if (value === null || value === undefined) delete headers[key]
    else headers[key] = value
  }
}

function appendList(existing: string | string[] | number | undefined, value: string): string {
  if (existing === undefined || existing === '') return value
  return `${Array.isArray(existing) ? existing.join(', ') : existing}, ${value}`
}

/** `::ffff:127.0.0.1` → `127.0.0.1`: the mapped form is an artefact of dual-stack sockets. */
export function clientAddress(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown'
  return remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress
}

export interface ForwardHeaderContext {
  readonly clientIp: string
  /** `Host` to send instead of the client's (changeOrigin), or undefined to keep it. */
  readonly targetHost: string | undefined
  /** WebSocket upgrades keep `Connection: upgrade` and `Upgrade`, which the handshake needs. */
  readonly upgrade: boolean
  readonly rules: Readonly<HeaderRules>
  readonly attempt: number
}

/**
 * The request headers sent upstream: end-to-end fields copied, X-Forwarded-* and Via
 * added, then the route's rules (the user has the last word), then the attempt number.
 */
export function buildForwardHeaders(received: IncomingHttpHeaders, ctx: ForwardHeaderContext): OutgoingHttpHeaders {
  const out = copyEndToEnd(received)
  // The proxy already answered `Expect: 100-continue` itself (Node does when no
  // checkContinue listener is set), so the upstream must not wait for a second go-ahead.
  delete out.expect
  // Keep chunked framing: Node's client re-chunks only when told to, and a body without a
  // length would otherwise be sent unframed.
  if (received['transfer-encoding'] !== undefined) out['transfer-encoding'] = 'chunked'
  if (ctx.upgrade) {
    out.connection = 'upgrade'
    out.upgrade = received.upgrade
  }
  out['x-forwarded-for'] = appendList(received['x-forwarded-for'], ctx.clientIp)
  out['x-forwarded-proto'] = 'http'
  if (received.host !== undefined) out['x-forwarded-host'] = received.host
  out.via = appendList(received.via, VIA)
  if (ctx.targetHost !== undefined) out.host = ctx.targetHost
  applyRules(out, ctx.rules)
  out['x-devproxy-attempt'] = String(ctx.attempt)
  return out
}

/** The response headers sent to the client: end-to-end fields, Via, then the route's rules. */
export function buildResponseHeaders(received: IncomingHttpHeaders, rules: Readonly<HeaderRules>): OutgoingHttpHeaders {
  const out = copyEndToEnd(received)
  out.via = appendList(received.via, VIA)
  applyRules(out, rules)
  return out
}
