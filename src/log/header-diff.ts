import type { Palette } from './palette.js'
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

/** Pairs cookies by name, in order, so a changed value reads as one `~` rather than `-` and `+`. */
function diffCookies(before: readonly string[], after: readonly string[]): HeaderChange[] {
  const name = 'set-cookie'
  const unmatched = [...after]
  const changes: HeaderChange[] = []
  for (const cookie of before) {
    const exact = unmatched.indexOf(cookie)
    const index = exact >= 0 ? exact : unmatched.findIndex((candidate) => cookieName(candidate) === cookieName(cookie))
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

function cookieName(cookie: string): string {
  const eq = cookie.indexOf('=')
  return (eq < 0 ? cookie : cookie.slice(0, eq)).trim()
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
