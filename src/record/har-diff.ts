import type { Entry, Har, Header } from 'har-format'
import { diffBodies, formatBodyDiff, type BodyDiff, type DiffableBody } from '../diff/body-diff.js'
import { endpointKey } from '../diff/endpoint.js'
import { diffHeaders, formatHeaderChanges, type HeaderChange } from '../diff/header-diff.js'
import { parseIgnorePath } from '../diff/json-diff.js'
import type { Palette } from '../terminal/palette.js'
import { toDisplay } from '../diff/text-diff.js'
import type { DevproxyEntryFields } from './har-entry.js'

/**
 * `devproxy diff A.har B.har` (DESIGN.md §6): two recordings compared endpoint by endpoint,
 * with the log's header and body diff code. Pure: the command reads the files and prints.
 */

/**
 * Response headers never compared. They change from one run to the next without the API
 * changing: the clock (`date`, `age`, `expires`, `last-modified`), per-request ids
 * (`x-request-id`), the proxies on the way (`via`), hop-by-hop connection management
 * (`keep-alive`, `connection`, `transfer-encoding`; RFC 9110 §7.6.1) and the framing of a body
 * that is compared on its own (`content-length`).
 */
export const DEFAULT_IGNORED_HEADERS = [
  'date',
  'age',
  'expires',
  'last-modified',
  'x-request-id',
  'via',
  'keep-alive',
  'connection',
  'transfer-encoding',
  'content-length',
] as const

export interface HarDiffOptions {
  /**
   * Header names (any case) and JSON paths into response bodies (`$.requestId`,
   * `$.items[*].updatedAt`, `$..etag`) to leave out, on top of DEFAULT_IGNORED_HEADERS.
   */
  readonly ignore: readonly string[]
}

export type EndpointChange = 'added' | 'removed' | 'changed' | 'same'

export interface EndpointDiff {
  /** `GET /api/users?a=1&b=2`: method, path, query sorted without cache-busters; no host. */
  readonly key: string
  /** `added`: only in B; `removed`: only in A; `changed` or `same`: in both. */
  readonly change: EndpointChange
  /** Set when the statuses of the last calls differ (0: no response was recorded). */
  readonly status?: { readonly before: number; readonly after: number }
  /** Calls to the endpoint in A and in B (0 on the side that lacks it); a difference is a change. */
  readonly calls: { readonly before: number; readonly after: number }
  /** Response header changes between the last calls; empty unless `changed`. */
  readonly headers: readonly HeaderChange[]
  /** Set when the response bodies of the last calls differ. */
  readonly body: BodyDiff | undefined
}

export interface HarDiff {
  /** Every endpoint of either file, `same` ones included, sorted by key. */
  readonly endpoints: readonly EndpointDiff[]
  readonly equal: boolean
}

/**
 * Groups each file's entries by endpoint and compares the last call of each endpoint present
 * in both: status, response headers, response body. An endpoint called more times in one file
 * than in the other is changed too (a page that now makes five calls instead of three).
 *
 * Throws a DevproxyError (`ignore_path_invalid`) for a malformed JSON path in `ignore`, before
 * comparing anything, whether or not a body would have needed it.
 */
export function diffHars(a: Har, b: Har, options: HarDiffOptions): HarDiff {
  const jsonIgnore = options.ignore.filter((name) => name.startsWith('$'))
  for (const path of jsonIgnore) parseIgnorePath(path)
  const ignore = { json: jsonIgnore, headers: [...DEFAULT_IGNORED_HEADERS, ...options.ignore.filter((name) => !name.startsWith('$'))] }
  const before = groupByEndpoint(a.log.entries)
  const after = groupByEndpoint(b.log.entries)
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort()
  const endpoints = keys.map((key) => compareEndpoint(key, before.get(key) ?? [], after.get(key) ?? [], ignore))
  return { endpoints, equal: endpoints.every((endpoint) => endpoint.change === 'same') }
}

/** Entries by endpoint key, in file order (the order devproxy finished them). */
function groupByEndpoint(entries: readonly Entry[]): Map<string, Entry[]> {
  const groups = new Map<string, Entry[]>()
  for (const entry of entries) {
    // Tolerate a hand-edited or foreign file: an entry without a request and a response cannot be compared.
    const { request, response } = (entry as Partial<Entry> | null) ?? {}
    if (typeof request?.method !== 'string' || typeof request.url !== 'string' || typeof response !== 'object' || response === null) continue
    const key = harEndpointKey(request.method, request.url)
    const group = groups.get(key)
    if (group) group.push(entry)
    else groups.set(key, [entry])
  }
  return groups
}

/**
 * endpointKey without its route slot: a HAR file has no routes, and two recordings made
 * through different ports or hosts still hit the same endpoints.
 */
export function harEndpointKey(method: string, url: string): string {
  return endpointKey(method, undefined, pathAndQueryOf(url)).replace(/^(\S+) - /, '$1 ')
}

function pathAndQueryOf(url: string): string {
  try {
    const parsed = new URL(url)
    return parsed.pathname + parsed.search
  } catch {
    return url
  }
}

interface Ignore {
  readonly json: readonly string[]
  readonly headers: readonly string[]
}

function compareEndpoint(key: string, before: readonly Entry[], after: readonly Entry[], ignore: Ignore): EndpointDiff {
  const calls = { before: before.length, after: after.length }
  const was = before.at(-1)
  const now = after.at(-1)
  if (was === undefined) return { key, change: 'added', calls, headers: [], body: undefined }
  if (now === undefined) return { key, change: 'removed', calls, headers: [], body: undefined }
  const status = was.response.status === now.response.status ? undefined : { before: was.response.status, after: now.response.status }
  const headers = diffHeaders(headerMap(was.response.headers), headerMap(now.response.headers), { ignore: ignore.headers })
  const bodyDiff = diffBodies(responseBody(was), responseBody(now), { ignore: ignore.json })
  const body = bodiesDiffer(bodyDiff) ? bodyDiff : undefined
  const changed = status !== undefined || calls.before !== calls.after || headers.length > 0 || body !== undefined
  return { key, change: changed ? 'changed' : 'same', ...(status ? { status } : {}), calls, headers, body }
}

/**
 * Text that differs only in line endings or a byte-order mark (no changed lines) is the same
 * API answer, as is a JSON body whose changes were all ignored (diffBodies says `same`).
 */
function bodiesDiffer(diff: BodyDiff): boolean {
  switch (diff.kind) {
    case 'same':
      return false
    case 'json':
    case 'text':
      return diff.changes.length > 0
    case 'binary':
    case 'truncated':
      return !diff.same
    case 'kinds-differ':
      return true
  }
}

function headerMap(headers: readonly Header[] | undefined): Record<string, string[]> {
  const map = new Map<string, string[]>()
  for (const { name, value } of headers ?? []) map.set(name, [...(map.get(name) ?? []), value])
  return Object.fromEntries(map)
}

/**
 * The recorded response body, decoded (HAR 1.2 `content.text`, base64 when `encoding` says so).
 * A body devproxy cut at `--max-body` is marked truncated, so it is compared by size and hash.
 */
function responseBody(entry: Entry): DiffableBody {
  const content = entry.response.content
  const text = content?.text
  const bytes = text === undefined ? Buffer.alloc(0) : Buffer.from(text, content.encoding === 'base64' ? 'base64' : 'utf8')
  const devproxy = (entry as { _devproxy?: Partial<DevproxyEntryFields> })._devproxy
  const truncated = devproxy?.truncated?.response === true
  const wireBytes = entry.response.bodySize
  // devproxy writes `x-unknown` for "no content-type" (HAR requires a mimeType): let the body be sniffed.
  const contentType = content?.mimeType === undefined || content.mimeType === 'x-unknown' ? undefined : content.mimeType
  return { contentType, bytes, truncated, totalBytes: truncated && wireBytes > 0 ? wireBytes : bytes.length }
}

/** Keys are URLs; an unparseable one is shown as written, made safe for the terminal. */
const MAX_KEY_CHARS = 300

/**
 * `+ GET /api/users/7` (green), `- DELETE /api/x` (red), `~ GET /api/users` (yellow) with its
 * changes indented under it, then one summary line. `same` endpoints are only counted.
 */
export function formatHarDiff(diff: HarDiff, palette: Palette): string[] {
  const lines: string[] = []
  for (const endpoint of diff.endpoints) {
    const key = toDisplay(endpoint.key, MAX_KEY_CHARS)
    if (endpoint.change === 'added') lines.push(palette.ok(`+ ${key}`) + callsSuffix(endpoint.calls.after, palette))
    else if (endpoint.change === 'removed') lines.push(palette.error(`- ${key}`) + callsSuffix(endpoint.calls.before, palette))
    else if (endpoint.change === 'changed') lines.push(palette.warn(`~ ${key}`), ...formatEndpointChanges(endpoint, palette))
  }
  lines.push(summarize(diff, palette))
  return lines
}

const INDENT = '    '

function formatEndpointChanges(endpoint: EndpointDiff, palette: Palette): string[] {
  const lines: string[] = []
  const { before, after } = endpoint.calls
  if (before !== after) lines.push(INDENT + palette.warn(`${plural(before, 'call')} → ${plural(after, 'call')}`) + palette.dim(' (comparing the last of each)'))
  else if (before > 1) lines.push(INDENT + palette.dim(`(${before} calls each: comparing the last)`))
  if (endpoint.status) {
    const { before: was, after: now } = endpoint.status
    lines.push(`${INDENT}status ${palette.status(was, statusText(was))} → ${palette.status(now, statusText(now))}`)
  }
  lines.push(...formatHeaderChanges(endpoint.headers, palette, INDENT))
  if (endpoint.body) lines.push(...formatBodyDiff(endpoint.body, palette, { indent: INDENT }))
  return lines
}

/** HAR has status 0 for a request that got no response (devproxy: an upstream error). */
function statusText(status: number): string {
  return status === 0 ? 'no response' : String(status)
}

function callsSuffix(calls: number, palette: Palette): string {
  return calls > 1 ? palette.dim(` (${calls} calls)`) : ''
}

function summarize(diff: HarDiff, palette: Palette): string {
  const total = plural(diff.endpoints.length, 'endpoint')
  if (diff.equal) return palette.ok(`no differences (${total})`)
  const count = (change: EndpointChange) => diff.endpoints.filter((endpoint) => endpoint.change === change).length
  return palette.bold(`${total}: ${count('added')} added, ${count('removed')} removed, ${count('changed')} changed, ${count('same')} same`)
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
