/**
 * The list's filters: method, status class, route and free text, all of which must match.
 * Pure, so the list can refilter 10,000 rows on every batch without a thought.
 */
import type { TransactionSummary } from '../../../src/inspector/api.js'

/** `errors`: the proxy reported an error, or no status reached the client. */
export type StatusFilter = '' | '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'errors'

export interface TransactionFilter {
  /** Whitespace-separated words, each of which must appear (case-insensitively); `-word` must not. */
  readonly text: string
  /** Exact method, or '' for any. */
  readonly method: string
  readonly status: StatusFilter
  /** A route name, NO_ROUTE, or '' for any. */
  readonly route: string
}

export const EMPTY_FILTER: TransactionFilter = { text: '', method: '', status: '', route: '' }

export const STATUS_FILTERS: readonly StatusFilter[] = ['1xx', '2xx', '3xx', '4xx', '5xx', 'errors']

/** A request no route matched, in the words the log and the metrics use (metrics/route-metrics.ts). */
export const NO_ROUTE = '(no route)'

export function isFilterActive(filter: TransactionFilter): boolean {
  return filter.text.trim() !== '' || filter.method !== '' || filter.status !== '' || filter.route !== ''
}

export function isErrorTransaction(tx: TransactionSummary): boolean {
  return tx.error !== null || tx.status === null
}

/**
 * What the list's Host / path column shows: the target as received, with the Host (or HTTP/2's
 * :authority) before an origin-form one.
 */
export function whereOf(tx: TransactionSummary): string {
  return /^[a-z][a-z\d+.-]*:\/\//i.test(tx.url) ? tx.url : `${tx.host ?? ''}${tx.url}`
}

/**
 * Everything the free text searches, lower-cased: what the row shows (so `127.0.0.1:8080/api/x`,
 * copied from the list, finds its row), and more. Summaries never change, so it is kept per object.
 */
const haystacks = new WeakMap<TransactionSummary, string>()

function haystackOf(tx: TransactionSummary): string {
  let text = haystacks.get(tx)
  if (text === undefined) {
    const parts = [tx.method, whereOf(tx), tx.route ?? NO_ROUTE, tx.target ?? '', `${tx.route ?? NO_ROUTE} → ${tx.target ?? '–'}`, tx.status ?? '', tx.protocol, ...tx.tags]
    if (tx.error !== null) parts.push(tx.error.type, tx.error.message)
    text = parts.join('\n').toLowerCase()
    haystacks.set(tx, text)
  }
  return text
}

/** A predicate for `filter`, with its words split once rather than per row. */
export function compileFilter(filter: TransactionFilter): (tx: TransactionSummary) => boolean {
  const words = filter.text.toLowerCase().split(/\s+/).filter((word) => word !== '' && word !== '-')
  const wanted = words.filter((word) => !word.startsWith('-'))
  const unwanted = words.filter((word) => word.startsWith('-')).map((word) => word.slice(1))
  const { method, status, route } = filter
  return (tx) => {
    if (method !== '' && tx.method !== method) return false
    if (status === 'errors' ? !isErrorTransaction(tx) : status !== '' && !hasStatusClass(tx.status, status)) return false
    if (route !== '' && (tx.route ?? NO_ROUTE) !== route) return false
    if (wanted.length === 0 && unwanted.length === 0) return true
    const haystack = haystackOf(tx)
    return wanted.every((word) => haystack.includes(word)) && !unwanted.some((word) => haystack.includes(word))
  }
}

function hasStatusClass(status: number | null, statusClass: string): boolean {
  return status !== null && Math.floor(status / 100) === Number(statusClass[0])
}

/** The rows `filter` lets through, in order; the same array when it lets everything through. */
export function filterTransactions(list: readonly TransactionSummary[], filter: TransactionFilter): readonly TransactionSummary[] {
  if (!isFilterActive(filter)) return list
  return list.filter(compileFilter(filter))
}

const COMMON_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']

/** The choices the method and route selects offer: the usual methods and whatever the list holds. */
export function filterChoices(list: readonly TransactionSummary[], knownRoutes: readonly string[]): { methods: string[]; routes: string[] } {
  const methods = new Set(COMMON_METHODS)
  const routes = new Set(knownRoutes)
  for (const tx of list) {
    methods.add(tx.method)
    routes.add(tx.route ?? NO_ROUTE)
  }
  const extraMethods = [...methods].filter((m) => !COMMON_METHODS.includes(m)).sort()
  return { methods: [...COMMON_METHODS, ...extraMethods], routes: [...routes].sort() }
}
