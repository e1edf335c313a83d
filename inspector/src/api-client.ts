/**
 * Every request the UI makes besides the event stream. All carry the session cookie
 * (`credentials: 'same-origin'`); the server checks the Origin, which the browser sets.
 */
import type { Har } from 'har-format'
import type { ActiveFaultView, RecordingState, ResendRequest, TransactionDetail } from '../../src/inspector/api.js'

/** An answer other than 2xx, with the control API's error body when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    /** Per-field problems with a posted fault, each with its suggestion. */
    readonly details: readonly string[] = [],
  ) {
    super(message)
  }
}

interface ErrorBody {
  error?: {
    type?: string
    message?: string
    issues?: { path?: string; message?: string; suggestion?: string }[]
    routes?: string[]
  }
}

async function errorFrom(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => ({}))) as ErrorBody
  const error = body.error ?? {}
  const details = (error.issues ?? []).map((issue) => [issue.path, issue.message, issue.suggestion].filter(Boolean).join(': '))
  if (error.routes !== undefined) details.push(`routes: ${error.routes.join(', ')}`)
  const fallback = response.status === 401 ? 'the session has expired: open the link devproxy printed again' : `${response.status} ${response.statusText}`
  return new ApiError(response.status, error.type ?? 'http_error', error.message ?? fallback, details)
}

async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...(signal === undefined ? {} : { signal }),
  })
  if (!response.ok) throw await errorFrom(response)
  // 204 No Content (removing a fault) has no body to parse (RFC 9110 §15.3.5).
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}

const transactionPath = (id: string) => `/v1/inspector/transactions/${encodeURIComponent(id)}`

export const api = {
  transaction: (id: string, signal?: AbortSignal) => call<TransactionDetail>('GET', transactionPath(id), undefined, signal),
  resend: (id: string, request: ResendRequest) => call<{ id: string }>('POST', `${transactionPath(id)}/resend`, request),
  setRecording: (action: 'start' | 'stop') => call<RecordingState>('POST', '/v1/inspector/recording', { action }),
  addFault: (text: string) => call<{ faults: readonly ActiveFaultView[] }>('POST', '/v1/faults', { faults: [text] }),
  removeFault: (id: string) => call<unknown>('DELETE', `/v1/faults/${encodeURIComponent(id)}`),
  clearFaults: () => call<{ cleared: number }>('DELETE', '/v1/faults'),
  /** `path` from har-export.ts's harPath. */
  har: (path: string) => call<Har>('GET', path),
  /** The same, as the server wrote it. */
  harBlob: async (path: string) => {
    const response = await fetch(path, { credentials: 'same-origin' })
    if (!response.ok) throw await errorFrom(response)
    return response.blob()
  },
}
