/**
 * Every request the UI makes. Each carries the tab's session in the `x-devproxy-session` header
 * (lib/session.ts) and no cookie (`credentials: 'omit'`); the server checks the Origin, which
 * the browser sets. A 401 means the session is gone (the proxy restarted): the tab forgets it
 * and says how to sign in again.
 */
import type { Har } from 'har-format'
import { SESSION_HEADER, SESSION_PATH, type ActiveFaultView, type RecordingState, type ResendRequest, type SessionGranted, type TransactionDetail } from '../../src/inspector/api.js'
import { ApiError } from './lib/api-error.js'
import { forgetSession, keepSession, storedSession } from './lib/session.js'

export { ApiError, type ApiIssue } from './lib/api-error.js'

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
  const fallback = response.status === 401 ? 'the session has expired: open the link devproxy printed again' : `${response.status} ${response.statusText}`
  return new ApiError(response.status, error.type ?? 'http_error', error.message ?? fallback, error.issues ?? [], error.routes ?? [])
}

/** Told when the server refused the session: the tab is signed out. */
const signedOutListeners = new Set<() => void>()

export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener)
  return () => signedOutListeners.delete(listener)
}

function signedOut(): void {
  forgetSession(sessionStorage)
  for (const listener of signedOutListeners) listener()
}

/** A call of the inspector's API with the session; a 401 signs the tab out. */
export async function authorizedFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const session = storedSession(sessionStorage)
  const headers = new Headers(init.headers)
  if (session !== null) headers.set(SESSION_HEADER, session)
  const response = await fetch(path, { ...init, headers, credentials: 'omit', cache: 'no-store' })
  if (response.status === 401) signedOut()
  return response
}

/**
 * Trades the login link's one-time token for a session, kept in this tab. Resolves true when
 * signed in; false when the server refused the token (used already, or of another run).
 */
export async function signIn(token: string): Promise<boolean> {
  const response = await fetch(SESSION_PATH, {
    method: 'POST',
    credentials: 'omit',
    cache: 'no-store',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  })
  if (response.status === 401) return false
  if (!response.ok) throw await errorFrom(response)
  const { session } = (await response.json()) as SessionGranted
  keepSession(sessionStorage, session)
  return true
}

async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const response = await authorizedFetch(path, {
    method,
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
    const response = await authorizedFetch(path)
    if (!response.ok) throw await errorFrom(response)
    return response.blob()
  },
}
