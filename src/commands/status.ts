import { DevproxyCommand } from '../cli/devproxy-command.js'
import { runningProxyConfigFlag, runningProxyPortFlag } from '../cli/proxy-config-flag.js'
import { dirname, resolve } from 'node:path'
import type { ProxyListing } from '../control/client.js'
import type { StatusReport } from '../cli/format-control.js'
import { ControlError } from '../errors.js'
import type { FoundState } from '../control/state-file.js'

export default class Status extends DevproxyCommand {
  static override summary = 'Show the running proxy: routes, active faults, counters, per-route metrics, the inspector link.'
  static override description = `Asks the devproxy running for this directory (found through .devproxy/proxies/ here or in a parent directory) every URL it listens on (http:// and https://), its routes, the faults in force, how many requests, errors and injected faults it has seen, and per route the requests by status class and the p50/p95/p99 latency. It also prints the inspector's login link (one use; once used, status prints a fresh one).

With several running for the directory (say a start and a record), lists them one per line (--json: {"proxies": [...], "notAnswering": [...], "stale": [...]}); --port PORT (any port it listens on) shows one. Entries left by proxies that did not stop cleanly are reported and removed; an entry that cannot be read is reported and skipped.

Exits 1 when no devproxy is running for this directory.`

  static override enableJsonFlag = true

  static override examples = [
    { description: 'The proxy started from this directory', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'The proxy started with --config dev/proxy.config.ts', command: '<%= config.bin %> <%= command.id %> --config dev/proxy.config.ts' },
    { description: 'As JSON', command: '<%= config.bin %> <%= command.id %> --json' },
    { description: 'Several run here: the one on port 8081', command: '<%= config.bin %> <%= command.id %> --port 8081' },
  ]

  static override flags = {
    config: runningProxyConfigFlag(),
    port: runningProxyPortFlag(),
  }

  async run(): Promise<StatusReport | ProxyListing> {
    const { flags } = await this.parse(Status)
    const [{ findProxies, narrowProxies, clientFor, statusOfAll, summarizeEntry }, format, { displayPath }, { createLogger }, { proxyUrls }] = await Promise.all([
      import('../control/client.js'),
      import('../cli/format-control.js'),
      import('../config/load-error.js'),
      import('../log/logger.js'),
      import('../control/state-file.js'),
    ])
    const { palette } = createLogger()
    const configFile = flags.config === undefined ? undefined : resolve(process.cwd(), flags.config)
    const dir = configFile === undefined ? process.cwd() : dirname(configFile)
    const showPath = (file: string) => displayPath(file, process.cwd())
    const found = await findProxies(dir)
    for (const line of format.formatUnreadableNotes(found.unreadable, palette)) this.logToStderr(line)
    const candidates = narrowProxies(found, { port: flags.port, configFile })
    if (candidates.length === 1) {
      for (const line of format.formatStaleNotes(found.stale.map((entry) => summarizeEntry(entry, 'gone')), palette)) this.logToStderr(line)
      const [entry] = candidates as [FoundState]
      const client = clientFor(entry)
      const [status, metrics, inspectorUrl] = await Promise.all([client.getStatus(), client.getMetrics(), client.inspectorLogin()])
      const report: StatusReport = {
        ...status,
        // A devproxy too old to say them: its entry does.
        urls: status.urls ?? proxyUrls(entry.state),
        ...(metrics === undefined ? {} : { metrics }),
        ...(inspectorUrl === undefined ? {} : { inspectorUrl }),
      }
      for (const line of format.formatStatus(report, palette, Date.now(), showPath)) this.log(line)
      return report
    }
    const listing = await statusOfAll(found, candidates)
    if (listing.proxies.length === 0 && listing.notAnswering.length === 0) {
      throw new ControlError('proxy_stale', 'the devproxies recorded for this directory are gone; their stale entries have been removed', {
        suggestion: 'Start one again: `devproxy start`.',
      })
    }
    for (const line of format.formatStaleNotes(listing.stale, palette)) this.logToStderr(line)
    for (const line of format.formatProxyList(listing, palette, Date.now(), showPath)) this.log(line)
    return listing
  }
}
