import type { HeaderRules } from '../../config/types.js'
import { cookieFieldPairs } from '../../cookies/read-cookies.js'
import { appendList, connectionTokens, FAULT_HEADER, HOP_BY_HOP, RESEND_HEADER, type Framing } from '../http/fields.js'

/**
 * Fields a client's `Connection` list can never remove: the proxy frames the forwarded message
 * itself, and Host says where it is going. Dropping them because a client named them is how a
 * body goes out unframed and the upstream runs a request nobody routed.
 */
const NEVER_CONNECTION_SCOPED = new Set(['host', 'content-length', 'transfer-encoding'])

export interface ForwardHeaderContext {
  readonly clientIp: string
  /** How the client reached the proxy: X-Forwarded-Proto. */
  readonly scheme: 'http' | 'https'
  /** `Host` to send instead of the client's (changeOrigin), or undefined to keep it. */
  readonly targetHost: string | undefined
  /**
   * The authority of an absolute-form request target (`GET http://host/path`), which replaces
   * the client's Host (RFC 9112 §3.2.2); undefined for origin form.
   */
  readonly requestHost?: string | undefined
  /** WebSocket upgrades keep `Connection: upgrade` and `Upgrade`, which the handshake needs. */
  readonly upgrade: boolean
  readonly rules: Readonly<HeaderRules>
  readonly attempt: number
  /** This proxy's `Via` entry (viaEntry). */
  readonly via: string
  /** The body framing to declare; the client's Content-Length / Transfer-Encoding are dropped. */
  readonly framing: Framing
  /** Forward `Expect: 100-continue` (the upstream decides); false when the proxy answered it. */
  readonly expect: boolean
}

/**
 * The request head sent upstream, as a raw list (`[name, value, …]`) in the client's order and
 * letter case: end-to-end fields copied, hop-by-hop ones and those named in `Connection` dropped,
 * X-Forwarded-* and Via added, then the route's rules (the user has the last word), then the
 * attempt number and the framing, which is always the proxy's own.
 */
export function buildForwardHeaders(raw: readonly string[], ctx: ForwardHeaderContext): string[] {
  const named = connectionTokens(valuesOf(raw, 'connection'))
  const out: string[] = []
  let forwardedFor = -1
  let via = -1
  let host: string | undefined
  let lengthName = 'Content-Length'
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    const lower = name.toLowerCase()
    if (HOP_BY_HOP.has(lower)) continue
    if (named?.has(lower) && !NEVER_CONNECTION_SCOPED.has(lower)) continue
    switch (lower) {
      case 'content-length':
        lengthName = name
        continue
      case 'expect':
        if (!ctx.expect) continue
        break
      case FAULT_HEADER:
      case RESEND_HEADER:
      case 'x-devproxy-attempt':
      case 'x-forwarded-proto':
      case 'x-forwarded-host':
        continue
      case 'trailer':
        // Trailer fields need chunked framing (RFC 9112 §7.1.2).
        if (ctx.framing.kind !== 'chunked') continue
        break
      case 'x-forwarded-for':
      case 'via': {
        // Several fields are one list (RFC 9110 §5.3): keep it as one, where it first stood.
        const at = lower === 'via' ? via : forwardedFor
        if (at !== -1) {
          out[at] = appendList(out[at], raw[i + 1]!)
          continue
        }
        if (lower === 'via') via = out.length + 1
        else forwardedFor = out.length + 1
        break
      }
      case 'cookie': {
        // The inspector's session cookie reaches every 127.0.0.1 port a browser visits (cookies
        // ignore ports, RFC 6265 §8.5): it is devproxy's, never the app's, so it is not forwarded.
        const value = raw[i + 1]!
        if (!value.includes(INSPECTOR_COOKIE)) break
        const kept = withoutInspectorCookie(value)
        if (kept !== '') out.push(name, kept)
        continue
      }
      case 'host':
        if (host !== undefined) continue
        host = ctx.requestHost ?? raw[i + 1]!
        out.push(name, ctx.targetHost ?? host)
        continue
    }
    out.push(name, raw[i + 1]!)
  }
  if (ctx.upgrade) {
    const upgrade = valuesOf(raw, 'upgrade')
    out.push('Connection', 'upgrade')
    if (upgrade !== undefined) out.push('Upgrade', Array.isArray(upgrade) ? upgrade.join(', ') : upgrade)
  }
  if (host === undefined && (ctx.targetHost ?? ctx.requestHost) !== undefined) {
    host = ctx.requestHost
    out.push('Host', (ctx.targetHost ?? ctx.requestHost)!)
  }
  if (forwardedFor === -1) out.push('X-Forwarded-For', ctx.clientIp)
  else out[forwardedFor] = appendList(out[forwardedFor], ctx.clientIp)
  out.push('X-Forwarded-Proto', ctx.scheme)
  if (host !== undefined) out.push('X-Forwarded-Host', host)
  if (via === -1) out.push('Via', ctx.via)
  else out[via] = appendList(out[via], ctx.via)
  applyRawRules(out, ctx.rules)
  out.push('x-devproxy-attempt', String(ctx.attempt))
  if (ctx.framing.kind === 'length') out.push(lengthName, String(ctx.framing.length))
  else if (ctx.framing.kind === 'chunked') out.push('Transfer-Encoding', 'chunked')
  return out
}

/** The prefix of the inspector's session cookie names (`devproxy_inspector_<port>`, src/inspector/session.ts). */
const INSPECTOR_COOKIE = 'devproxy_inspector_'

/**
 * A Cookie field value without the inspector's pairs, the others as sent, joined by `; `
 * (RFC 6265 §4.2.1). A pair is the inspector's by its name: a nameless cookie of the app's whose
 * value begins `devproxy_inspector_` is forwarded.
 */
export function withoutInspectorCookie(value: string): string {
  return cookieFieldPairs(value)
    .filter(({ name }) => !name.startsWith(INSPECTOR_COOKIE))
    .map(({ pair }) => pair)
    .join('; ')
}

/** Route rules on a raw list: `null` removes every field of that name, a string replaces them. */
function applyRawRules(out: string[], rules: Readonly<HeaderRules>): void {
  for (const key in rules) {
    for (let i = out.length - 2; i >= 0; i -= 2) if (out[i]!.toLowerCase() === key) out.splice(i, 2)
    const value = rules[key]
    if (value !== null && value !== undefined) out.push(key, value)
  }
}

/** A field's value(s) in a raw list, as Node would give them (undefined, one, or several). */
function valuesOf(raw: readonly string[], lower: string): string | string[] | undefined {
  let found: string | string[] | undefined
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length !== lower.length || raw[i]!.toLowerCase() !== lower) continue
    const value = raw[i + 1]!
    found = found === undefined ? value : Array.isArray(found) ? [...found, value] : [found, value]
  }
  return found
}

