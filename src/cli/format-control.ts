import type { ProxyStatus, RouteSummary } from '../control/protocol.js'
import type { ActiveFault, FaultSpec } from '../faults/types.js'
import type { Palette } from '../log/palette.js'

/** How `devproxy fault` and `devproxy status` show faults and a running proxy. Pure. */

/** 0.3 → `30%`, 0.125 → `12.5%`. */
export function formatRate(rate: number): string {
  return `${Number((rate * 100).toFixed(2))}%`
}

/** 500 → `500ms`, 30000 → `30s`, 90000 → `1m30s`, 3600000 → `1h`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))}ms`
  const totalS = Math.round(ms / 1_000)
  const h = Math.floor(totalS / 3_600)
  const m = Math.floor((totalS % 3_600) / 60)
  const s = totalS % 60
  return [h ? `${h}h` : '', m ? `${m}m` : '', s || (!h && !m) ? `${s}s` : ''].join('')
}

/** `5xx 30% on route api (seed 1, for 30s)`: what a fault does, to what, with which options. */
export function describeFault(fault: FaultSpec): string {
  const selectors = [
    fault.route === undefined ? '' : `route ${fault.route}`,
    fault.path === undefined ? '' : `path ${fault.path}`,
    fault.method === undefined ? '' : `method ${fault.method}`,
  ].filter(Boolean)
  const options = [
    fault.retryAfterS === undefined ? '' : `retry-after ${fault.retryAfterS}s`,
    fault.seed === undefined ? '' : `seed ${fault.seed}`,
    fault.forMs === undefined ? '' : `for ${formatDuration(fault.forMs)}`,
    fault.at === 'client' ? 'at client' : '',
  ].filter(Boolean)
  return [faultAction(fault), selectors.length ? `on ${selectors.join(', ')}` : '', options.length ? `(${options.join(', ')})` : '']
    .filter(Boolean)
    .join(' ')
}

/** The kind and its parameters; the rate is left out where it is 100% and the kind has another value. */
function faultAction(fault: FaultSpec): string {
  const share = fault.first !== undefined ? `first ${fault.first}` : formatRate(fault.rate ?? 1)
  const partial = fault.first !== undefined || (fault.rate ?? 1) < 1 ? ` ${share}` : ''
  switch (fault.kind) {
    case 'status':
      return `status ${(fault.statuses ?? []).join(',')}${partial}`
    case 'latency': {
      const [lo = 0, hi = lo] = fault.latencyMs ?? []
      return `latency ${lo === hi ? lo : `${lo}-${hi}`}ms${partial}`
    }
    case 'throttle':
      return `throttle ${fault.kbps ?? 0} KB/s${partial}`
    default:
      return `${fault.kind} ${share}`
  }
}

/** `+ f3 5xx 30% on route api (seed 1, for 30s)`. */
export function formatAddedFault(fault: ActiveFault, palette: Palette): string {
  return `${palette.ok('+')} ${palette.bold(fault.id)} ${describeFault(fault)}`
}

/** One aligned row per fault: id, what it does, its counts, when it expires. */
export function formatFaultTable(faults: readonly ActiveFault[], palette: Palette, nowMs: number): string[] {
  if (faults.length === 0) return [palette.dim('  no active faults; add one with e.g. `devproxy fault --5xx 30%`')]
  const rows = faults.map((fault) => ({
    id: fault.id,
    what: describeFault(fault) + (fault.source === 'api' ? '' : ` [${fault.source}]`),
    hits: `matched ${fault.matched}, injected ${fault.injected}`,
    expires: fault.expiresAt === undefined ? '' : `expires in ${formatDuration(fault.expiresAt - nowMs)}`,
  }))
  const idWidth = Math.max(...rows.map((r) => r.id.length))
  const whatWidth = Math.max(...rows.map((r) => r.what.length))
  const hitsWidth = Math.max(...rows.map((r) => r.hits.length))
  return rows.map((r) =>
    `  ${palette.bold(r.id.padEnd(idWidth))}  ${r.what.padEnd(whatWidth)}  ${palette.dim(r.hits.padEnd(hitsWidth))}  ${palette.dim(r.expires)}`.trimEnd(),
  )
}

/** `devproxy status`: where the proxy runs, its routes, its faults, its counters. */
export function formatStatus(status: ProxyStatus, palette: Palette, nowMs: number, showPath: (file: string) => string): string[] {
  const { counters } = status
  return [
    `${palette.bold('devproxy')} ${palette.ok(status.url)} ${palette.dim(`(pid ${status.pid}, up ${formatDuration(nowMs - status.startedAt)})`)}`,
    `  config: ${status.configFile === undefined ? palette.dim('none (--target or --demo)') : showPath(status.configFile)}`,
    '',
    palette.bold('routes'),
    ...formatRouteTable(status.routes, palette),
    '',
    palette.bold('faults'),
    ...formatFaultTable(status.faults, palette, nowMs),
    '',
    `${palette.bold('requests')} ${counters.requests}  ${palette.bold('errors')} ${counters.errors}  ${palette.bold('faults injected')} ${counters.faults}`,
  ]
}

/** `  name  path [filters]  → target, target`, columns aligned. */
function formatRouteTable(routes: readonly RouteSummary[], palette: Palette): string[] {
  const rows = routes.map((route) => {
    const filters = [route.host ? `host ${route.host}` : '', route.methods ? route.methods.join(',') : ''].filter(Boolean).join(' ')
    return { name: route.name, where: filters ? `${route.path} [${filters}]` : route.path, targets: route.targets.join(', ') }
  })
  const nameWidth = Math.max(0, ...rows.map((r) => r.name.length))
  const whereWidth = Math.max(0, ...rows.map((r) => r.where.length))
  return rows.map((r) => `  ${r.name.padEnd(nameWidth)}  ${r.where.padEnd(whereWidth)}  → ${palette.route(r.targets)}`)
}
