import { Errors, Flags } from '@oclif/core'
import { DevproxyCommand } from '../cli/devproxy-command.js'
import { dirname } from 'node:path'
import type { ResolvedConfig } from '../config/types.js'
import type { Logger } from '../log/logger.js'
import type { RunningProxy, StartOptions } from '../start-proxy.js'
import type { TransactionSink } from '../proxy/index.js'
import type { ProxyMessage, Restart, Supervision } from '../cli/supervisor-rules.js'

/** What a command built on start sees of its own run. */
export interface CommandContext {
  readonly flags: Record<string, unknown>
  readonly args: Record<string, unknown>
  readonly config: ResolvedConfig
  readonly logger: Logger
}

export interface ExtraSinks {
  readonly sinks: readonly TransactionSink[]
  readonly captureBodyBytes: number
  /** Lines for the banner. */
  readonly banner: readonly string[]
  /** Called once the proxy listens (record opens its file then: a port in use leaves none behind). */
  open?(): Promise<void>
  close(): Promise<void>
}
import { ConfigError, ConfigValidationError, DevproxyError } from '../errors.js'

export default class Start extends DevproxyCommand {
  static override summary = 'Start the proxy.'
  static override description = `Routes each request to the service that owns its path, streams it both ways and prints one line per transaction.

The routes come from proxy.config.ts in the current directory (or --config PATH). Without a config file, --target sends everything to one service, and --demo starts a built-in demo service to try devproxy with nothing else running.`

  static override examples = [
    { description: 'Use ./proxy.config.ts', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Everything to one service, no config file', command: '<%= config.bin %> <%= command.id %> --target http://localhost:3000' },
    { description: 'The built-in demo upstream', command: '<%= config.bin %> <%= command.id %> --demo' },
    { description: 'Another port and config', command: '<%= config.bin %> <%= command.id %> --port 9000 --config dev/proxy.config.ts' },
    { description: 'Start with a flaky API', command: "<%= config.bin %> <%= command.id %> --fault '5xx 30% --route api'" },
    { description: 'A forward proxy that sees and fails one outbound host', command: "<%= config.bin %> <%= command.id %> --intercept api.example.test --fault '5xx 30% --host api.example.test'" },
  ]

  static override flags = {
    config: Flags.string({ char: 'c', summary: 'Config file.', helpValue: 'PATH', description: 'Default: the first of proxy.config.{ts,mts,js,mjs} in the current directory.' }),
    target: Flags.string({ char: 't', summary: 'Proxy every request to this URL (no config file).', helpValue: 'URL', exclusive: ['config', 'demo'] }),
    demo: Flags.boolean({ summary: 'Start the built-in demo upstream and route to it.', exclusive: ['config', 'target'] }),
    port: Flags.integer({ char: 'p', summary: 'Listen port.', description: 'Default: the config\'s port, else 8080.', min: 0, max: 65_535 }),
    host: Flags.string({ summary: 'Listen address.', description: 'Default: the config\'s host, else 127.0.0.1 (loopback only).' }),
    https: Flags.boolean({
      summary: 'Serve HTTPS (HTTP/2 and HTTP/1.1) on the listen port.',
      description:
        "Certificates come from devproxy's local CA, made on first use in your data directory; run devproxy trust once so browsers accept them. --no-https turns off the config's https.",
      allowNo: true,
    }),
    'inspector-history': Flags.integer({ summary: 'Transactions the inspector keeps; the oldest go first.', helpValue: 'COUNT', min: 1, description: 'Default: 10000.' }),
    'inspector-history-mb': Flags.integer({ summary: 'Megabytes of captured bodies the inspector keeps, all transactions together.', helpValue: 'MB', min: 0, description: 'Default: 64.' }),
    'https-port': Flags.integer({ summary: 'Serve HTTPS on this port as well, beside plain HTTP on the listen port.', helpValue: 'PORT', min: 0, max: 65_535 }),
    fault: Flags.string({
      summary: 'Inject a fault from the start; repeatable.',
      helpValue: "'5xx 30%'",
      description: "The devproxy fault flags as one string, e.g. --fault '5xx 30%' --fault 'latency 200-800 --route api'. Change them live with devproxy fault.",
      multiple: true,
    }),
    quiet: Flags.boolean({ char: 'q', summary: 'Show only errors, 5xx and injected faults.', exclusive: ['verbose'] }),
    verbose: Flags.boolean({
      char: 'v',
      summary: 'Show header diffs under each line; -vv adds body diffs, -vvv the standard rewrites.',
      description:
        "-v: what the route's rules (headers, changeOrigin) changed, request as received → as forwarded and response as received → as sent. -vv: also the body against the previous response of the same endpoint (or --baseline). -vvv: the header diffs also show the rewrites made on every request (Via, X-Forwarded-*, hop-by-hop fields, x-devproxy-attempt).",
    }),
    json: Flags.boolean({ summary: 'Print one JSON object per transaction on stdout (the banner goes to stderr).' }),
    'log-file': Flags.string({ summary: 'Also write the log, plain, to this file.', helpValue: 'PATH' }),
    ignore: Flags.string({ summary: 'Header name or JSON path to leave out of diffs; repeatable.', helpValue: 'NAME|$.PATH', multiple: true }),
    baseline: Flags.string({ summary: 'Diff bodies against this HAR recording instead of the previous response (-vv).', helpValue: 'FILE.har' }),
    forward: Flags.boolean({
      summary: 'Forward mode: serve as an HTTP(S) proxy for outbound calls too (absolute-form requests, CONNECT tunnels).',
      description: 'CONNECT to a host not in --intercept is tunnelled blind. Also on with --intercept, --resolve or outbound in the config.',
    }),
    intercept: Flags.string({
      summary: 'Forward mode: open CONNECT tunnels to this host and put its requests through routes, faults, mocks and the log; repeatable.',
      helpValue: 'HOST',
      description: 'A host name, or *.example.com for every name under it. Certificates come from an intercept CA that can only speak for these hosts.',
      multiple: true,
    }),
    resolve: Flags.string({
      summary: 'Forward mode: connect to ADDRESS:PORT for HOST, keeping HOST for SNI and Host (like curl --resolve); repeatable.',
      helpValue: 'HOST=ADDRESS:PORT',
      multiple: true,
    }),
    'allow-open-proxy': Flags.boolean({ summary: 'Allow forward mode on a --host other than loopback (anyone who reaches it can use the proxy).' }),
    watch: Flags.boolean({
      summary: 'Reload the config file when it or a file it imports changes.',
      description: 'On by default; --no-watch keeps the config loaded at start-up.',
      default: true,
      allowNo: true,
    }),
  }

  async run(): Promise<void> {
    const { extractVerbosity } = await import('../cli/verbosity.js')
    const { argv, verbose } = extractVerbosity(this.argv)
    const { flags, args } = await this.parse(this.constructor as typeof Start, argv)
    if (wantsOutbound(flags)) (await import('../outbound/flags.js')).checkOutboundFlags(outboundFlags(flags))
    const supervision = await this.supervision(flags)
    // Listen for Ctrl-C before anything starts, so a signal during start-up still stops cleanly.
    let onStop = () => {}
    const stopped = waitForSignal(() => onStop(), supervision)
    const [{ createLogger }, { startProxy }, { formatBanner, isLoopback }] = await Promise.all([
      import('../log/logger.js'),
      import('../start-proxy.js'),
      import('../log/banner.js'),
    ])
    // With --json, stdout is for the transactions alone.
    const logger = createLogger(flags.json ? { out: process.stderr } : {})
    const cleanups: Array<() => Promise<void>> = []
    try {
      // Under a debugger a hook paused at a breakpoint is not a stuck one: no watchdog.
      const debugging = (await import('node:inspector')).url() !== undefined
      const watchdog = debugging ? undefined : { notifyFd: supervision?.fd, onError: (error: Error) => logger.warn(`the route-code watchdog failed (${error.message}): route code that never returns would freeze the proxy`) }
      // Under the supervisor the watchdog also watches the config's own code, which can loop as it
      // loads: from the end of start-up (a reload), or from the start when this process replaces
      // one that got stuck (the same config loads again). Not before a first start: its thread's
      // start-up would compete with the proxy's for the first request.
      const watchConfigCode = async () => (await import('../hooks/route-code-watch.js')).watchRouteCode({ ...watchdog, now: true })
      if (supervision !== undefined && watchdog !== undefined && this.restart !== undefined) await watchConfigCode()
      const { config, source, tryLines, watch } = await this.resolveSource(flags, cleanups)
      const faults = (await import('../cli/start-faults.js')).parseStartFaults(flags.fault ?? [], config.routes)
      const { createLogSinks } = await import('../cli/log-sinks.js')
      const baseline = flags.baseline ? await (await import('../record/har-baseline.js')).loadBaseline(flags.baseline) : undefined
      const log = createLogSinks({ quiet: flags.quiet, verbose, json: flags.json, logFile: flags['log-file'], ignore: flags.ignore }, config, logger, baseline)
      cleanups.push(() => log.close())
      const extra = await this.extraSinks({ flags, args, config, logger })
      if (extra) cleanups.push(() => extra.close())
      const stateDir = config.file === undefined ? process.cwd() : dirname(config.file)
      const proxy = await startProxy(config, {
        sinks: [...log.sinks, ...(extra?.sinks ?? [])],
        captureBodyBytes: Math.max(log.captureBodyBytes, extra?.captureBodyBytes ?? 0),
        ...this.engineOptions({ flags, args, config, logger }),
        watchdog,
        onSinkError: (error) => logger.error(`a log sink failed: ${(error as Error).message}`),
        onNotice: (notice) => {
          logger.warn(notice.message)
          if (notice.hint) logger.info(logger.palette.dim(`  hint: ${notice.hint}`))
        },
      }).catch(async (error: unknown) => {
        throw await (await import('../cli/port-holder.js')).sayWhoHoldsThePort(error, stateDir)
      })
      cleanups.unshift(() => proxy.close(5_000))
      await extra?.open?.()
      this.tellSupervisor({ type: 'listening', port: proxy.port, httpsPort: proxy.httpsPort === proxy.port ? undefined : proxy.httpsPort })
      for (const spec of faults) proxy.faults.add(spec, 'cli')
      onStop = () => {
        // The terminal echoed ^C: what follows (and the shell prompt) starts on a line of its own.
        if (process.stderr.isTTY) process.stderr.write('\n')
        const inFlight = proxy.inFlight()
        // Nothing to wait for, nothing to say: the cleanups take milliseconds.
        if (inFlight > 0) logger.info(logger.palette.dim(`stopping: waiting for ${inFlight} request${inFlight === 1 ? '' : 's'} in flight (Ctrl-C again to force)`))
      }
      for (const line of formatBanner(config, proxy.url, logger.palette, source, this.invocation(args), (route) => this.servedBy(route))) logger.info(line)
      if (proxy.httpsUrl !== undefined && proxy.httpsUrl !== proxy.url) logger.info(`  and on ${logger.palette.ok(proxy.httpsUrl)} (HTTPS, HTTP/2)`)
      if (proxy.ca !== undefined) {
        const { displayPath } = await import('../config/load-error.js')
        const ca = displayPath(proxy.ca.certFile, process.cwd())
        if (proxy.ca.created) logger.warn(`made devproxy's local CA (${ca}): run devproxy trust once so browsers and curl accept its certificates`)
        else logger.info(logger.palette.dim(`  certificates from devproxy's local CA (${ca}); not trusted yet? devproxy trust`))
        if (proxy.ca.outdated !== undefined) logger.warn(proxy.ca.outdated)
      }
      if (!isLoopback(proxy.host)) {
        logger.warn(`listening on ${proxy.host}: anyone who can reach this machine can use the proxy. Use --host 127.0.0.1 to keep it local.`)
        if (config.outbound !== undefined) logger.warn(`forward mode on ${proxy.host} is an open proxy (--allow-open-proxy): anyone who reaches this port can send traffic anywhere through it`)
      }
      if (config.outbound !== undefined) {
        const intercepted = config.outbound.intercept
        logger.info(`  forward mode: ${intercepted.length === 0 ? 'every CONNECT tunnelled blind' : `intercepting ${intercepted.join(', ')}; other CONNECTs tunnelled blind`} (HTTPS_PROXY=${proxy.url})`)
        if (proxy.interceptCaPath !== undefined) logger.info(logger.palette.dim(`  intercept CA: ${proxy.interceptCaPath}`))
        else if (intercepted.length > 0) logger.info(logger.palette.dim('  intercept CA: kept in memory for this run (clients trust it from devproxy status --json: interceptCaPem)'))
      }
      const { insecureRouteWarnings } = await import('../config/insecure-routes.js')
      for (const line of insecureRouteWarnings(config.routes)) logger.warn(line)
      const { missingMockFiles } = await import('../mocks/mock-files.js')
      for (const issue of missingMockFiles(config.routes)) logger.warn(`${issue.path} ${issue.message}: the requests it answers fail until it exists`)
      for (const line of tryLines(proxy.url)) logger.info(logger.palette.dim(`  try: ${line}`))
      for (const line of extra?.banner ?? []) logger.info(line)
      const active = proxy.faults.list()
      if (active.length > 0) {
        const { describeFault } = await import('../faults/describe.js')
        for (const fault of active) logger.info(logger.palette.warn(`  fault ${fault.id}: ${describeFault(fault)} (${fault.source === 'cli' ? '--fault' : 'config'})`))
      }
      const history = { maxCount: flags['inspector-history'], maxBytes: flags['inspector-history-mb'] === undefined ? undefined : flags['inspector-history-mb'] * 1024 * 1024 }
      const closeControl = await this.startControl(proxy, config, logger, history, supervision)
      if (closeControl) cleanups.unshift(closeControl)
      if (watch && flags.watch) cleanups.unshift(await this.watch(watch, proxy, logger, flags))
      if (supervision !== undefined && watchdog !== undefined) await watchConfigCode()
      await stopped
    } catch (error) {
      await runAll(cleanups)
      // Reported by DevproxyCommand: `error:`/`hint:`, or with --json one object on stderr.
      throw error
    }
    await runAll(cleanups)
  }

  // stdout carries the transactions (one JSON object each with --json); a failure is not one.
  protected override jsonFailureStream: 'stdout' | 'stderr' = 'stderr'

  /** Tells `devproxy start`'s supervisor (src/cli/supervise.ts) what it needs to start this proxy again; nothing when there is none. */
  protected tellSupervisor: (message: ProxyMessage) => void = () => {}

  /** What the process before this one left, when the supervisor started this one again after the watchdog ended it. */
  protected restart: Restart | undefined

  /**
   * The supervisor this process runs under, if any. After a restart this process listens where
   * the ended one did: `--port 0` asked for a free port once, and clients hold its number.
   */
  private async supervision(flags: ListenFlags): Promise<Supervision | undefined> {
    const { takeSupervision, tellSupervisor } = await import('../cli/supervised.js')
    const supervision = takeSupervision()
    if (supervision === undefined) return undefined
    this.tellSupervisor = (message) => tellSupervisor(supervision, message)
    this.restart = supervision.restart
    if (this.restart?.port !== undefined) flags.port = this.restart.port
    if (this.restart?.httpsPort !== undefined) flags['https-port'] = this.restart.httpsPort
    return supervision
  }

  /** `devproxy record`, `devproxy replay x.har`: the command as the user typed it, for the banner. */
  private invocation(args: Record<string, unknown>): string {
    return [this.config.bin, this.id ?? 'start', ...Object.values(args).filter((arg) => typeof arg === 'string')].join(' ')
  }

  /** More sinks for commands built on start (record); none here. */
  protected async extraSinks(_context: CommandContext): Promise<ExtraSinks | undefined> {
    return undefined
  }

  /** More engine options for commands built on start (replay); none here. */
  protected engineOptions(_context: CommandContext): Partial<StartOptions> {
    return {}
  }

  /**
   * The control API for `devproxy fault` and `devproxy status`, found through this proxy's entry
   * in .devproxy/proxies/ next to the config (or in the cwd). Without it the proxy still serves;
   * returns the cleanup.
   */
  private async startControl(
    proxy: RunningProxy,
    config: ResolvedConfig,
    logger: Logger,
    history: { maxCount?: number | undefined; maxBytes?: number | undefined },
    supervision: Supervision | undefined,
  ): Promise<(() => Promise<void>) | undefined> {
    const [{ startControlServer }, { formatControlLine, formatFaultChange }] = await Promise.all([import('../start-control.js'), import('../cli/format-control.js')])
    try {
      const control = await startControlServer({
        pid: supervision?.pid,
        engine: proxy.engine,
        faults: proxy.faults,
        proxyUrl: proxy.url,
        proxyUrls: proxy.httpsUrl === undefined || proxy.httpsUrl === proxy.url ? [proxy.url] : [proxy.url, proxy.httpsUrl],
        // A fault added or removed from another terminal or the inspector shows here, where the traffic does.
        onFaultsChanged: (change) => logger.print(formatFaultChange(change, logger.palette)),
        configFile: config.file,
        stateDir: config.file === undefined ? process.cwd() : dirname(config.file),
        command: this.id ?? 'start',
        interceptCaPath: proxy.interceptCaPath,
        interceptCaPem: proxy.interceptCaPem,
        inspectorHistory: history,
      })
      this.tellSupervisor({ type: 'state', file: control.stateFile })
      logger.info(logger.palette.dim(formatControlLine(proxy.port, control.neighbours)))
      logger.info(`${logger.palette.dim('  inspector:')} ${control.inspectorUrl()}`)
      return () => control.close()
    } catch (error) {
      if (!(error instanceof DevproxyError)) throw error
      logger.warn(`${error.message}; devproxy fault and devproxy status will not find this proxy`)
      return undefined
    }
  }

  /** Hot reload: swaps each valid edit in and prints what changed; returns the cleanup. */
  private async watch(
    watch: { file: string; files: readonly string[] },
    proxy: RunningProxy,
    logger: Logger,
    flags: ListenFlags & ForwardFlags,
  ): Promise<() => Promise<void>> {
    const [{ startLiveReload }, { formatReload }, { displayPath }, { applyListenOverrides }] = await Promise.all([
      import('../features.js'),
      import('../log/format-reload.js'),
      import('../config/load-error.js'),
      import('../config/sources.js'),
    ])
    const name = displayPath(watch.file, process.cwd())
    // The forward-mode flags stay in force over every reload, as the listen flags do.
    const applyOutboundFlags = wantsOutbound(flags) ? (await import('../outbound/flags.js')).applyOutboundFlags : undefined
    const watcher = await startLiveReload({
      ...watch,
      current: () => proxy.engine.state.config,
      swap: (next) => {
        proxy.engine.swap(next)
        // A live fault (--fault, devproxy fault) whose route the new config dropped never fires again: say so.
        const routes = new Set(next.routes.map((route) => route.name))
        for (const fault of proxy.faults.list()) {
          if (fault.source !== 'config' && fault.route !== undefined && !routes.has(fault.route)) {
            logger.warn(`fault ${fault.id} (--route ${fault.route}) matches no route of the reloaded config and will not fire; remove it with devproxy fault --remove ${fault.id}`)
          }
        }
      },
      adjust: (next) => {
        const listened = applyListenOverrides(next, listenFlags(flags))
        return applyOutboundFlags === undefined ? listened : applyOutboundFlags(listened, outboundFlags(flags))
      },
      report: (event) => logger.print(formatReload(event, name, logger.palette), event.type === 'invalid' ? 'err' : 'out'),
    })
    logger.info(logger.palette.dim(`  watching ${name} for changes`))
    return () => watcher.close()
  }

  /** The config with the forward-mode flags added to its `outbound` (for a subclass that builds its own config: replay). */
  protected async withOutboundFlags(config: ResolvedConfig, flags: ForwardFlags): Promise<ResolvedConfig> {
    return wantsOutbound(flags) ? (await import('../outbound/flags.js')).applyOutboundFlags(config, outboundFlags(flags)) : config
  }

  /** What the banner shows a route sends to, when not its targets (`devproxy replay`: the file). */
  protected servedBy(_route: ResolvedConfig['routes'][number]): string | undefined {
    return undefined
  }

  protected async resolveSource(
    flags: { config?: string | undefined; target?: string | undefined; demo: boolean } & ListenFlags & ForwardFlags,
    cleanups: Array<() => Promise<void>>,
  ): Promise<{ config: ResolvedConfig; source: string; tryLines: (url: string) => string[]; watch?: { file: string; files: readonly string[] } }> {
    const [{ resolveConfig, loadConfig }, { applyListenOverrides, targetConfig }] = await Promise.all([
      import('../features.js'),
      import('../config/sources.js'),
    ])
    const listen = listenFlags(flags)
    const outbound = wantsOutbound(flags) ? await import('../outbound/flags.js') : undefined
    const applied = (source: Awaited<ReturnType<Start['resolveSource']>>) => (outbound === undefined ? source : { ...source, config: outbound.applyOutboundFlags(source.config, outboundFlags(flags)) })
    if (flags.demo) {
      const [{ startDemoUpstream }, { demoConfig, demoTryLines }] = await Promise.all([import('../demo/demo-upstream.js'), import('../demo/demo-config.js')])
      const upstream = await startDemoUpstream()
      cleanups.push(() => upstream.close())
      return applied({ config: applyListenOverrides(resolveConfig(demoConfig(upstream.url)), listen), source: `demo upstream at ${upstream.url}`, tryLines: demoTryLines })
    }
    if (flags.target !== undefined) {
      return applied({ config: applyListenOverrides(targetFlagConfig(flags.target, resolveConfig, targetConfig), listen), source: '--target', tryLines: () => [] })
    }
    const { findConfigFile } = await import('../config/load.js')
    const { ConfigNotFoundError } = await import('../errors.js')
    let file: string
    try {
      file = findConfigFile(process.cwd(), flags.config)
    } catch (error) {
      // A forward proxy needs no routes: `devproxy start --intercept api.example.test` alone.
      if (!(error instanceof ConfigNotFoundError) || flags.config !== undefined || outbound === undefined || !outbound.wantsForwardMode(outboundFlags(flags))) throw error
      return applied({ config: applyListenOverrides(resolveConfig({ routes: [], outbound: {} }), listen), source: 'forward mode (no config file)', tryLines: () => [] })
    }
    const loaded = await loadConfig(file)
    return applied({ config: applyListenOverrides(loaded.config, listen), source: file, tryLines: () => [], watch: { file, files: loaded.files } })
  }
}

/**
 * `--target URL` as a config. A URL it cannot use is said of --target (not of routes[0], which
 * the user never wrote); it stays a config error (`config_invalid`, its issues for --json) that
 * exits 2, as every flag value the command cannot take does.
 */
function targetFlagConfig(
  target: string,
  resolveConfig: typeof import('../features.js').resolveConfig,
  targetConfig: typeof import('../config/sources.js').targetConfig,
): ResolvedConfig {
  try {
    return resolveConfig(targetConfig(target))
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error
    const message = error.issues.map((issue) => `--target ${issue.message}`).join('\n')
    const wrong = new ConfigError(message, { suggestion: error.issues[0]?.suggestion ?? 'e.g. --target http://localhost:3000', cause: error })
    Errors.error(wrong, { exit: 2 })
  }
}

/** Forward-mode flags (src/outbound/flags.ts), as typed. */
interface ForwardFlags {
  forward?: boolean | undefined
  intercept?: string[] | undefined
  resolve?: string[] | undefined
  'allow-open-proxy'?: boolean | undefined
}

function wantsOutbound(flags: ForwardFlags): boolean {
  return flags.forward === true || flags.intercept !== undefined || flags.resolve !== undefined || flags['allow-open-proxy'] === true
}

function outboundFlags(flags: ForwardFlags) {
  return { forward: flags.forward, intercept: flags.intercept, resolve: flags.resolve, allowOpenProxy: flags['allow-open-proxy'] }
}

/** The flags that say where and how to listen; they win over the config file. */
interface ListenFlags {
  port?: number | undefined
  host?: string | undefined
  https?: boolean | undefined
  'https-port'?: number | undefined
}

function listenFlags(flags: ListenFlags) {
  return { port: flags.port, host: flags.host, https: flags.https, httpsPort: flags['https-port'] }
}

async function runAll(cleanups: Array<() => Promise<void>>): Promise<void> {
  for (const cleanup of cleanups.splice(0)) await cleanup()
}

/**
 * Resolves on the first SIGINT/SIGTERM; a second one exits at once. Under a supervisor the
 * signals come from it (src/cli/supervised.ts says why).
 */
async function waitForSignal(onFirst: () => void, supervision: Supervision | undefined): Promise<void> {
  const { listenToSupervisor } = supervision === undefined ? { listenToSupervisor: undefined } : await import('../cli/supervised.js')
  return new Promise((resolve) => {
    let stopping = false
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(signal === 'SIGINT' ? 130 : 143)
      stopping = true
      onFirst()
      resolve()
    }
    if (listenToSupervisor !== undefined) return listenToSupervisor(supervision!, onSignal)
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => onSignal(signal))
  })
}
