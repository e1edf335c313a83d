import type { FaultsChange, ProxyStatus, RouteSummary } from '../control/protocol.js'
import { describeFault } from '../faults/describe.js'
import type { ActiveFault } from '../faults/types.js'
import type { MetricsSnapshot } from '../metrics/route-metrics.js'
import { formatDuration as formatLatency, formatSpan } from '../terminal/format.js'
import type { Palette } from '../terminal/palette.js'
import { padEndColumns, padStartColumns, textWidth } from '../terminal/text-width.js'

/** How `devproxy fault` and `devproxy status` show faults and a running proxy. Pure. */

/** `+ f3 5xx 30% on route api (seed 1, for 30s)`. */
export function formatAddedFault(fault: ActiveFault, palette: Palette): string {
  return `${palette.ok('+')} ${palette.bold(fault.id)} ${describeFault(fault)}`
}

/**
 * What the running proxy prints when its faults change through the API, one line per fault:
 * `+ f3 5xx 30% on route api (devproxy fault)`, `- f3 5xx 30% on route api (inspector)`.
 */
export function formatFaultChange(change: FaultsChange, palette: Palette): string[] {
  const sign = change.change === 'added' ? palette.ok('+') : palette.error('-')
  return change.faults.map((fault) => `${sign} ${palette.bold(fault.id)} ${describeFault(fault)} ${palette.dim(`(${change.by})`)}`)
}

/** One aligned row per fault: id, what it does, its counts, when it expires. `again`: the flags that reach this proxy (` --port 8081`). */
export function formatFaultTable(faults: readonly ActiveFault[], palette: Palette, nowMs: number, again = ''): string[] {
  if (faults.length === 0) return [palette.dim(`  no active faults; add one with e.g. \`devproxy fault --5xx 30%${again}\``)]
  const rows = faults.map((fault) => ({
    id: fault.id,
    what: describeFault(fault) + (fault.source === 'api' ? '' : ` [${fault.source}]`),
    hits: `matched ${fault.matched}, injected ${fault.injected}`,
    expires: fault.expiresAt === undefined ? '' : `expires in ${formatSpan(fault.expiresAt - nowMs)}`,
  }))
  const idWidth = Math.max(...rows.map((r) => textWidth(r.id)))
  const whatWidth = Math.max(...rows.map((r) => textWidth(r.what)))
  const hitsWidth = Math.max(...rows.map((r) => textWidth(r.hits)))
  return rows.map((r) =>
    `  ${palette.bold(padEndColumns(r.id, idWidth))}  ${padEndColumns(r.what, whatWidth)}  ${palette.dim(padEndColumns(r.hits, hitsWidth))}  ${palette.dim(r.expires)}`.trimEnd(),
  )
}

/** What `devproxy status` shows of one proxy: its status, and what a proxy too old for them does not answer. */
export interface StatusReport extends ProxyStatus {
  readonly metrics?: MetricsSnapshot | undefined
  /** The inspector's one-time login link in force. */
  readonly inspectorUrl?: string | undefined
}

/** `devproxy status`: where the proxy runs, its routes, its faults, its counters and per-route metrics. */
export function formatStatus(status: StatusReport, palette: Palette, nowMs: number, showPath: (file: string) => string): string[] {
  const { counters } = status
  const urls = (status.urls ?? [status.url]).map((url) => palette.ok(url)).join(' and ')
  return [
    `${palette.bold('devproxy')} ${urls} ${palette.dim(`(pid ${status.pid}, up ${formatSpan(nowMs - status.startedAt)})`)}`,
    `  config: ${status.configFile === undefined ? palette.dim('none (--target or --demo)') : showPath(status.configFile)}`,
    ...(status.inspectorUrl === undefined ? [] : [`  inspector: ${status.inspectorUrl}`]),
    ...(status.forward === true ? [`  forward mode: on${status.interceptCaPath === undefined ? '' : ` (intercept CA ${showPath(status.interceptCaPath)})`}`] : []),
    '',
    palette.bold('routes'),
    ...formatRouteTable(status.routes, palette),
    '',
    palette.bold('faults'),
    ...formatFaultTable(status.faults, palette, nowMs),
    '',
    `${palette.bold('requests')} ${counters.requests}  ${palette.bold('errors')} ${counters.errors}  ${palette.bold('faults injected')} ${counters.faults}`,
    ...(status.metrics === undefined ? [] : ['', palette.bold('per route'), ...formatMetricsTable(status.metrics, palette)]),
  ]
}

/**
 * One row per route: requests, each status class seen (`none`: no status was sent), and the
 * latency quantiles. Columns aligned, numbers to the right.
 */
export function formatMetricsTable(metrics: MetricsSnapshot, palette: Palette): string[] {
  if (metrics.routes.length === 0) return [palette.dim('  no requests yet')]
  const classes = [...new Set(metrics.routes.flatMap((route) => Object.keys(route.statusClasses)))].sort((a, b) => (a === 'none' ? 1 : b === 'none' ? -1 : a < b ? -1 : 1))
  const ms = (value: number | null) => (value === null ? '-' : formatLatency(value))
  const header = ['route', 'requests', ...classes, 'p50', 'p95', 'p99']
  const rows = metrics.routes.map((route) => [
    route.route,
    String(route.requests),
    ...classes.map((name) => String(route.statusClasses[name] ?? 0)),
    ms(route.latencyMs.p50),
    ms(route.latencyMs.p95),
    ms(route.latencyMs.p99),
  ])
  const widths = header.map((title, i) => Math.max(textWidth(title), ...rows.map((row) => textWidth(row[i]!))))
  const line = (cells: readonly string[]) => `  ${cells.map((cell, i) => (i === 0 ? padEndColumns(cell, widths[i]!) : padStartColumns(cell, widths[i]!))).join('  ')}`.trimEnd()
  return [palette.dim(line(header)), ...rows.map(line)]
}

/** `  name  path [filters]  → target, target`, columns aligned. */
function formatRouteTable(routes: readonly RouteSummary[], palette: Palette): string[] {
  const rows = routes.map((route) => {
    const filters = [route.outbound ? 'outbound' : route.host ? `host ${route.host}` : '', route.methods ? route.methods.join(',') : ''].filter(Boolean).join(' ')
    return { name: route.name, where: filters ? `${route.path} [${filters}]` : route.path, targets: route.targets.join(', ') }
  })
  const nameWidth = Math.max(0, ...rows.map((r) => textWidth(r.name)))
  const whereWidth = Math.max(0, ...rows.map((r) => textWidth(r.where)))
  return rows.map((r) => `  ${padEndColumns(r.name, nameWidth)}  ${padEndColumns(r.where, whereWidth)}  → ${palette.route(r.targets)}`)
}

/** What `devproxy status` lists of each proxy when several run for the directory. */
export interface ListedProxy {
  readonly pid: number
  readonly url: string
  readonly urls?: readonly string[] | undefined
  readonly command: string
  readonly configFile?: string
  readonly startedAt: number
}

/**
 * `devproxy status` with several proxies for the directory: one line each (port, pid, command,
 * config, uptime, faults, requests), those that did not answer, then how to pick one.
 */
export function formatProxyList(
  listing: {
    readonly proxies: readonly ProxyStatus[]
    readonly notAnswering: ReadonlyArray<ListedProxy & { readonly problem: string }>
    readonly stale: ReadonlyArray<{ readonly pid: number; readonly port: number; readonly command: string }>
  },
  palette: Palette,
  nowMs: number,
  showPath: (file: string) => string,
): string[] {
  const rows = [
    ...listing.proxies.map((status) => ({
      proxy: status as ListedProxy,
      tail: palette.dim(
        `up ${formatSpan(nowMs - status.startedAt)}, ${plural(status.faults.length, 'fault')}, ${plural(status.counters.requests, 'request')}`,
      ),
    })),
    ...listing.notAnswering.map((entry) => ({ proxy: entry as ListedProxy, tail: palette.error(`not answering: ${entry.problem}`) })),
  ].sort((a, b) => portOf(a.proxy.url) - portOf(b.proxy.url))
  const cells = rows.map(({ proxy, tail }) => ({
    port: `port ${(proxy.urls ?? [proxy.url]).map(portOf).join(', ')}`,
    pid: `pid ${proxy.pid}`,
    command: proxy.command,
    config: proxy.configFile === undefined ? 'no config file' : `config ${showPath(proxy.configFile)}`,
    tail,
  }))
  const width = (key: 'port' | 'pid' | 'command' | 'config') => Math.max(0, ...cells.map((cell) => cell[key].length))
  const first = rows[0] === undefined ? 'PORT' : String(portOf(rows[0].proxy.url))
  return [
    `${palette.bold(`${rows.length} devproxies`)} run for this directory:`,
    ...cells.map((cell) =>
      `  ${palette.ok(cell.port.padEnd(width('port')))}  ${cell.pid.padEnd(width('pid'))}  ${cell.command.padEnd(width('command'))}  ${cell.config.padEnd(width('config'))}  ${cell.tail}`.trimEnd(),
    ),
    palette.dim(`routes, faults and counters of one: devproxy status --port ${first}; devproxy fault takes --port too`),
  ]
}

/**
 * The banner's control line. With other proxies already running from the directory, it says
 * that fault and status now need --port.
 */
export function formatControlLine(port: number, neighbours: ReadonlyArray<{ readonly url: string }>): string {
  if (neighbours.length === 0) return '  control: devproxy fault / devproxy status (from this directory)'
  const others = neighbours.map((other) => portOf(other.url)).join(', ')
  return `  control: devproxy fault --port ${port} / devproxy status (from this directory; ${neighbours.length === 1 ? 'another proxy runs' : 'other proxies run'} from it on port ${others})`
}

/** One note per entry that could not be read, with its `rm` line: skipped, so the proxies beside it are still found. */
export function formatUnreadableNotes(unreadable: ReadonlyArray<{ readonly problem: string; readonly suggestion: string }>, palette: Palette): string[] {
  return unreadable.flatMap((entry) => [`${palette.warn('note:')} skipped ${entry.problem}`, `  ${palette.dim('hint:')} ${entry.suggestion}`])
}

/** One note per entry of a proxy that is gone, removed while looking for the running ones. */
export function formatStaleNotes(stale: ReadonlyArray<{ readonly pid: number; readonly port: number; readonly command: string }>, palette: Palette): string[] {
  return stale.map(
    (entry) => `${palette.warn('note:')} removed a stale entry: devproxy ${entry.command} on port ${entry.port} (pid ${entry.pid}) is no longer running`,
  )
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

/** `https://127.0.0.1:8443` → 8443; without a port, its scheme's. */
function portOf(url: string): number {
  const { port, protocol } = new URL(url)
  return port !== '' ? Number(port) : protocol === 'https:' ? 443 : 80
}
