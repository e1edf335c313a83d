import { ControlError } from '../errors.js'
import type { ActiveFault, FaultSpec } from '../faults/types.js'
import type { AddedFaults, ClearedFaults, ErrorBody, ProxyStatus } from './protocol.js'
import { findState, type FoundState, type ProxyState } from './state-file.js'

/**
 * The control API seen from `devproxy fault` and `devproxy status`: finds the proxy running
 * for a directory and calls it with the token from its state file.
 */

export interface ProxyClient {
  /** The state file it was found through. */
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
}

export interface ConnectOptions {
  /** A call that gets no answer within this long fails. Default: `5000`. */
  readonly timeoutMs?: number
}

export async function connectToProxy(startDir: string, options: ConnectOptions = {}): Promise<ProxyClient> {
  const found = await findState(startDir)
  if (found === undefined) throw notRunning(startDir)
  if (!found.alive) throw stale(found, `pid ${found.state.pid} is not running`)
  const { state, file } = found
  const timeoutMs = options.timeoutMs ?? 5_000

  const call = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> => {
    let response: Response
    try {
      response = await fetch(new URL(path, state.controlUrl), {
        method,
        headers: { authorization: `Bearer ${state.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (error) {
      throw unreachable(found, error, timeoutMs)
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
  }
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

function notRunning(startDir: string): ControlError {
  return new ControlError('proxy_not_running', `no devproxy is running for this directory (no .devproxy/state.json in ${startDir} or above it)`, {
    suggestion:
      'Start one from this directory in another terminal: `devproxy start` (or `devproxy start --target http://localhost:3000`). If it was started with `--config PATH`, pass the same `--config PATH` here.',
  })
}

function stale(found: FoundState, why: string): ControlError {
  return new ControlError('proxy_stale', `the devproxy recorded in ${found.file} is gone (${why}); the file is stale`, {
    suggestion: `That proxy did not stop cleanly. Delete the file (rm ${found.file}) or start a proxy again: \`devproxy start\`.`,
  })
}

function unreachable(found: FoundState, error: unknown, timeoutMs: number): ControlError {
  const code = ((error as { cause?: { code?: unknown } }).cause?.code ?? (error as { code?: unknown }).code) as string | undefined
  // The pid was reused by another process: the proxy itself is gone.
  if (code === 'ECONNREFUSED') return stale(found, `nothing answers at ${found.state.controlUrl}`)
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
  const message = error?.message ?? `the control API answered ${status}`
  return new ControlError('control_rejected', message, { ...(error?.issues?.[0]?.suggestion ? { suggestion: error.issues[0].suggestion } : {}) })
}
