/**
 * The per-route metrics in Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/). Written by hand rather than
 * with prom-client: the format is a few line shapes, and the counts already live in
 * route-metrics, which a client library would want to own in its own registry.
 */
import type { RouteMetrics } from './route-metrics.js'

/** The `Content-Type` a scrape endpoint answers with. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/**
 * `devproxy_request_duration_seconds` bucket bounds, in ms: Prometheus's default buckets
 * stretched down to 1 ms (a local upstream answers in a few) and up to 30 s (the default
 * upstream timeout's range). `+Inf` is added after them.
 */
export const DURATION_BUCKETS_MS: readonly number[] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000]

/** A label value, escaped as the format asks: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))
}

/** A sample value as Go's ParseFloat reads it: `+Inf`, `-Inf` and `NaN` are spelled out. */
function formatValue(value: number): string {
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value) // NaN prints as NaN
}

type Labels = readonly (readonly [name: string, value: string])[]

function sample(name: string, labels: Labels, value: number): string {
  const pairs = labels.map(([label, text]) => `${label}="${escapeLabelValue(text)}"`).join(',')
  return `${name}{${pairs}} ${formatValue(value)}`
}

/** One metric family: its HELP and TYPE lines, then all its samples, which the format wants together. */
function family(name: string, type: 'counter' | 'histogram', help: string, samples: readonly string[]): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples]
}

function counterSamples(routes: readonly RouteMetrics[], name: string, label: string, counts: (route: RouteMetrics) => ReadonlyMap<string, number>): string[] {
  return routes.flatMap((route) =>
    [...counts(route)].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, count]) => sample(name, [['route', route.route], [label, key]], count)),
  )
}

function durationSamples(route: RouteMetrics): string[] {
  const name = 'devproxy_request_duration_seconds'
  const routeLabel = ['route', route.route] as const
  const cumulative = route.latency.cumulative(DURATION_BUCKETS_MS)
  return [
    ...DURATION_BUCKETS_MS.map((boundMs, i) => sample(`${name}_bucket`, [routeLabel, ['le', formatValue(boundMs / 1000)]], cumulative[i]!)),
    sample(`${name}_bucket`, [routeLabel, ['le', '+Inf']], route.latency.count),
    sample(`${name}_sum`, [routeLabel], route.latency.sumMs / 1000),
    sample(`${name}_count`, [routeLabel], route.latency.count),
  ]
}

/**
 * The exposition text for every route, ending in a line feed. Counters with a second label
 * have a series only for the values seen (no `type="upstream_reset"` series until one
 * happens); `devproxy_retries_total` and the duration histogram have one per route.
 */
export function formatPrometheus(metrics: { routes(): readonly RouteMetrics[] }): string {
  const routes = metrics.routes()
  const lines = [
    ...family(
      'devproxy_requests_total',
      'counter',
      'Requests finished, by route and class of the status sent to the client (none: no status was sent).',
      counterSamples(routes, 'devproxy_requests_total', 'status_class', (route) => route.statusClasses),
    ),
    ...family(
      'devproxy_errors_total',
      'counter',
      'Requests that ended in a devproxy error, by route and error type.',
      counterSamples(routes, 'devproxy_errors_total', 'type', (route) => route.errors),
    ),
    ...family(
      'devproxy_faults_injected_total',
      'counter',
      'Faults injected, by route and fault kind.',
      counterSamples(routes, 'devproxy_faults_injected_total', 'kind', (route) => route.faults),
    ),
    ...family(
      'devproxy_retries_total',
      'counter',
      'Upstream attempts beyond the first, by route.',
      routes.map((route) => sample('devproxy_retries_total', [['route', route.route]], route.retries)),
    ),
    ...family(
      'devproxy_request_duration_seconds',
      'histogram',
      'HTTP request duration, accept to finish, by route (WebSocket connections are not counted).',
      routes.flatMap(durationSamples),
    ),
  ]
  return `${lines.join('\n')}\n`
}
