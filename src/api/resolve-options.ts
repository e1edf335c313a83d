import { resolve } from 'node:path'
import { child, isPlainObject, issue, type ConfigIssue } from '../config/checks.js'
import type { ResolvedConfig, ResolvedOutbound, UserConfig } from '../config/types.js'
import { ConfigValidationError } from '../errors.js'
import { loadConfigFile, resolveConfig, validateConfig } from '../features.js'
import type { LogFormat, ProxyOptions, ProxyReplayOptions } from './options.js'

/**
 * `startProxy()`'s options checked and resolved before anything starts: the config fields by
 * the config's own rules (src/features.ts), so a mistake is the same `ConfigValidationError`
 * (`config_invalid`, one issue per field, each with its dotted path) that `devproxy check`
 * reports; the API's own fields (`config`, `log`, `record.file`, `replay`) by the rules below.
 */

export interface ResolvedOptions {
  readonly config: ResolvedConfig
  /** Where the log goes; undefined: nowhere. */
  readonly log: { readonly format: LogFormat; readonly write: ((text: string) => void) | undefined } | undefined
  /** The HAR file to record to, absolute. */
  readonly recordFile: string | undefined
  readonly replay: { readonly file: string; readonly fallthrough: boolean } | undefined
  readonly keepTransactions: number
  /** The inspector, with what it keeps; undefined: none. */
  readonly inspector: { readonly maxCount: number | undefined; readonly maxBytes: number | undefined } | undefined
}

/** `keepTransactions` when not given: as many as the inspector keeps by default. */
export const DEFAULT_KEEP_TRANSACTIONS = 10_000

/** What the API adds to the config, or gives a different meaning. */
const API_FIELDS = ['config', 'log', 'record', 'replay', 'keepTransactions', 'inspector'] as const
/** What may stand beside a `config` file: where to listen, and the API's own fields. */
const BESIDE_CONFIG = new Set(['port', 'host', 'https', 'outbound', ...API_FIELDS])
/** Placeholder routes, to check the listen fields alone by the config's rules. */
const NO_ROUTES: UserConfig['routes'] = [{ path: '/', target: 'http://localhost' }]

export async function resolveOptions(options: unknown, cwd = process.cwd()): Promise<ResolvedOptions> {
  if (!isPlainObject(options)) {
    throw new ConfigValidationError([issue('', 'startProxy() takes an options object such as { routes: [{ path: "/", target: "http://localhost:3000" }] }', options)])
  }
  const given = options as ProxyOptions & Record<string, unknown>
  const issues = apiIssues(given)
  const user = userConfig(given)
  if (given.config !== undefined) {
    for (const key of Object.keys(given)) {
      if (!BESIDE_CONFIG.has(key) && given[key] !== undefined) issues.push({ path: key, message: 'cannot be given beside a config file', suggestion: `Set ${key} in ${String(given.config)}, or leave config out.` })
    }
    for (const key of ['diff', 'ignore'] as const) if (isPlainObject(given.log) && given.log[key] !== undefined) issues.push({ path: `log.${key}`, message: 'cannot be given beside a config file', suggestion: `Set log.${key} in ${String(given.config)}.` })
    for (const key of ['redact', 'maxBodyBytes'] as const) if (isPlainObject(given.record) && given.record[key] !== undefined) issues.push({ path: `record.${key}`, message: 'cannot be given beside a config file', suggestion: `Set record.${key} in ${String(given.config)}.` })
    issues.push(...validateConfig({ ...user, routes: NO_ROUTES }).filter((found) => !found.path.startsWith('routes')))
  } else if (given.routes === undefined && given.replay !== undefined) {
    issues.push(...validateConfig({ ...user, routes: NO_ROUTES }).filter((found) => !found.path.startsWith('routes')))
  } else {
    issues.push(...validateConfig(user))
  }
  if (issues.length > 0) throw new ConfigValidationError(issues)

  return {
    config: given.config === undefined ? resolveConfig(given.routes === undefined ? { ...user, routes: NO_ROUTES } : user) : await fromFile(given, user, cwd),
    log: logOutput(given.log),
    recordFile: given.record?.file === undefined ? undefined : resolve(cwd, given.record.file),
    replay: replayOptions(given.replay, cwd),
    keepTransactions: given.keepTransactions ?? DEFAULT_KEEP_TRANSACTIONS,
    inspector: inspectorOptions(given.inspector),
  }
}

/** The options as a `proxy.config.ts` would hold them: the API's own fields left out, port 0 unless given. */
function userConfig(given: ProxyOptions & Record<string, unknown>): UserConfig {
  const { config: _config, log, record, replay: _replay, keepTransactions: _keep, inspector: _inspector, ...rest } = given
  const user: Record<string, unknown> = { ...rest, port: given.port ?? 0 }
  if (isPlainObject(log)) {
    const { format: _format, write: _write, ...settings } = log
    user.log = settings
  }
  if (isPlainObject(record)) {
    const { file: _file, ...settings } = record
    user.record = settings
  }
  return user as unknown as UserConfig
}

/** A config file, loaded as `devproxy start --config` loads it; `port` (0 unless given), `host` and `https` from the options win. */
async function fromFile(given: ProxyOptions, user: UserConfig, cwd: string): Promise<ResolvedConfig> {
  const file = await loadConfigFile(resolve(cwd, given.config!), cwd)
  const listen = resolveConfig({ ...user, routes: NO_ROUTES })
  // `outbound` beside a file (`devproxy run` with flags) adds to the file's, as `start --intercept` does.
  const outbound = given.outbound === undefined ? file.outbound : combineOutbound(file.outbound, listen.outbound)
  return Object.freeze({ ...file, port: listen.port, host: given.host === undefined ? file.host : listen.host, https: given.https === undefined ? file.https : listen.https, outbound })
}

/** The file's forward mode and the options': hosts and CA files of both, the options' address for a host named in both. */
function combineOutbound(file: ResolvedOutbound | undefined, options: ResolvedOutbound | undefined): ResolvedOutbound | undefined {
  if (file === undefined || options === undefined) return options ?? file
  const resolve = Object.assign(Object.create(null) as Record<string, ResolvedOutbound['resolve'][string]>, file.resolve, options.resolve)
  const ca = [file.ca, options.ca].filter((pem) => pem !== undefined).join('\n')
  return Object.freeze({
    intercept: Object.freeze([...new Set([...file.intercept, ...options.intercept])]),
    resolve: Object.freeze(resolve),
    ca: ca === '' ? undefined : ca,
    caFiles: Object.freeze([...file.caFiles, ...options.caFiles]),
    allowOpenProxy: file.allowOpenProxy || options.allowOpenProxy,
  })
}

function apiIssues(given: ProxyOptions & Record<string, unknown>): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  if (given.config !== undefined && (typeof given.config !== 'string' || given.config === '')) issues.push(issue('config', 'must be the path of a config file such as "proxy.config.ts"', given.config))
  const log = given.log
  if (log !== undefined && log !== false && log !== 'pretty' && log !== 'json' && !isPlainObject(log)) {
    issues.push(issue('log', 'must be false, "pretty", "json" or { format, write, diff, ignore }', log))
  }
  if (isPlainObject(log)) {
    if (log.format !== undefined && log.format !== 'pretty' && log.format !== 'json') issues.push(issue('log.format', 'must be "pretty" or "json"', log.format))
    if (log.write !== undefined && typeof log.write !== 'function') issues.push(issue('log.write', 'must be a function that takes the text to write', log.write))
  }
  if (isPlainObject(given.record) && given.record.file !== undefined && (typeof given.record.file !== 'string' || given.record.file === '')) {
    issues.push(issue('record.file', 'must be the path of the HAR file to write, e.g. "recordings/run.har"', given.record.file))
  }
  issues.push(...replayIssues(given.replay))
  if (given.keepTransactions !== undefined && !(Number.isSafeInteger(given.keepTransactions) && given.keepTransactions >= 0)) {
    issues.push(issue('keepTransactions', 'must be a whole number of transactions, 0 or more (0 keeps none; nextTransaction still sees each)', given.keepTransactions))
  }
  issues.push(...inspectorIssues(given.inspector))
  return issues
}

function inspectorIssues(inspector: unknown): ConfigIssue[] {
  if (inspector === undefined || typeof inspector === 'boolean') return []
  if (!isPlainObject(inspector)) return [issue('inspector', 'must be true, false or { history, historyMb }', inspector)]
  const issues: ConfigIssue[] = []
  if (inspector.history !== undefined && !(Number.isSafeInteger(inspector.history) && (inspector.history as number) >= 1)) issues.push(issue(child('inspector', 'history'), 'must be a whole number of transactions, 1 or more', inspector.history))
  if (inspector.historyMb !== undefined && !(typeof inspector.historyMb === 'number' && Number.isFinite(inspector.historyMb) && inspector.historyMb >= 0)) issues.push(issue(child('inspector', 'historyMb'), 'must be a number of megabytes, 0 or more', inspector.historyMb))
  for (const key of Object.keys(inspector)) if (key !== 'history' && key !== 'historyMb') issues.push({ path: child('inspector', key), message: 'is not an inspector option; they are history and historyMb' })
  return issues
}

function inspectorOptions(inspector: ProxyOptions['inspector']): ResolvedOptions['inspector'] {
  if (inspector === undefined || inspector === false) return undefined
  if (inspector === true) return { maxCount: undefined, maxBytes: undefined }
  return { maxCount: inspector.history, maxBytes: inspector.historyMb === undefined ? undefined : Math.round(inspector.historyMb * 1024 * 1024) }
}

function replayIssues(replay: unknown): ConfigIssue[] {
  if (replay === undefined || (typeof replay === 'string' && replay !== '')) return []
  if (!isPlainObject(replay)) return [issue('replay', 'must be the path of a HAR file, or { file, fallthrough }', replay)]
  const issues: ConfigIssue[] = []
  if (typeof replay.file !== 'string' || replay.file === '') issues.push(issue(child('replay', 'file'), 'must be the path of a HAR file', replay.file))
  if (replay.fallthrough !== undefined && typeof replay.fallthrough !== 'boolean') issues.push(issue(child('replay', 'fallthrough'), 'must be true or false', replay.fallthrough))
  for (const key of Object.keys(replay)) if (key !== 'file' && key !== 'fallthrough') issues.push({ path: child('replay', key), message: 'is not a replay option; they are file and fallthrough' })
  return issues
}

function logOutput(log: ProxyOptions['log']): ResolvedOptions['log'] {
  if (log === undefined || log === false) return undefined
  if (typeof log === 'string') return { format: log, write: undefined }
  return { format: log.format ?? 'pretty', write: log.write }
}

function replayOptions(replay: string | ProxyReplayOptions | undefined, cwd: string): ResolvedOptions['replay'] {
  if (replay === undefined) return undefined
  const { file, fallthrough = false } = typeof replay === 'string' ? { file: replay } : replay
  return { file: resolve(cwd, file), fallthrough }
}
