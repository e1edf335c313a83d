import { isAbsolute, relative } from 'node:path'
import { ControlError } from '../errors.js'
import type { ActiveFault, FaultSpec } from '../faults/types.js'
import type { MetricsSnapshot } from '../metrics/route-metrics.js'
import { padEndColumns, textWidth } from '../terminal/text-width.js'
import { CLIENT_USER_AGENT, type AddedFaults, type ClearedFaults, type ErrorBody, type InspectorLogin, type ProxyStatus } from './protocol.js'
import { findStates, proxyPort, proxyPorts, proxyUrls, removeStaleEntry, type FoundState, type ProxyState, type UnreadableEntry } from './state-file.js'

/**
 * The control API seen from `devproxy fault` and `devproxy status`: finds the proxies running
 * for a directory (one entry each in `.devproxy/proxies/`), picks one, and calls it with the
 * token from its entry. Entries of proxies that are gone are removed as they are found.
 */

export interface ProxyClient {
  /** The entry it was found through. */
  readonly file: string
  readonly state: ProxyState
  getStatus(): Promise<ProxyStatus>
  listFaults(): Promise<ActiveFault[]>
  /** Adds all or none; returns the faults as installed (with their ids). */
  addFaults(specs: readonly FaultSpec[]): Promise<ActiveFault[]>
  /** Returns how many were removed. */
  clearFaults(): Promise<number>
  /** Returns false when no active fault has that id. */
  removeFault(id: string): Promise<boolean>
  /** Per-route metrics; undefined from a devproxy too old to count them. */
  getMetrics(): Promise<MetricsSnapshot | undefined>
  /** The inspector's one-time login link in force; undefined from a devproxy without an inspector. */
  inspectorLogin(): Promise<string | undefined>
}

export interface ClientOptions {
  /** A call that gets no answer within this long fails. Default: `5000`. */
  readonly timeoutMs?: number
}

export interface ChooseOptions {
  /** The proxy listening on this port, when several run for the directory. */
  readonly port?: number | undefined
  /** The config file given with `--config`: with several running, the one started from it. */
  readonly configFile?: string | undefined
}

export type ConnectOptions = ClientOptions & ChooseOptions

/** The proxies recorded for a directory. */
export interface ProxiesFound {
  /** The directory holding `.devproxy/`: the nearest one with entries, from where the search started. */
  readonly dir: string
  /** By port. */
  readonly live: readonly FoundState[]
  /** Entries of proxies whose process is gone; already removed. */
  readonly stale: readonly FoundState[]
  /** Entries that could not be read: skipped (see UnreadableEntry), for the command to report. */
  readonly unreadable: readonly UnreadableEntry[]
}

/** The proxies recorded for `startDir` or its nearest parent; none at all is an error saying how to start one. */
export async function findProxies(startDir: string): Promise<ProxiesFound> {
  const found = await findStates(startDir)
  if (found === undefined) throw notRunning(startDir)
  // Never trusted: a dead pid's entry is removed, never called.
  const stale = found.entries.filter((entry) => !entry.alive)
  await Promise.all(stale.map((entry) => removeStaleEntry(entry)))
  return { dir: found.dir, live: found.entries.filter((entry) => entry.alive), stale, unreadable: found.unreadable }
}

/**
 * The live proxies `options` allow: those on `port`, else those started from `configFile` when
 * that narrows several down, else all. None live, or none on that port, is an error.
 */
export function narrowProxies(found: ProxiesFound, options: ChooseOptions = {}): readonly FoundState[] {
  if (found.live.length === 0) throw found.stale.length === 0 ? notRunning(found.dir, found.unreadable) : gone(found.stale)
  if (options.port !== undefined) {
    // Any port it listens on: the HTTPS one of `--https-port` names the proxy as well as its main one.
    const onPort = found.live.filter((entry) => proxyPorts(entry.state).includes(options.port!))
    if (onPort.length === 0) throw noneOnPort(options.port, found.live)
    return onPort
  }
  const fromFile = options.configFile === undefined ? [] : found.live.filter((entry) => entry.state.configFile === options.configFile)
  return fromFile.length > 0 ? fromFile : found.live
}

/** The one proxy to talk to; several, with nothing to tell them apart, is an error listing them. */
export function chooseProxy(found: ProxiesFound, options: ChooseOptions = {}): FoundState {
  const candidates = narrowProxies(found, options)
  if (candidates.length > 1) throw ambiguous(candidates)
  return candidates[0]!
}

export async function connectToProxy(startDir: string, options: ConnectOptions = {}): Promise<ProxyClient> {
  return clientFor(chooseProxy(await findProxies(startDir), options), options)
}

/** Calls the proxy of one entry. One whose control port refuses connections is gone: its entry is removed. */
export function clientFor(found: FoundState, options: ClientOptions = {}): ProxyClient {
  const { state, file } = found
  const timeoutMs = options.timeoutMs ?? 5_000

  const call = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> => {
    let response: Response
    try {
      response = await fetch(new URL(path, state.controlUrl), {
        method,
        headers: { authorization: `Bearer ${state.token}`, 'user-agent': CLIENT_USER_AGENT, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (error) {
      throw await unreachable(found, error, timeoutMs)
    }
    const data = await readJson(response, found)
    if (response.ok || response.status === 404) return { status: response.status, data: data as T }
    throw rejected(found, response.status, data)
  }

  return {
    file,
    state,
    getStatus: async () => (await call<ProxyStatus>('GET', '/v1/status')).data,
    listFaults: async () => (await call<ActiveFault[]>('GET', '/v1/faults')).data,
    addFaults: async (specs) => [...(await call<AddedFaults>('POST', '/v1/faults', { faults: specs })).data.faults],
    clearFaults: async () => (await call<ClearedFaults>('DELETE', '/v1/faults')).data.cleared,
    removeFault: async (id) => (await call<undefined>('DELETE', `/v1/faults/${encodeURIComponent(id)}`)).status === 204,
    getMetrics: async () => {
      const { status, data } = await call<MetricsSnapshot>('GET', '/v1/metrics')
      return status === 404 ? undefined : data
    },
    inspectorLogin: async () => {
      const { status, data } = await call<InspectorLogin>('POST', '/v1/inspector/login')
      return status === 404 ? undefined : data.url
    },
  }
}

/** An entry as `devproxy status` reports a proxy it could not ask: gone, or not answering. */
export interface ProxyEntrySummary {
  readonly pid: number
  readonly port: number
  readonly url: string
  /** Every URL it listens on, the main one first. */
  readonly urls: readonly string[]
  readonly command: string
  readonly configFile?: string
  readonly startedAt: number
  readonly file: string
  /** Why it is listed here. */
  readonly problem: string
}

/** `devproxy status` with several proxies running for the directory. */
export interface ProxyListing {
  readonly proxies: readonly ProxyStatus[]
  /** Live pids whose control API did not answer (suspended with Ctrl-Z?). */
  readonly notAnswering: readonly ProxyEntrySummary[]
  /** Entries of proxies that are gone; removed. */
  readonly stale: readonly ProxyEntrySummary[]
}

/** Asks every proxy of `found` allowed by `candidates` for its status, all at once. */
export async function statusOfAll(found: ProxiesFound, candidates: readonly FoundState[], options: ClientOptions = {}): Promise<ProxyListing> {
  const answers = await Promise.all(
    candidates.map(async (entry) => {
      try {
        const status = await clientFor(entry, options).getStatus()
        // A devproxy too old to send its URLs: its entry has them.
        return { entry, status: { ...status, urls: status.urls ?? proxyUrls(entry.state) } }
      } catch (error) {
        if (!(error instanceof ControlError)) throw error
        return { entry, error }
      }
    }),
  )
  const failed = (code: (code: string) => boolean) =>
    answers.flatMap(({ entry, error }) => (error !== undefined && code(error.code) ? [summarizeEntry(entry, error.message)] : []))
  return {
    proxies: answers.flatMap(({ status }) => (status === undefined ? [] : [status])),
    notAnswering: failed((code) => code !== 'proxy_stale'),
    stale: [...found.stale.map((entry) => summarizeEntry(entry, `pid ${entry.state.pid} is not running`)), ...failed((code) => code === 'proxy_stale')],
  }
}

export function summarizeEntry(entry: FoundState, problem: string): ProxyEntrySummary {
  const { state } = entry
  return {
    pid: state.pid,
    port: proxyPort(state),
    url: state.url,
    urls: proxyUrls(state),
    command: state.command,
    ...(state.configFile === undefined ? {} : { configFile: state.configFile }),
    startedAt: state.startedAt,
    file: entry.file,
    problem,
  }
}

/**
 * `port 8080  pid 1234  record  config dev/proxy.config.ts`, one per proxy, columns aligned:
 * enough to tell proxies of one directory apart and pick one with --port.
 */
export function describeProxies(states: readonly ProxyState[], cwd = process.cwd()): string[] {
  const rows = states.map((state) => ({
    port: `port ${proxyPorts(state).join(', ')}`,
    pid: `pid ${state.pid}`,
    command: state.command,
    config: state.configFile === undefined ? 'no config file' : `config ${shortPath(state.configFile, cwd)}`,
  }))
  const width = (key: 'port' | 'pid' | 'command') => Math.max(...rows.map((row) => textWidth(row[key])))
  return rows.map((row) => `${padEndColumns(row.port, width('port'))}  ${padEndColumns(row.pid, width('pid'))}  ${padEndColumns(row.command, width('command'))}  ${row.config}`)
}

/** Relative to cwd when inside it. */
function shortPath(file: string, cwd: string): string {
  const rel = relative(cwd, file)
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file
}

async function readJson(response: Response, found: FoundState): Promise<unknown> {
  const text = await response.text()
  if (text === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new ControlError('control_rejected', `${found.state.controlUrl} answered ${response.status} with something other than JSON; is it devproxy?`, {
      suggestion: `Delete ${found.file} and start the proxy again.`,
      cause: error,
    })
  }
}

function notRunning(startDir: string, unreadable: readonly UnreadableEntry[] = []): ControlError {
  const where =
    unreadable.length === 0
      ? `no .devproxy/proxies/ entry in ${startDir} or above it`
      : `the only ${unreadable.length === 1 ? 'entry' : 'entries'} in ${startDir}/.devproxy/proxies could not be read`
  return new ControlError('proxy_not_running', `no devproxy is running for this directory (${where})`, {
    suggestion:
      'Start one from this directory in another terminal: `devproxy start` (or `devproxy start --target http://localhost:3000`). If it was started with `--config PATH`, pass the same `--config PATH` here.',
  })
}

/** Every entry found was of a proxy that is gone; they have been removed. */
function gone(entries: readonly FoundState[], why?: string): ControlError {
  const [first] = entries
  const message =
    entries.length === 1 && first !== undefined
      ? `the devproxy recorded in ${first.file} is gone (${why ?? `pid ${first.state.pid} is not running`}); its stale entry has been removed`
      : `the ${entries.length} devproxies recorded here are gone (pids ${entries.map((entry) => entry.state.pid).join(', ')} are not running); their stale entries have been removed`
  return new ControlError('proxy_stale', message, {
    suggestion: `${entries.length === 1 ? 'It' : 'They'} did not stop cleanly (killed, or the machine restarted). Start one again: \`devproxy start\`.`,
  })
}

function noneOnPort(port: number, live: readonly FoundState[]): ControlError {
  return new ControlError('proxy_not_running', [`no devproxy on port ${port} runs for this directory; these do:`, ...describeProxies(live.map((entry) => entry.state))].join('\n'), {
    suggestion: `Pass --port with one of them, e.g. --port ${proxyPort(live[0]!.state)}.`,
  })
}

function ambiguous(candidates: readonly FoundState[]): ControlError {
  return new ControlError('proxy_ambiguous', [`${candidates.length} devproxies run for this directory; choose one with --port:`, ...describeProxies(candidates.map((entry) => entry.state))].join('\n'), {
    suggestion: `Add --port PORT, e.g. --port ${proxyPort(candidates[0]!.state)}. \`devproxy status\` shows them all.`,
  })
}

async function unreachable(found: FoundState, error: unknown, timeoutMs: number): Promise<ControlError> {
  const code = ((error as { cause?: { code?: unknown } }).cause?.code ?? (error as { code?: unknown }).code) as string | undefined
  // The pid was reused by another process: the proxy itself is gone (a live one removes its
  // entry before its control port closes, and writes it only once that port listens).
  if (code === 'ECONNREFUSED') {
    await removeStaleEntry(found)
    return gone([found], `nothing answers at ${found.state.controlUrl}`)
  }
  if ((error as Error).name === 'TimeoutError') {
    return new ControlError('control_unreachable', `devproxy (pid ${found.state.pid}) did not answer within ${timeoutMs} ms`, {
      suggestion: 'Is it suspended (Ctrl-Z)? Bring it back with `fg`, or stop it and start it again.',
      cause: error,
    })
  }
  return new ControlError('control_unreachable', `cannot reach devproxy (pid ${found.state.pid}) at ${found.state.controlUrl}: ${(error as Error).message}`, {
    cause: error,
  })
}

function rejected(found: FoundState, status: number, data: unknown): ControlError {
  const error = (data as Partial<ErrorBody> | undefined)?.error
  if (status === 401) {
    return new ControlError('control_unauthorized', `devproxy (pid ${found.state.pid}) refused the token in ${found.file}`, {
      suggestion: 'The file belongs to another run of devproxy; stop the proxy and start it again to rewrite it.',
    })
  }
  return new ControlRejectedError(status, error)
}

/** The proxy understood the call and refused it: what it answered, issue by issue. */
export class ControlRejectedError extends ControlError {
  /** The answer's `error.type`, e.g. `fault_invalid`, `fault_never_matches`. */
  readonly type: string
  readonly issues: NonNullable<ErrorBody['error']['issues']>

  constructor(status: number, error: Partial<ErrorBody['error']> | undefined) {
    const suggestion = error?.issues?.[0]?.suggestion
    super('control_rejected', error?.message ?? `the control API answered ${status}`, suggestion === undefined ? {} : { suggestion })
    this.type = error?.type ?? 'unknown'
    this.issues = error?.issues ?? []
  }
}
