/**
 * Per-route counters fed by a transaction sink: what the inspector, `devproxy status` and the
 * Prometheus endpoint show. Keyed by route name only, never by URL or client, so the number of
 * series is bounded by the config (plus one for requests no route matched), however long the
 * proxy runs and whatever it is sent.
 */
import type { Transaction, TransactionSink } from '../proxy/index.js'
import { LatencyHistogram, type ReadonlyHistogram } from './histogram.js'

/** The route name counted for a request no route matched (the same words the log uses). */
export const NO_ROUTE = '(no route)'

/** What one route has seen since the metrics started or were reset. */
export interface RouteMetrics {
  readonly route: string
  /** Finished transactions, HTTP and WebSocket alike. */
  readonly requests: number
  /**
   * By the status sent to the client: `1xx` … `5xx`, and `none` when no status was sent (the
   * client went away first, or the connection was cut before headers).
   */
  readonly statusClasses: ReadonlyMap<string, number>
  /** By devproxy error type (`upstream_timeout`, `no_route`…): a request counts once, by its final error. */
  readonly errors: ReadonlyMap<string, number>
  /** Faults injected, by kind (`5xx`, `status`, `latency`, `reset`…); a request may count under several. */
  readonly faults: ReadonlyMap<string, number>
  /** Upstream attempts beyond each request's first. */
  readonly retries: number
  /**
   * How long HTTP requests took, accept to finish, failures included (a 504 after 30 s is 30 s
   * a user waited). WebSocket transactions are left out: their duration is how long the
   * connection stayed open, which would swamp the request latencies with minutes.
   */
  readonly latency: ReadonlyHistogram
}

export interface LatencySnapshot {
  /** Quantiles by nearest rank, within histogram.ts's RELATIVE_ERROR; null when `count` is 0. */
  readonly p50: number | null
  readonly p95: number | null
  readonly p99: number | null
  /** Exact; null when `count` is 0. */
  readonly max: number | null
  readonly mean: number | null
  readonly count: number
}

export interface RouteSnapshot {
  readonly route: string
  readonly requests: number
  /** Only the classes seen; keys sorted (`1xx` … `5xx`, then `none`). */
  readonly statusClasses: Readonly<Record<string, number>>
  readonly errors: Readonly<Record<string, number>>
  readonly faults: Readonly<Record<string, number>>
  readonly retries: number
  readonly latencyMs: LatencySnapshot
}

/** Plain JSON data: what the control API sends and `devproxy status` reads. */
export interface MetricsSnapshot {
  /** Sorted by route name. */
  readonly routes: readonly RouteSnapshot[]
  /** When counting started: the metrics' creation or last reset, ISO 8601. */
  readonly since: string
}

export interface MetricsOptions {
  /** The wall clock, epoch ms, for `since`. Default: `Date.now`. */
  readonly clock?: () => number
}

export interface Metrics {
  /** Counts one finished transaction. O(1) per transaction: a map lookup and counter updates. */
  readonly sink: TransactionSink
  /** Live views, sorted by route name: read them at once, as formatPrometheus does, and do not keep them. */
  routes(): readonly RouteMetrics[]
  snapshot(): MetricsSnapshot
  /** Forgets every count, and starts `since` anew. */
  reset(): void
}

/** Status class names by the status's first digit; 0 stands for no status. */
const STATUS_CLASSES = ['none', '1xx', '2xx', '3xx', '4xx', '5xx', '6xx', '7xx', '8xx', '9xx'] as const

function statusClassOf(status: number | undefined): string {
  // Node refuses to send a status outside 100–999 (http.ServerResponse#writeHead).
  if (status === undefined || !(status >= 100 && status <= 999)) return 'none'
  return STATUS_CLASSES[Math.floor(status / 100)]!
}

const isDigit = (code: number) => code >= 48 && code <= 57

/**
 * The kind in a `tx.faults` entry (`5xx 503`, `latency 300ms`, `reset`): its first word. A
 * `status` fault is recorded as the bare status it answered (`418`, see faults/inject.ts); it
 * counts as `status`, which keeps one series per kind rather than one per status drawn.
 */
function faultKindOf(fault: string): string {
  const space = fault.indexOf(' ')
  const word = space === -1 ? fault : fault.slice(0, space)
  if (word.length === 3 && isDigit(word.charCodeAt(0)) && isDigit(word.charCodeAt(1)) && isDigit(word.charCodeAt(2))) return 'status'
  return word
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1)
}

class RouteCounters implements RouteMetrics {
  requests = 0
  retries = 0
  readonly statusClasses = new Map<string, number>()
  readonly errors = new Map<string, number>()
  readonly faults = new Map<string, number>()
  readonly latency = new LatencyHistogram()

  constructor(readonly route: string) {}

  count(tx: Readonly<Transaction>): void {
    this.requests += 1
    increment(this.statusClasses, statusClassOf(tx.status))
    if (tx.error !== undefined) increment(this.errors, tx.error.type)
    for (const fault of tx.faults) increment(this.faults, faultKindOf(fault))
    if (tx.attempts.length > 1) this.retries += tx.attempts.length - 1
    if (tx.kind === 'http') this.latency.record(tx.durationMs)
  }
}

const byKey = <T>([a]: [string, T], [b]: [string, T]) => (a < b ? -1 : a > b ? 1 : 0)

function sortedRecord(counts: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort(byKey))
}

/** A histogram's summary for JSON: NaN (nothing recorded) becomes null, which JSON can carry. */
function summarizeLatency(latency: ReadonlyHistogram): LatencySnapshot {
  if (latency.count === 0) return { p50: null, p95: null, p99: null, max: null, mean: null, count: 0 }
  return {
    p50: latency.quantile(0.5),
    p95: latency.quantile(0.95),
    p99: latency.quantile(0.99),
    max: latency.maxMs,
    mean: latency.sumMs / latency.count,
    count: latency.count,
  }
}

function snapshotRoute(route: RouteMetrics): RouteSnapshot {
  return {
    route: route.route,
    requests: route.requests,
    statusClasses: sortedRecord(route.statusClasses),
    errors: sortedRecord(route.errors),
    faults: sortedRecord(route.faults),
    retries: route.retries,
    latencyMs: summarizeLatency(route.latency),
  }
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const clock = options.clock ?? Date.now
  const byRoute = new Map<string, RouteCounters>()
  let sinceMs = clock()

  const sink: TransactionSink = (tx) => {
    const name = tx.route ?? NO_ROUTE
    let route = byRoute.get(name)
    if (route === undefined) {
      route = new RouteCounters(name)
      byRoute.set(name, route)
    }
    route.count(tx)
  }

  const routes = (): RouteCounters[] => [...byRoute].sort(byKey).map(([, route]) => route)

  return {
    sink,
    routes,
    snapshot: () => ({ routes: routes().map(snapshotRoute), since: new Date(sinceMs).toISOString() }),
    reset() {
      byRoute.clear()
      sinceMs = clock()
    },
  }
}
