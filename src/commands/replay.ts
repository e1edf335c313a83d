import { Flags } from '@oclif/core'
import { harFileArg } from '../cli/har-file-arg.js'
import type { ResolvedConfig } from '../config/types.js'
import type { StartOptions } from '../start-proxy.js'
import Start, { type CommandContext } from './start.js'

type SourceFlags = Parameters<Start['resolveSource']>[0]
type Source = Awaited<ReturnType<Start['resolveSource']>>

export default class Replay extends Start {
  static override summary = 'Answer requests from a HAR recording, offline.'
  static override description = `Serves a recording made with devproxy record (or any HAR 1.2 file). A request is matched on method, path and query (parameter order does not matter) and, when it has a body, the body (JSON compared structurally). Identical requests are answered in recorded order, then the last answer repeats.

A query recorded exactly is preferred; otherwise cache-busters (_, ts and the like) do not count, as in devproxy diff. A recorded 304 answers only a conditional request. An entry whose body was cut (--max-body, or cut off mid-stream) or that got no response (status 0) is answered 502 (replay_truncated, replay_failed_entry), never as a whole response.

A request the recording does not have gets a 404 whose JSON body names the nearest recorded request and the fields that differ. With --fallthrough, misses and WebSocket upgrades go to the live routes of the config (or --target) instead; without it nothing goes live, and an upgrade is refused with 501. Listens on the config's port and host (unless --port, --host), else 127.0.0.1:8080. Faults (devproxy fault, --fault) apply to replayed answers too.

Answers come at once; with --pace recorded, each comes after the time the recorded one took, and a streamed body (server-sent events) chunk by chunk at its recorded times.`

  static override examples = [
    { description: "Serve a recording on the config's port (else :8080)", command: '<%= config.bin %> <%= command.id %> checkout-flow.har' },
    { description: 'Send misses to the live services of ./proxy.config.ts', command: '<%= config.bin %> <%= command.id %> checkout-flow.har --fallthrough' },
    { description: 'Misses to one service', command: '<%= config.bin %> <%= command.id %> api.har --fallthrough --target http://localhost:3000' },
    { description: 'Finish a recording cut off by a crash, then serve it', command: '<%= config.bin %> <%= command.id %> crashed.har --repair' },
  ]

  static override args = {
    file: harFileArg({ description: 'The HAR file to serve.', required: true }),
  }

  static override flags = {
    ...Start.flags,
    fallthrough: Flags.boolean({ summary: 'Forward requests the recording does not have to the live routes (config or --target).' }),
    repair: Flags.boolean({ summary: 'Rewrite an unfinished recording (recorder killed) as a complete HAR file first.' }),
    pace: Flags.string({
      summary: 'fast: answer at once (default). recorded: as slowly as it was recorded.',
      description: 'With recorded, each answer waits the time the recorded one took to its headers, and a streamed body (server-sent events) comes chunk by chunk at its recorded times.',
      options: ['fast', 'recorded'],
      default: 'fast',
    }),
  }

  private replaySource: StartOptions['replay']
  private bannerTargets = new Map<string, string>()

  protected override async resolveSource(flags: SourceFlags, cleanups: Array<() => Promise<void>>): Promise<Source> {
    const parsed = await this.parse(Replay, this.argv.filter((a) => !/^-v+$/.test(a)))
    const [{ resolve }, { readHarFile }, { createReplayIndex }, { resolveConfig }, { applyListenOverrides }, { findSelfTargets }, { entryProblem }, { targetLabels }] = await Promise.all([
      import('node:path'),
      import('../record/har-read.js'),
      import('../record/replay-match.js'),
      import('../features.js'),
      import('../config/sources.js'),
      import('../proxy/index.js'),
      import('../record/replay-answer.js'),
      import('../config/route-targets.js'),
    ])
    const file = resolve(process.cwd(), parsed.args.file)
    const read = await readHarFile(file)
    if (!read.complete) {
      const note = `${parsed.args.file} was not finalized (recorder stopped early): read ${read.har.log.entries.length} entries${read.dropped ? `, ${read.dropped} cut off` : ''}`
      if (parsed.flags.repair) {
        const { writeFile } = await import('node:fs/promises')
        await writeFile(file, `${JSON.stringify(read.har)}\n`)
        this.logToStderr(`${note}; repaired`)
      } else this.logToStderr(`${note}. --repair rewrites it finished.`)
    }
    const live = parsed.flags.fallthrough ? await super.resolveSource(flags, cleanups) : undefined
    // Nothing goes live without --fallthrough, but the proxy listens where the config says.
    const listen = live?.config ?? (await configForListening(flags))
    const base = live?.config ?? resolveConfig({ routes: [{ path: '/', target: 'http://localhost' }] })
    const withRoutes = (replayTarget: string) => {
      // Every request must reach the replay: a catch-all route unless the live config has one.
      const replayRoute = resolveConfig({ routes: [{ name: 'replay', path: '/', target: replayTarget }] }).routes
      const hasRoot = live?.config.routes.some((r) => r.path === '/' && !r.host && !r.methods) ?? false
      const routes = hasRoot ? base.routes : [...(live?.config.routes ?? []), ...replayRoute]
      // Forward mode as the config has it (a recording of outbound calls is replayed to the same clients).
      const listening = { ...base, port: listen?.port ?? base.port, host: listen?.host ?? base.host, https: listen?.https ?? base.https, outbound: listen?.outbound ?? base.outbound, routes }
      return applyListenOverrides(Object.freeze(listening), { port: flags.port, host: flags.host, https: flags.https, httpsPort: flags['https-port'] })
    }
    let config: ResolvedConfig = withRoutes(firstOrigin(read.har.log.entries))
    // Recorded through this very address (record and replay on :8080): the route only names the
    // recorded origin, it is never contacted, so it must not read as the proxy looping to itself.
    if (findSelfTargets(config.routes.filter((r) => r.name === 'replay'), config.host, config.port).length > 0) config = withRoutes(UNCONTACTED_ORIGIN)
    this.replaySource = {
      index: createReplayIndex(read.har.log.entries),
      fallthroughRoutes: new Set(live ? live.config.routes.map((r) => r.name) : []),
      name: `replay ${parsed.args.file}`,
      pace: parsed.flags.pace === 'recorded' ? 'recorded' : 'fast',
    }
    const name = this.replaySource.name
    for (const route of config.routes) this.bannerTargets.set(route.name, live?.config.routes.includes(route) ? `${name}, misses to ${targetLabels(route).join(', ')}` : name)
    const entries = read.har.log.entries.length
    const problems = read.har.log.entries.map(entryProblem)
    const count = (problem: string) => problems.filter((p) => p === problem).length
    const notServed = [count('truncated') && `${count('truncated')} truncated`, count('failed') && `${count('failed')} failed`].filter(Boolean)
    const caveat = notServed.length > 0 ? ` (${notServed.join(', ')}: answered 502, see x-devproxy-replay)` : ''
    config = await this.withOutboundFlags(config, flags)
    return {
      config,
      source: `replaying ${entries} recorded transaction${entries === 1 ? '' : 's'} from ${parsed.args.file}${caveat}${live ? `, misses to ${live.source}` : ''}`,
      tryLines: () => [],
    }
  }

  /** The banner names the file the routes are answered from, never the recorded origin, which is not contacted. */
  protected override servedBy(route: ResolvedConfig['routes'][number]): string | undefined {
    return this.bannerTargets.get(route.name)
  }

  protected override engineOptions(_context: CommandContext): Partial<StartOptions> {
    return { replay: this.replaySource }
  }
}

/** A target for the replay route that can never be the proxy itself (RFC 2606: .invalid never resolves). */
const UNCONTACTED_ORIGIN = 'http://recording.invalid'

/**
 * The config whose port and host replay listens on without --fallthrough: the project's
 * proxy.config.ts (or --config) when there is one; none with --target or --demo.
 */
async function configForListening(flags: SourceFlags): Promise<ResolvedConfig | undefined> {
  if (flags.target !== undefined || flags.demo) return undefined
  const [{ findConfigFile }, { loadConfig }, { ConfigNotFoundError }] = await Promise.all([import('../config/load.js'), import('../features.js'), import('../errors.js')])
  let file: string
  try {
    file = findConfigFile(process.cwd(), flags.config)
  } catch (error) {
    if (error instanceof ConfigNotFoundError && flags.config === undefined) return undefined
    throw error
  }
  return (await loadConfig(file)).config
}

/** The replay route needs a target; it is never contacted (misses are answered, not forwarded). */
function firstOrigin(entries: ReadonlyArray<{ request: { url: string } }>): string {
  for (const entry of entries) {
    try {
      return new URL(entry.request.url).origin
    } catch {
      // keep looking
    }
  }
  return 'http://localhost'
}
