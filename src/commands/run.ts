import { Flags } from '@oclif/core'
import { DevproxyCommand } from '../cli/devproxy-command.js'
import { dirname, resolve } from 'node:path'
import { UsageError } from '../errors.js'

export default class Run extends DevproxyCommand {
  static override summary = "Run a command with its outbound HTTP(S) calls through devproxy."
  static override description = `Sets HTTP_PROXY and HTTPS_PROXY (both cases) for the command, NO_PROXY to loopback (and what you had in it), points NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE at one bundle of the system CAs and devproxy's intercept CA, and adds a preload to NODE_OPTIONS so Node's fetch, http and https use the proxy too. curl, Python requests, axios and got follow.

Uses the devproxy running for this directory when it is a forward proxy (started with --forward or --intercept; --port picks one); otherwise starts one for the command's lifetime, with proxy.config.ts from the directory if there is one, on a free port, its log on stderr.

The command keeps its stdin, stdout and stderr, gets SIGINT, SIGTERM and SIGHUP passed on, and devproxy run exits with its exit code (128 + n when it died of signal n; 127 when it is not found).`

  static override usage = '<%= command.id %> [flags] -- COMMAND [ARGS...]'

  static override examples = [
    { description: 'See and fail the calls a Node app makes to one API', command: '<%= config.bin %> <%= command.id %> --intercept api.example.test -- node app.js' },
    { description: 'Point a production name at a local stub', command: '<%= config.bin %> <%= command.id %> --intercept api.example.test --resolve api.example.test=127.0.0.1:9443 -- npm test' },
    { description: 'Through the devproxy already running on port 8080', command: '<%= config.bin %> <%= command.id %> --port 8080 -- curl https://api.example.test/health' },
  ]

  static override flags = {
    port: Flags.integer({
      char: 'p',
      summary: 'Use the devproxy running for this directory on this port.',
      helpValue: 'PORT',
      description: 'It must be a forward proxy (started with --forward or --intercept). Without --port, a forward proxy running here is used if there is one.',
      min: 1,
      max: 65_535,
    }),
    config: Flags.string({ char: 'c', summary: 'Config file for the proxy run starts (and where to look for a running one).', helpValue: 'PATH', description: 'Default: proxy.config.{ts,mts,js,mjs} in the current directory, if there is one; else no routes.' }),
    intercept: Flags.string({ summary: 'Decrypt and show the calls to this host (the intercept CA speaks for it alone); repeatable.', helpValue: 'HOST', multiple: true, description: "'*.example.com' names its subdomains. Other hosts are tunnelled, never decrypted." }),
    resolve: Flags.string({ summary: 'Connect to ADDRESS:PORT for HOST, keeping its name (as curl --resolve); repeatable.', helpValue: 'HOST=ADDRESS:PORT', multiple: true }),
    forward: Flags.boolean({ summary: 'A forward proxy with nothing intercepted: calls are tunnelled and counted, never decrypted.', description: 'What devproxy run starts without --intercept anyway; accepted as devproxy start takes it.' }),
    'proxy-loopback': Flags.boolean({ summary: 'Send calls to localhost and 127.0.0.1 through the proxy too.', description: 'By default loopback stays direct: NO_PROXY holds localhost, 127.0.0.1 and ::1.' }),
    quiet: Flags.boolean({ char: 'q', summary: "Print nothing of devproxy's own: no transaction log, no notes.", exclusive: ['json'] }),
    json: Flags.boolean({ summary: "The proxy's transaction log as one JSON object per line, on stderr (stdout stays the command's)." }),
  }

  // stdout is the command's: a failure of devproxy's own goes to stderr, with --json too.
  protected override jsonFailureStream: 'stdout' | 'stderr' = 'stderr'

  async run(): Promise<void> {
    const [{ splitRunArgv, parseResolveFlags }, { createLogger }] = await Promise.all([import('../run/run-argv.js'), import('../log/logger.js')])
    const split = splitRunArgv(this.argv)
    const { flags } = await this.parse(Run, [...split.flags])
    if (split.command.length === 0) {
      throw new UsageError('missing_argument', `${this.config.bin} run needs a command to run, after --`, { suggestion: `e.g. \`${this.config.bin} run --intercept api.example.test -- node app.js\`` })
    }
    const intercept = flags.intercept ?? []
    // The same check and words as `devproxy start --intercept` (one line, exit 2), not the config's.
    ;(await import('../outbound/flags.js')).checkOutboundFlags({ intercept })
    const resolveMap = parseResolveFlags(flags.resolve ?? [])
    const configures = intercept.length > 0 || Object.keys(resolveMap).length > 0
    if (flags.port !== undefined && configures) {
      throw new UsageError('invalid_flag', '--port picks a running devproxy, and --intercept and --resolve only configure the one devproxy run starts', {
        suggestion: 'leave out --port to have run start its own, or start that devproxy with those flags',
      })
    }
    const logger = createLogger({ out: process.stderr })
    const note = (line: string) => {
      if (!flags.quiet) logger.info(logger.palette.dim(`devproxy run: ${line}`))
    }
    const configFile = flags.config === undefined ? undefined : resolve(process.cwd(), flags.config)
    const { findForwardProxy } = await import('../run/find-forward-proxy.js')
    // Flags that configure a proxy ask for one of run's own: a running one has its own list.
    const running = configures ? undefined : await findForwardProxy(configFile === undefined ? process.cwd() : dirname(configFile), { port: flags.port, configFile })
    const own = running === undefined ? await this.startOwn(flags, configFile, intercept, resolveMap) : undefined
    const proxy = (running ?? own)!
    if (running) note(`through the devproxy running here (${running.url}, pid ${running.pid})`)
    else note(`through its own devproxy on ${proxy.url}${intercept.length > 0 ? `, intercepting ${intercept.join(', ')}` : ''}`)

    const [{ mkdtemp, readFile, rm }, { tmpdir }, { join }] = await Promise.all([import('node:fs/promises'), import('node:os'), import('node:path')])
    let code: number
    const dir = await mkdtemp(join(tmpdir(), 'devproxy-run-'))
    try {
      const [{ writeCaBundle }, { buildChildEnv }, { PRELOAD_URL }, { runCommand }] = await Promise.all([
        import('../run/ca-bundle.js'),
        import('../run/child-env.js'),
        import('../run/preload-location.js'),
        import('../run/spawn-command.js'),
      ])
      if (intercept.length > 0 && proxy.caPath === undefined) logger.warn("the proxy did not say where its intercept CA is: clients will not trust the intercepted hosts' certificates")
      const caBundleFile = proxy.caPath === undefined ? undefined : await writeCaBundle(dir, { interceptCaPem: await readFile(proxy.caPath, 'utf8'), env: process.env })
      const child = buildChildEnv({ env: process.env, proxyUrl: proxy.url, caBundleFile, preload: PRELOAD_URL, proxyLoopback: flags['proxy-loopback'], interceptHosts: intercept })
      for (const line of child.notes) note(line)
      code = await runCommand(split.command, child.env)
    } finally {
      await rm(dir, { recursive: true, force: true })
      await own?.close()
    }
    if (code !== 0) this.exit(code)
  }

  /** The proxy for the command's lifetime: the directory's config if any, else outbound only. */
  private async startOwn(flags: { config?: string | undefined; quiet: boolean; json: boolean }, configFile: string | undefined, intercept: readonly string[], resolveMap: Record<string, string>) {
    const [{ findConfigFile }, { startOutboundProxy }] = await Promise.all([import('../config/load.js'), import('../run/start-outbound-proxy.js')])
    const file = configFile === undefined ? defaultConfigFile(findConfigFile) : findConfigFile(process.cwd(), flags.config)
    return startOutboundProxy({
      configFile: file,
      intercept,
      resolve: resolveMap,
      log: flags.quiet ? false : flags.json ? 'json' : 'pretty',
      write: (text) => void process.stderr.write(text),
    })
  }
}

/** proxy.config.ts (or .mts, .js, .mjs) in the current directory, if there is one. */
function defaultConfigFile(findConfigFile: (cwd: string) => string): string | undefined {
  try {
    return findConfigFile(process.cwd())
  } catch {
    return undefined
  }
}
