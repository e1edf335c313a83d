/** The metrics panel's table, from the `metrics` event's MetricsSnapshot. */
import type { RouteSnapshot } from '../../../src/metrics/route-metrics.js'

/** Status classes seen on any route, `1xx` … `5xx` then `none` (what route-metrics.ts sorts too). */
export function statusColumns(routes: readonly RouteSnapshot[]): string[] {
  const seen = new Set<string>()
  for (const route of routes) for (const key of Object.keys(route.statusClasses)) seen.add(key)
  return [...seen].sort((a, b) => (a === 'none' ? 1 : b === 'none' ? -1 : a < b ? -1 : a > b ? 1 : 0))
}

/** `timeout 3, reset 1`: the most frequent first; '' for none. */
export function formatCounts(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .map(([name, count]) => `${name} ${count}`)
    .join(', ')
}

/** Every route added up; latency is left out, since quantiles do not add. */
export function totalOf(routes: readonly RouteSnapshot[]): { requests: number; retries: number; statusClasses: Record<string, number> } {
  const statusClasses: Record<string, number> = {}
  let requests = 0
  let retries = 0
  for (const route of routes) {
    requests += route.requests
    retries += route.retries
    for (const [key, count] of Object.entries(route.statusClasses)) statusClasses[key] = (statusClasses[key] ?? 0) + count
  }
  return { requests, retries, statusClasses }
}
