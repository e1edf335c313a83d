import { Flags } from '@oclif/core'
import { DevproxyCommand } from '../cli/devproxy-command.js'
import type { ResolvedRoute } from '../config/types.js'
import { targetLabels } from '../config/route-targets.js'
import { ConfigError, ConfigValidationError } from '../errors.js'
import { padEndColumns, textWidth } from '../terminal/text-width.js'

export interface CheckResult {
  /** The config file, absolute. */
  file: string
  routes: Array<{ name: string; path: string; targets: string[] }>
}

export default class Check extends DevproxyCommand {
  static override summary = 'Check that the config file loads and is valid.'
  static override description = `Loads the config exactly as start does (proxy.config.ts in the current directory, or --config PATH), validates it and lists its routes, without listening on anything.

Exits 0 when the config is valid; otherwise prints every problem found, with the file and the field at fault, and exits 1.`

  static override enableJsonFlag = true

  static override examples = [
    { description: 'Check ./proxy.config.ts', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Check another file', command: '<%= config.bin %> <%= command.id %> --config dev/proxy.config.ts' },
    { description: 'The routes as JSON', command: '<%= config.bin %> <%= command.id %> --json' },
  ]

  static override flags = {
    config: Flags.string({ char: 'c', summary: 'Config file.', helpValue: 'PATH', description: 'Default: the first of proxy.config.{ts,mts,js,mjs} in the current directory.' }),
  }

  async run(): Promise<CheckResult> {
    const { flags } = await this.parse(Check)
    const [{ findConfigFile }, { loadConfigFile }, { displayPath }, { createLogger }, { missingMockFiles }, { formatIssues }] = await Promise.all([
      import('../config/load.js'),
      import('../features.js'),
      import('../config/load-error.js'),
      import('../log/logger.js'),
      import('../mocks/mock-files.js'),
      import('../config/validate.js'),
    ])
    const file = findConfigFile(process.cwd(), flags.config)
    const config = await loadConfigFile(file)
    // Read when a request comes, so start does not insist on them; check does, as it does on a missing `ca`.
    const missing = missingMockFiles(config.routes)
    if (missing.length > 0) throw new ConfigError(formatIssues(missing, displayPath(file, process.cwd())), { file, cause: new ConfigValidationError(missing) })
    const logger = createLogger()
    this.log(`${logger.palette.ok('✓')} ${displayPath(file, process.cwd())} is valid`)
    for (const line of formatRoutes(config.routes)) this.log(line)
    const { insecureRouteWarnings } = await import('../config/insecure-routes.js')
    for (const line of insecureRouteWarnings(config.routes)) logger.warn(line)
    return {
      file,
      routes: config.routes.map((route) => ({ name: route.name, path: route.path, targets: targetLabels(route) })),
    }
  }
}

/** `  name  path [filters]  → target, target`, columns aligned. */
function formatRoutes(routes: readonly ResolvedRoute[]): string[] {
  const rows = routes.map((route) => {
    const filters = [route.host ? `host ${route.host}` : '', route.methods ? route.methods.join(',') : ''].filter(Boolean).join(' ')
    return { name: route.name, where: filters ? `${route.path} [${filters}]` : route.path, targets: targetLabels(route).join(', ') }
  })
  const nameWidth = Math.max(0, ...rows.map((r) => textWidth(r.name)))
  const whereWidth = Math.max(0, ...rows.map((r) => textWidth(r.where)))
  return rows.map((r) => `  ${padEndColumns(r.name, nameWidth)}  ${padEndColumns(r.where, whereWidth)}  → ${r.targets}`)
}

/** `http://localhost:3000`, not `http://localhost:3000/`; a base path is kept. */
