import { readFile } from 'node:fs/promises'
import { clientFor, findProxies, narrowProxies } from '../control/client.js'
import { proxyUrls, type FoundState } from '../control/state-file.js'
import { ControlError } from '../errors.js'
import { clientProxyUrl, forwardModeOf } from './forward-mode.js'
import { RunError } from './run-error.js'

/**
 * The devproxy running for this directory that `devproxy run` can use: found as `devproxy
 * status` finds one (.devproxy/proxies/ here or above; `--port` picks one), and in forward mode.
 */

export interface RunningForwardProxy {
  /** For HTTP_PROXY: `http://127.0.0.1:8080`. */
  readonly url: string
  /** The intercept CA its clients must trust; undefined when it intercepts nothing. */
  readonly caPath: string | undefined
  readonly pid: number
}

export interface FindOptions {
  /** `--port`: that one, or an error saying why it cannot be used. */
  readonly port?: number | undefined
  readonly configFile?: string | undefined
}

/** Undefined when none is running in forward mode (and no `--port` asked for one). */
export async function findForwardProxy(dir: string, options: FindOptions): Promise<RunningForwardProxy | undefined> {
  let candidates: readonly FoundState[]
  try {
    candidates = narrowProxies(await findProxies(dir), options)
  } catch (error) {
    if (options.port === undefined && error instanceof ControlError) return undefined
    throw error
  }
  const found: RunningForwardProxy[] = []
  for (const entry of candidates) {
    const record = await describe(entry)
    if (record === undefined) continue
    const mode = forwardModeOf(record)
    const url = clientProxyUrl(Array.isArray(record.urls) ? (record.urls as string[]) : proxyUrls(entry.state))
    if (mode.forward && url !== undefined) found.push({ url, caPath: mode.caPath, pid: entry.state.pid })
  }
  if (found.length === 0 && options.port !== undefined) {
    throw new RunError('proxy_not_forward', `the devproxy on port ${options.port} is not a forward proxy: it cannot carry a command's outbound calls`, {
      suggestion: 'start it with --forward or --intercept HOST, or leave out --port and devproxy run starts its own',
      exit: 1,
    })
  }
  return found[0]
}

/** Its state entry as written and its status as it answers (extra fields included: the contract's are read from either). */
async function describe(entry: FoundState): Promise<Record<string, unknown> | undefined> {
  let status: Record<string, unknown>
  try {
    status = (await clientFor(entry, { timeoutMs: 2_000 }).getStatus()) as unknown as Record<string, unknown>
  } catch {
    // Not answering: as `devproxy status` says of it, it is not one to send calls through.
    return undefined
  }
  const written = await readFile(entry.file, 'utf8').then((text) => JSON.parse(text) as Record<string, unknown>, () => ({}))
  return { ...written, ...status }
}
