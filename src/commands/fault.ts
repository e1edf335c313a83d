import { Flags } from '@oclif/core'
import { DevproxyCommand } from '../cli/devproxy-command.js'
import { runningProxyConfigFlag, runningProxyPortFlag } from '../cli/proxy-config-flag.js'
import { dirname, resolve } from 'node:path'
import { ControlError, DevproxyError } from '../errors.js'
import type { FaultFlags } from '../faults/parse.js'
import type { ActiveFault } from '../faults/types.js'
import type { FoundState } from '../control/state-file.js'
import type { Palette } from '../terminal/palette.js'

/** Each proxy's faults, when `--list` covers several. */
export interface ListedFaults {
  pid: number
  url: string
  command: string
  configFile?: string
  faults?: ActiveFault[]
  /** Why its faults are missing: it did not answer. */
  problem?: string
}

export type FaultResult = { faults: ActiveFault[] } | { cleared: number } | { removed: string } | { proxies: ListedFaults[] }

const KINDS = ['5xx', 'status', 'latency', 'timeout', 'reset', 'truncate', 'throttle'] as const
const OPTIONS = ['rate', 'retry-after', 'route', 'path', 'method', 'host', 'first', 'seed', 'for', 'at'] as const
const ACTIONS = ['list', 'clear', 'remove'] as const

const fault = (summary: string, helpValue: string) => Flags.string({ summary, helpValue, helpGroup: 'FAULT' })
const option = (summary: string, helpValue: string, description?: string) =>
  Flags.string({ summary, helpValue, helpGroup: 'WHICH REQUESTS', ...(description ? { description } : {}) })
// Declared on the actions only: oclif checks it both ways, and the usage line stays readable.
const action = (name: (typeof ACTIONS)[number]) => [...KINDS, ...OPTIONS, ...ACTIONS.filter((other) => other !== name)]

export default class Fault extends DevproxyCommand {
  static override summary = 'Inject faults into the running proxy, live.'
  static override description = `Adds, lists or removes faults in the devproxy running for this directory (found through .devproxy/proxies/ here or in a parent directory). With several running there, --port PORT (any port the proxy listens on) picks one; --list without it lists each one's faults. Changes apply to the next request; nothing restarts, and the proxy prints each change in its own terminal.

RATE is 30% or 0.3. A fault applies to every route unless --route, --path, --method or --host narrow it; a --route the proxy does not have, or a --method no request can carry, is refused. With no fault flag, lists the active faults.

Exits 2 for a flag value it cannot take (a rate over 100%, a delay that is not a number, a route the proxy does not have), 1 when no proxy runs for the directory.`

  static override enableJsonFlag = true

  static override usage = [
    '<%= command.id %> FAULT-FLAGS [--route NAME] [--path GLOB] [--method M] [--host HOST] [--first N] [--seed N] [--for DURATION] [--at upstream|client] [-c PATH] [--port PORT] [--json]',
    '<%= command.id %> [--list | --clear | --remove ID] [-c PATH] [--port PORT] [--json]',
  ]

  static override examples = [
    { description: '30% of requests get a 500, 502, 503 or 504', command: '<%= config.bin %> <%= command.id %> --5xx 30%' },
    { description: 'Rate limiting on one route', command: '<%= config.bin %> <%= command.id %> --status 429 --rate 50% --retry-after 2 --route api' },
    { description: 'The first 2 POSTs reset, then all pass', command: '<%= config.bin %> <%= command.id %> --reset 100% --method POST --first 2' },
    { description: 'Slow responses for a minute', command: '<%= config.bin %> <%= command.id %> --latency 200-800 --for 1m' },
    { description: 'Remove every fault', command: '<%= config.bin %> <%= command.id %> --clear' },
    { description: 'Two proxies run here: fault the one on port 8081', command: '<%= config.bin %> <%= command.id %> --5xx 30% --port 8081' },
  ]

  static override flags = {
    '5xx': fault('500/502/503/504 at random, for this share of requests.', 'RATE'),
    status: fault('Answer with one of these statuses (with --rate).', 'CODES'),
    latency: fault('Add this delay (ms), fixed or drawn from a range.', 'MS|LO-HI'),
    timeout: fault('The upstream hangs: the route timeout gives a 504.', 'RATE'),
    reset: fault('The upstream resets the connection.', 'RATE'),
    truncate: fault('The response body is cut after the headers.', 'RATE'),
    throttle: fault('The response body comes at this many KB/s.', 'KBPS'),
    rate: option('Share of requests for --status and --latency.', 'RATE', 'Default: 100%.'),
    'retry-after': option('Retry-After header (seconds) on --status and --5xx answers.', 'S'),
    route: option('Only requests to this route.', 'NAME'),
    path: option('Only request paths matching this glob.', 'GLOB', '`*` matches within a path segment, `**` across segments, `{a,b}` either (README: Path patterns).'),
    method: option('Only this method.', 'M'),
    host: option('Only requests for this host (forward mode: an outbound host; *.example.test for every name under it).', 'HOST'),
    first: option('Fault the first N matching requests, then let everything pass.', 'N'),
    seed: option('Seed for the random draws, for reproducible runs.', 'N'),
    for: option('The fault removes itself after this long (30s, 5m).', 'DURATION'),
    at: Flags.string({
      summary: 'Fault each attempt (upstream, default) or the request once, before retries (client).',
      options: ['upstream', 'client'],
      helpGroup: 'WHICH REQUESTS',
    }),
    list: Flags.boolean({ summary: 'List the active faults (the default with no fault flag).', exclusive: action('list') }),
    clear: Flags.boolean({ summary: 'Remove every active fault.', exclusive: action('clear') }),
    remove: Flags.string({ summary: 'Remove one fault by id.', helpValue: 'ID', exclusive: action('remove') }),
    config: runningProxyConfigFlag(),
    port: runningProxyPortFlag(),
  }

  async run(): Promise<FaultResult> {
    const { flags } = await this.parse(Fault)
    const [{ findProxies, chooseProxy, narrowProxies, clientFor, ControlRejectedError, summarizeEntry }, { specsFromFlags, FaultSpecError }, format, { createLogger }, { proxyPort }] = await Promise.all([
      import('../control/client.js'),
      import('../faults/parse.js'),
      import('../cli/format-control.js'),
      import('../log/logger.js'),
      import('../control/state-file.js'),
    ])
    const { palette } = createLogger()
    const configFile = flags.config === undefined ? undefined : resolve(process.cwd(), flags.config)
    const dir = configFile === undefined ? process.cwd() : dirname(configFile)
    // A mistake in the flags is reported whether or not a proxy runs (exit 2, as any wrong command line).
    const specs = specsFromFlags(faultFlags(flags))
    if (specs.length === 0 && OPTIONS.some((name) => flags[name] !== undefined)) {
      const given = OPTIONS.filter((name) => flags[name] !== undefined).map((name) => `--${name}`)
      throw new FaultSpecError(`${given.join(', ')} ${given.length === 1 ? 'narrows or tunes' : 'narrow or tune'} a fault; name the fault too`, 'e.g. devproxy fault --5xx 30% --route api')
    }
    const found = await findProxies(dir)
    for (const line of format.formatUnreadableNotes(found.unreadable, palette)) this.logToStderr(line)
    for (const line of format.formatStaleNotes(found.stale.map((entry) => summarizeEntry(entry, 'gone')), palette)) this.logToStderr(line)
    const options = { port: flags.port, configFile }
    if (specs.length === 0 && !flags.clear && flags.remove === undefined) {
      const candidates = narrowProxies(found, options)
      // Listing changes nothing: with several proxies and none picked, each one's faults, under its name.
      if (candidates.length > 1) return this.listEach(candidates, palette)
    }
    const chosen = chooseProxy(found, options)
    const proxy = clientFor(chosen)
    // What a command that follows needs to reach the same proxy: --config as given, --port when several run.
    const again = [flags.config === undefined ? '' : ` --config ${shellWord(flags.config)}`, found.live.length > 1 ? ` --port ${proxyPort(chosen.state)}` : ''].join('')
    if (flags.clear) {
      const cleared = await proxy.clearFaults()
      this.log(cleared === 0 ? 'no active faults to clear' : `cleared ${cleared} fault${cleared === 1 ? '' : 's'}`)
      return { cleared }
    }
    if (flags.remove !== undefined) {
      if (!(await proxy.removeFault(flags.remove))) {
        throw new ControlError('fault_not_found', `no active fault ${JSON.stringify(flags.remove)}`, {
          suggestion: `\`devproxy fault --list${again}\` shows the active faults and their ids.`,
        })
      }
      this.log(`${palette.error('-')} ${flags.remove} removed`)
      return { removed: flags.remove }
    }
    if (specs.length > 0) {
      const added = await proxy.addFaults(specs).catch((error: unknown) => {
        // The proxy names spec fields (faults[0].route); the user typed flags (--route).
        if (!(error instanceof ControlRejectedError) || error.type !== 'fault_never_matches') throw error
        const lines = new Set(error.issues.map((issue) => `--${issue.path.replace(/^faults\[\d+\]\./, '')} ${issue.message}`))
        const [first] = error.issues
        // As start --fault says it: the message already names the routes, or the methods the route takes.
        const hint = first?.path.endsWith('.method') ? 'Leave --method out to fault every method.' : 'Name one of the routes, or leave --route out to fault every route.'
        throw new FaultSpecError([...lines].join('\n'), first?.suggestion ?? hint)
      })
      for (const active of added) this.log(format.formatAddedFault(active, palette))
      const one = added.length === 1 ? ` (or just this one: devproxy fault --remove ${added[0]?.id}${again})` : ''
      this.log(palette.dim(`  undo: devproxy fault --clear${again}${one}`))
      return { faults: added }
    }
    const faults = await proxy.listFaults()
    for (const line of format.formatFaultTable(faults, palette, Date.now(), again)) this.log(line)
    return { faults }
  }

  /** `devproxy fault --list` with several proxies running: each one named, then its faults. */
  private async listEach(candidates: readonly FoundState[], palette: Palette): Promise<FaultResult> {
    const [{ describeProxies, clientFor }, { proxyPort }, format] = await Promise.all([
      import('../control/client.js'),
      import('../control/state-file.js'),
      import('../cli/format-control.js'),
    ])
    const names = describeProxies(candidates.map((entry) => entry.state))
    const listed = await Promise.all(
      candidates.map(async (entry) => {
        try {
          return { entry, faults: await clientFor(entry).listFaults() }
        } catch (error) {
          if (!(error instanceof DevproxyError)) throw error
          return { entry, problem: error.message }
        }
      }),
    )
    const now = Date.now()
    listed.forEach(({ faults, problem }, i) => {
      if (i > 0) this.log('')
      this.log(palette.bold(names[i]!))
      if (faults === undefined) this.log(`  ${palette.error(`not answering: ${problem}`)}`)
      else for (const line of format.formatFaultTable(faults, palette, now, ` --port ${proxyPort(candidates[i]!.state)}`)) this.log(line)
    })
    this.log(palette.dim('one of them: devproxy fault --port PORT (--list, --clear, --remove ID, or a fault to add)'))
    return {
      proxies: listed.map(({ entry, faults, problem }) => ({
        pid: entry.state.pid,
        url: entry.state.url,
        command: entry.state.command,
        ...(entry.state.configFile === undefined ? {} : { configFile: entry.state.configFile }),
        ...(faults === undefined ? { problem: problem ?? 'not answering' } : { faults }),
      })),
    }
  }
}

/** Quotes a word for a POSIX shell when it needs it. */
function shellWord(word: string): string {
  return /^[\w./@%+=:,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}

/** The oclif flags as the raw strings `specsFromFlags` reads. */
function faultFlags(flags: Partial<Record<(typeof KINDS)[number] | (typeof OPTIONS)[number], string>>): FaultFlags {
  return {
    '5xx': flags['5xx'],
    status: flags.status,
    rate: flags.rate,
    retryAfter: flags['retry-after'],
    latency: flags.latency,
    timeout: flags.timeout,
    reset: flags.reset,
    truncate: flags.truncate,
    throttle: flags.throttle,
    route: flags.route,
    path: flags.path,
    method: flags.method,
    host: flags.host,
    first: flags.first,
    seed: flags.seed,
    for: flags.for,
    at: flags.at,
  }
}
