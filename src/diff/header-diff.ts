import { setCookieName } from '../cookies/read-cookies.js'
import type { Palette } from '../terminal/palette.js'
import { toDisplay } from './text-diff.js'

/** The header maps Node hands out and accepts (`IncomingHttpHeaders`, `OutgoingHttpHeaders`). */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | number | undefined>>

export interface HeaderChange {
  readonly op: '+' | '-' | '~'
  /** Lower-cased. */
  readonly name: string
  readonly before?: string
  readonly after?: string
}

export interface HeaderDiffOptions {
  /** Header names to leave out of the diff, any case. Default: none. */
  readonly ignore?: readonly string[]
}

/** Header values are shortened past this many characters. */
const MAX_VALUE_CHARS = 120

const ORDER = { '-': 0, '~': 1, '+': 2 } as const

/**
 * What changed between two header maps: names compared case-insensitively, lists joined with
 * `, ` (RFC 9110 §5.3). Sorted removed, changed, added, each by name.
 *
 * `set-cookie` is the exception: its values cannot be joined (RFC 6265 §3), so each cookie is
 * its own change, paired with the cookie of the same name on the other side.
 */
export function diffHeaders(before: HeaderMap, after: HeaderMap, options: HeaderDiffOptions = {}): HeaderChange[] {
  const ignored = new Set(options.ignore?.map((name) => name.toLowerCase()))
  const was = normalizeHeaders(before)
  const now = normalizeHeaders(after)
  const changes: HeaderChange[] = []
  for (const name of new Set([...was.keys(), ...now.keys()])) {
    if (ignored.has(name)) continue
    const values = [was.get(name) ?? [], now.get(name) ?? []] as const
    changes.push(...(name === 'set-cookie' ? diffCookies(...values) : diffValues(name, ...values)))
  }
  // Array.prototype.sort is stable, so cookies keep their order within one name.
  return changes.sort((a, b) => ORDER[a.op] - ORDER[b.op] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** Lower-cased names to their values; names that differ only in case are merged. */
function normalizeHeaders(headers: HeaderMap): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const name = key.toLowerCase()
    const values = typeof value === 'object' ? value.map(String) : [String(value)]
    out.set(name, [...(out.get(name) ?? []), ...values])
  }
  return out
}

function diffValues(name: string, was: readonly string[], now: readonly string[]): HeaderChange[] {
  const before = was.join(', ')
  const after = now.join(', ')
  if (was.length === 0) return [{ op: '+', name, after }]
  if (now.length === 0) return [{ op: '-', name, before }]
  return before === after ? [] : [{ op: '~', name, before, after }]
}

/** Pairs cookies by name (src/cookies/read-cookies.ts: `theme-dark; Path=/` sets the nameless cookie), in order, so a changed value reads as one `~` rather than `-` and `+`. */
function diffCookies(before: readonly string[], after: readonly string[]): HeaderChange[] {
  const name = 'set-cookie'
  const unmatched = [...after]
  const changes: HeaderChange[] = []
  for (const cookie of before) {
    const exact = unmatched.indexOf(cookie)
    const index = exact >= 0 ? exact : unmatched.findIndex((candidate) => setCookieName(candidate) === setCookieName(cookie))
    if (index < 0) {
      changes.push({ op: '-', name, before: cookie })
      continue
    }
    const [match] = unmatched.splice(index, 1)
    if (match !== undefined && match !== cookie) changes.push({ op: '~', name, before: cookie, after: match })
  }
  for (const cookie of unmatched) changes.push({ op: '+', name, after: cookie })
  return changes
}

/** What `isStandardRewrite` needs to know of the message the change was made to. */
export interface RewriteContext {
  /** `request`: client → upstream; `response`: upstream → client. */
  readonly direction: 'request' | 'response'
  /** The headers as received: their `Connection` names more hop-by-hop fields, their `Host` is X-Forwarded-Host. */
  readonly received: HeaderMap
  /** The client's address, which X-Forwarded-For gains. */
  readonly clientIp: string
}

/** Hop-by-hop fields (RFC 9110 §7.6.1), never forwarded. */
const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade'])

/** A request field the proxy drops: its own fault header, `Expect` it answered, `Trailer` without chunks. */
const DROPPED_FROM_REQUEST: ReadonlySet<string> = new Set(['x-devproxy-fault', 'expect', 'trailer', 'content-length'])

/** This proxy's Via entry, `1.1 devproxy-3f9a2c1e` (or `1.1 devproxy` on its own answers). */
const VIA_ENTRY = /^1\.[01] devproxy(-[\w-]+)?$/

/**
 * Whether a change is one the proxy makes to every message (RFC 9110 §7.6): hop-by-hop fields
 * and those named in `Connection` removed, `Via` appended, `X-Forwarded-For` appended,
 * `X-Forwarded-Proto`/`-Host` set, `x-devproxy-attempt` added, the request framed by the proxy.
 * `-v` leaves these out, so what remains is what the route's rules (`headers`, `changeOrigin`)
 * changed, and anything unexpected. Pure.
 */
export function isStandardRewrite(change: HeaderChange, context: RewriteContext): boolean {
  const { name } = change
  if (change.op === '-') {
    if (HOP_BY_HOP.has(name) || connectionNames(context.received).has(name)) return true
    return context.direction === 'request' ? DROPPED_FROM_REQUEST.has(name) : name === 'trailer'
  }
  const { before, after = '' } = change
  if (name === 'via') return appended(before, after, (entry) => VIA_ENTRY.test(entry))
  if (context.direction === 'response') return false
  switch (name) {
    case 'x-forwarded-for':
      return appended(before, after, (entry) => entry === context.clientIp)
    case 'x-forwarded-proto':
      return after === 'http'
    case 'x-forwarded-host':
      return after === receivedValue(context.received, 'host')
    case 'x-devproxy-attempt':
      return /^\d+$/.test(after)
    case 'content-length':
    case 'transfer-encoding':
      // The forwarded request is framed by the proxy, whatever the client declared.
      return true
    default:
      return false
  }
}

/** `after` is `before` with one more list member (or that member alone), and `isOurs` says it is the proxy's. */
function appended(before: string | undefined, after: string, isOurs: (entry: string) => boolean): boolean {
  if (before === undefined || before === '') return isOurs(after)
  return after.startsWith(`${before}, `) && isOurs(after.slice(before.length + 2))
}

function connectionNames(headers: HeaderMap): Set<string> {
  const value = receivedValue(headers, 'connection')
  return new Set(value === undefined ? [] : value.split(',').map((token) => token.trim().toLowerCase()))
}

function receivedValue(headers: HeaderMap, name: string): string | undefined {
  const values = normalizeHeaders(headers).get(name)
  return values === undefined ? undefined : values.join(', ')
}

/**
 * One line per change: `- connection: keep-alive`, `+ via: 1.1 devproxy`,
 * `~ host: localhost:8080 → localhost:3000`; red, green and yellow.
 */
export function formatHeaderChanges(changes: readonly HeaderChange[], palette: Palette, indent = '    '): string[] {
  const show = (value: string | undefined) => toDisplay(value ?? '', MAX_VALUE_CHARS)
  return changes.map((change) => {
    if (change.op === '+') return indent + palette.ok(`+ ${change.name}: ${show(change.after)}`)
    if (change.op === '-') return indent + palette.error(`- ${change.name}: ${show(change.before)}`)
    return indent + palette.warn(`~ ${change.name}: ${show(change.before)} → ${show(change.after)}`)
  })
}
