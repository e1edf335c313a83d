import { Args, Flags } from '@oclif/core'
import type { ResolvedConfig } from '../config/types.js'
import type { StartOptions } from '../proxy/server.js'
import Start, { type CommandContext } from './start.js'

type SourceFlags = Parameters<Start['resolveSource']>[0]
type Source = Awaited<ReturnType<Start['resolveSource']>>

export default class Replay extends Start {
  static override summary = 'Answer requests from a HAR recording, offline.'
  static override description = `Serves a recording made with devproxy record (or any HAR 1.2 file). A request is matched on method, path and query (parameter order does not matter) and, when it has a body, the body (JSON compared structurally). Identical requests are answered in recorded order, then the last answer repeats.

A request the recording does not have gets a 404 whose JSON body names the nearest recorded request and the fields that differ. With --fallthrough, misses go to the live routes of the config (or --target) instead. Faults (devproxy fault, --fault) apply to replayed answers too.`

  static override examples = [
    { description: 'Serve a recording on :8080', command: '<%= config.bin %> <%= command.id %> checkout-flow.har' },
    { description: 'Send misses to the live services of ./proxy.config.ts', command: '<%= config.bin %> <%= command.id %> checkout-flow.har --fallthrough' },
    { description: 'Misses to one service', command: '<%= config.bin %> <%= command.id %> api.har --fallthrough --target http://localhost:3000' },
    { description: 'Finish a recording cut off by a crash, then serve it', command: '<%= config.bin %> <%= command.id %> crashed.har --repair' },
  ]

  static override args = {
    file: Args.string({ description: 'The HAR file to serve.', required: true }),
  }

  static override flags = {
    ...Start.flags,
    fallthrough: Flags.boolean({ summary: 'Forward requests the recording does not have to the live routes (config or --target).' }),
    repair: Flags.boolean({ summary: 'Rewrite an unfinished recording (recorder killed) as a complete HAR file first.' }),
  }

  private replaySource: StartOptions['replay']

  protected override async resolveSource(flags: SourceFlags, cleanups: Array<() => Promise<void>>): Promise<Source> {
    const parsed = await this.parse(Replay, this.argv.filter((a) => !/^-v+$/.test(a)))
    const [{ resolve }, { readHarFile }, { createReplayIndex }, { resolveConfig }, { applyListenOverrides }] = await Promise.all([
      import('node:path'),
      import('../record/har-read.js'),
      import('../record/replay-match.js'),
      import('../config/resolve.js'),
      import('../config/sources.js'),
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
    // Every request must reach the replay: a catch-all route unless the live config has one.
    const replayRoute = resolveConfig({ routes: [{ name: 'replay', path: '/', target: firstOrigin(read.har.log.entries) }] }).routes
    const base = live?.config ?? resolveConfig({ routes: replayRoute.map(() => ({ path: '/', target: 'http://localhost' })) })
    const hasRoot = live?.config.routes.some((r) => r.path === '/' && !r.host && !r.methods) ?? false
    const config: ResolvedConfig = applyListenOverrides(Object.freeze({ ...base, routes: hasRoot ? base.routes : [...(live?.config.routes ?? []), ...replayRoute] }), {
      port: flags.port,
      host: flags.host,
    })
    this.replaySource = { index: createReplayIndex(read.har.log.entries), fallthroughRoutes: new Set(live ? live.config.routes.map((r) => r.name) : []) }
    const entries = read.har.log.entries.length
    return { config, source: `replaying ${entries} recorded transaction${entries === 1 ? '' : 's'} from ${parsed.args.file}${live ? `, misses to ${live.source}` : ''}`, tryLines: () => [] }
  }

  protected override engineOptions(_context: CommandContext): Partial<StartOptions> {
    return { replay: this.replaySource }
  }
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
