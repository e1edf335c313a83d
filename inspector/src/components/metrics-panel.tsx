/** Per-route counts and latency since the metrics started, refreshed every second by the `metrics` event. */
import type { MetricsSnapshot } from '../../../src/metrics/route-metrics.js'
import { formatDuration } from '../../../src/terminal/format.js'
import { formatCounts, statusColumns, totalOf } from '../lib/metrics-view.js'

const latency = (ms: number | null) => (ms === null ? '–' : formatDuration(ms))

export function MetricsPanel({ metrics }: { readonly metrics: MetricsSnapshot | null }) {
  if (metrics === null) {
    return (
      <section class="panel metrics-panel" data-testid="metrics" aria-label="Metrics">
        <h2>Metrics</h2>
        <p class="muted">Waiting for the first figures…</p>
      </section>
    )
  }
  const columns = statusColumns(metrics.routes)
  const total = totalOf(metrics.routes)
  return (
    <section class="panel metrics-panel" data-testid="metrics" aria-label="Metrics">
      <h2>
        Metrics <span class="muted small">since {new Date(metrics.since).toLocaleTimeString()}</span>
      </h2>
      <table class="metrics">
        <thead>
          <tr>
            <th>Route</th>
            <th class="num">Requests</th>
            {columns.map((column) => (
              <th key={column} class="num">
                {column}
              </th>
            ))}
            <th class="num">Retries</th>
            <th class="num">p50</th>
            <th class="num">p95</th>
            <th class="num">p99</th>
            <th>Errors</th>
            <th>Faults</th>
          </tr>
        </thead>
        <tbody>
          {metrics.routes.map((route) => (
            <tr key={route.route} data-testid="metrics-route" data-route={route.route}>
              <td>{route.route}</td>
              <td class="num">{route.requests}</td>
              {columns.map((column) => (
                <td key={column} class={`num status-${column}`}>
                  {route.statusClasses[column] ?? ''}
                </td>
              ))}
              <td class="num">{route.retries || ''}</td>
              <td class="num">{latency(route.latencyMs.p50)}</td>
              <td class="num">{latency(route.latencyMs.p95)}</td>
              <td class="num">{latency(route.latencyMs.p99)}</td>
              <td class="error">{formatCounts(route.errors)}</td>
              <td>{formatCounts(route.faults)}</td>
            </tr>
          ))}
        </tbody>
        {metrics.routes.length > 1 && (
          <tfoot>
            <tr>
              <td>All routes</td>
              <td class="num">{total.requests}</td>
              {columns.map((column) => (
                <td key={column} class="num">
                  {total.statusClasses[column] ?? ''}
                </td>
              ))}
              <td class="num">{total.retries || ''}</td>
              <td colSpan={5} />
            </tr>
          </tfoot>
        )}
      </table>
      {metrics.routes.length === 0 && <p class="muted">No requests yet.</p>}
    </section>
  )
}
