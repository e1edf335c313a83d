import type { IncomingHttpHeaders } from 'node:http'
import type { Entry } from 'har-format'
import { isVolatileParam } from '../diff/endpoint.js'
import { diffJson } from '../diff/json-diff.js'

/**
 * Which recorded entry answers a request (`devproxy replay`): method + path + query (order
 * insensitive) and, for a request with a body, the body (JSON compared structurally). The
 * query must match exactly if any recording does; otherwise cache-busters (`_=…`, `ts=…`) do
 * not count, by the endpoint rule `devproxy diff` uses (src/diff/endpoint.ts). A recorded 304
 * answers only a conditional request (If-None-Match, If-Modified-Since: RFC 9110 §13.1), which
 * gets one when there is one. Identical requests are answered in recorded order, then the last
 * answer repeats. A miss names the nearest recorded request and what differs. Pure apart from
 * the per-key cursor.
 */

export interface ReplayRequest {
  readonly method: string
  /** Path and query, as received. */
  readonly url: string
  readonly body: Buffer | undefined
  /** The request's headers: the conditional ones decide whether a recorded 304 may answer. */
  readonly headers?: IncomingHttpHeaders | undefined
}

export type ReplayMatch =
  | { readonly kind: 'hit'; readonly entry: Entry; readonly index: number; readonly of: number }
  | {
      readonly kind: 'miss'
      readonly nearest: { readonly method: string; readonly url: string; readonly differences: readonly string[] } | undefined
      /** Why recordings of this very request cannot answer it, when some exist. */
      readonly reason?: { readonly message: string; readonly hint: string } | undefined
    }

export interface ReplayIndex {
  match(request: ReplayRequest): ReplayMatch
  readonly size: number
}

interface Recorded {
  readonly entry: Entry
  readonly method: string
  readonly path: string
  readonly query: readonly string[]
  readonly body: string | undefined
}

export function createReplayIndex(entries: readonly Entry[]): ReplayIndex {
  const recorded = entries.map(toRecorded)
  const exact = new Map<string, Recorded[]>()
  const byEndpoint = new Map<string, Recorded[]>()
  for (const item of recorded) {
    add(exact, keyOf(item.method, item.path, item.query), item)
    add(byEndpoint, keyOf(item.method, item.path, endpointQuery(item.query)), item)
  }
  const served = new Map<string, number>()
  return {
    size: recorded.length,
    match(request) {
      const { path, query } = splitUrl(request.url)
      const method = request.method.toUpperCase()
      const body = normalizeBody(request.body)
      let key = keyOf(method, path, query)
      let candidates = (exact.get(key) ?? []).filter((item) => sameBody(item.body, body))
      if (candidates.length === 0) {
        key = keyOf(method, path, endpointQuery(query))
        candidates = (byEndpoint.get(key) ?? []).filter((item) => sameBody(item.body, body))
      }
      if (candidates.length === 0) return { kind: 'miss', nearest: nearest(recorded, method, path, query, body) }
      const conditional = isConditional(request.headers)
      const notModified = candidates.filter((item) => item.entry.response.status === 304)
      const usable = conditional ? (notModified.length > 0 ? notModified : candidates) : candidates.filter((item) => item.entry.response.status !== 304)
      if (usable.length === 0) return onlyNotModified(method, request.url)
      const cursorKey = `${key}\n${body ?? ''}\n${conditional && notModified.length > 0 ? '304' : ''}`
      const index = Math.min(served.get(cursorKey) ?? 0, usable.length - 1)
      served.set(cursorKey, index + 1)
      return { kind: 'hit', entry: usable[index]!.entry, index, of: usable.length }
    },
  }
}

function add(map: Map<string, Recorded[]>, key: string, item: Recorded): void {
  const list = map.get(key)
  if (list) list.push(item)
  else map.set(key, [item])
}

/** The query as an endpoint sees it: without cache-busters (sorted already). */
function endpointQuery(query: readonly string[]): string[] {
  return query.filter((param) => !isVolatileParam(param))
}

/** A request that a 304 Not Modified can answer (RFC 9110 §13.1.2, §13.1.3). */
function isConditional(headers: IncomingHttpHeaders | undefined): boolean {
  return headers !== undefined && (headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined)
}

/** The browser had the response cached while recording: all it got was 304s. */
function onlyNotModified(method: string, url: string): ReplayMatch {
  return {
    kind: 'miss',
    nearest: undefined,
    reason: {
      message: `only 304 Not Modified is recorded for ${method} ${url}, and this request is not conditional (no If-None-Match or If-Modified-Since): a 304 would leave it without a body`,
      hint: 'The browser had this response cached while recording. Record again with the cache disabled (DevTools → Network → Disable cache), or pass --fallthrough to send it to the live service.',
    },
  }
}

function toRecorded(entry: Entry): Recorded {
  const url = safeUrl(entry.request.url)
  const { path, query } = splitUrl(url ? url.pathname + url.search : entry.request.url)
  const text = entry.request.postData?.text
  const encoded = (entry.request.postData as { _encoding?: string } | undefined)?._encoding === 'base64'
  return { entry, method: entry.request.method.toUpperCase(), path, query, body: normalizeBody(text === undefined ? undefined : Buffer.from(text, encoded ? 'base64' : 'utf8')) }
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text)
  } catch {
    return undefined
  }
}

function splitUrl(url: string): { path: string; query: string[] } {
  const at = url.indexOf('?')
  if (at === -1) return { path: url, query: [] }
  return { path: url.slice(0, at), query: url.slice(at + 1).split('&').filter((p) => p !== '').sort() }
}

function keyOf(method: string, path: string, query: readonly string[]): string {
  return `${method} ${path}?${query.join('&')}`
}

/** JSON bodies compare by structure: parse and re-serialise with sorted keys. */
function normalizeBody(body: Buffer | undefined): string | undefined {
  if (body === undefined || body.length === 0) return undefined
  const text = body.toString('utf8')
  try {
    return `json:${JSON.stringify(sortKeys(JSON.parse(text)))}`
  } catch {
    return `raw:${body.toString('base64')}`
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]))
  }
  return value
}

function sameBody(a: string | undefined, b: string | undefined): boolean {
  return a === b
}

/** The recorded request closest to this one, and the fields that differ. */
function nearest(recorded: readonly Recorded[], method: string, path: string, query: readonly string[], body: string | undefined) {
  let best: { item: Recorded; differences: string[]; score: number } | undefined
  for (const item of recorded) {
    const differences: string[] = []
    let score = 0
    if (item.path !== path) {
      differences.push(`path: ${item.path} (recorded) vs ${path}`)
      score += 10 + Math.abs(segments(item.path) - segments(path)) + (commonPrefix(item.path, path) > 1 ? 0 : 5)
    }
    if (item.method !== method) {
      differences.push(`method: ${item.method} (recorded) vs ${method}`)
      score += 4
    }
    const queryDiff = diffQuery(item.query, query)
    if (queryDiff) {
      differences.push(queryDiff)
      score += 2
    }
    if (item.body !== body) {
      const difference = describeBodyDifference(item.body, body)
      differences.push(difference.text)
      score += 1 + Math.min(difference.changes, 9) / 10
    }
    if (!best || score < best.score) best = { item, differences, score }
  }
  return best && { method: best.item.method, url: best.item.path + (best.item.query.length ? `?${best.item.query.join('&')}` : ''), differences: best.differences }
}

function segments(path: string): number {
  return path.split('/').length
}

function commonPrefix(a: string, b: string): number {
  let i = 0
  while (i < a.length && a[i] === b[i]) i++
  return i
}

function diffQuery(recorded: readonly string[], got: readonly string[]): string | undefined {
  const missing = recorded.filter((p) => !got.includes(p))
  const extra = got.filter((p) => !recorded.includes(p))
  if (missing.length === 0 && extra.length === 0) return undefined
  return `query: ${recorded.join('&') || '(none)'} (recorded) vs ${got.join('&') || '(none)'}`
}

/** What differs between two bodies, and how much (closer bodies make a nearer match). */
function describeBodyDifference(recorded: string | undefined, got: string | undefined): { text: string; changes: number } {
  if (recorded === undefined) return { text: 'body: none recorded, this request has one', changes: 9 }
  if (got === undefined) return { text: 'body: recorded with a body, this request has none', changes: 9 }
  if (recorded.startsWith('json:') && got.startsWith('json:')) {
    const changes = diffJson(JSON.parse(recorded.slice(5)), JSON.parse(got.slice(5)))
    const shown = changes.slice(0, 3).map((c) => c.path).join(', ')
    return { text: `body: JSON differs at ${shown}${changes.length > 3 ? ` and ${changes.length - 3} more` : ''}`, changes: changes.length }
  }
  return { text: 'body: differs', changes: 9 }
}
