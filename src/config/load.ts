import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { ConfigError, ConfigNotFoundError, ConfigValidationError, UsageError } from '../errors.js'
import { DEFAULT_CONFIG_FILES } from './defaults.js'
import { importFresh, isUserFile } from './import-module.js'
import type { ConfigFeatures } from './feature.js'
import { codeFrame, describeLoadError, describeMissingDefault, displayPath, formatLocation } from './load-error.js'
import { resolveConfig } from './resolve.js'
import type { ResolvedConfig, UserConfig } from './types.js'
import { formatIssues } from './validate.js'

/**
 * Finds the config file: the one given, or the first `proxy.config.{ts,mts,js,mjs}` in `cwd`.
 */
export function findConfigFile(cwd: string, given?: string): string {
  if (given) {
    const wrongName = configNameError(given)
    if (wrongName) throw wrongName
    const file = resolve(cwd, given)
    if (!existsSync(file)) throw new ConfigNotFoundError(file)
    return file
  }
  for (const name of DEFAULT_CONFIG_FILES) {
    const file = resolve(cwd, name)
    if (existsSync(file)) return file
  }
  throw new ConfigNotFoundError(resolve(cwd, DEFAULT_CONFIG_FILES[0]))
}

/**
 * `--config dev/x.json`: a name devproxy would never load (only .ts, .mts, .js, .mjs), said
 * the same way by init, check, start, record and replay. A wrong command line: exit 2.
 */
export function configNameError(given: string): UsageError | undefined {
  const extensions = DEFAULT_CONFIG_FILES.map((f) => extname(f))
  if ((extensions as string[]).includes(extname(given))) return undefined
  const suggested = join(dirname(given), `${basename(given, extname(given))}.ts`)
  return new UsageError('config_extension', `${given} is not a config file name: devproxy loads ${extensions.slice(0, -1).join(', ')} or ${extensions.at(-1)} files`, {
    suggestion: `e.g. --config ${shellQuote(suggested)}`,
  })
}

/** Quotes a path for a POSIX shell when it needs it. */
function shellQuote(path: string): string {
  return /^[\w./@%+=:,-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`
}

export interface LoadedConfig {
  readonly config: ResolvedConfig
  /** The config file and the local files it imports: what a watcher should follow. */
  readonly files: readonly string[]
}

/**
 * Imports a config file fresh (no stale module cache), validates and resolves it with the
 * features given (src/features.ts). Every failure is a ConfigError whose message starts with the
 * file name (and line and column when the file does not parse), so it can be printed as is.
 */
export async function loadConfig(file: string, features: ConfigFeatures, cwd = process.cwd()): Promise<LoadedConfig> {
  let imported
  try {
    imported = await importFresh(file)
  } catch (error) {
    throw await loadFailure(error, file, cwd)
  }
  if (!imported.hasDefault) {
    const { message, suggestion } = describeMissingDefault(imported.namedExports)
    throw new ConfigError(`${displayPath(file, cwd)}: ${message}`, { suggestion, file })
  }
  try {
    return { config: resolveConfig(imported.value as UserConfig, features, file), files: imported.files }
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      // Each issue carries its own suggestion on the line below it.
      throw new ConfigError(formatIssues(error.issues, displayPath(file, cwd)), { cause: error, file })
    }
    throw error
  }
}

/** `loadConfig` for callers that do not watch. */
export async function loadConfigFile(file: string, features: ConfigFeatures, cwd = process.cwd()): Promise<ResolvedConfig> {
  return (await loadConfig(file, features, cwd)).config
}

async function loadFailure(error: unknown, file: string, cwd: string): Promise<ConfigError> {
  const described = describeLoadError(error, isUserFile)
  const where = described.location ? formatLocation(described.location, cwd) : displayPath(file, cwd)
  const lines = [`${where}: ${described.message}`]
  if (described.location) {
    const source = await readFile(described.location.file, 'utf8').catch(() => undefined)
    if (source !== undefined) lines.push(...codeFrame(source, described.location.line, described.location.column))
  }
  return new ConfigError(lines.join('\n'), { suggestion: described.suggestion, cause: error, file })
}
