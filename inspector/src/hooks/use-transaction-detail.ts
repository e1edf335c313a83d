/**
 * The selected transaction's detail, fetched when the selection changes. A finished transaction
 * never changes, so the last few are kept: stepping back and forth with the arrow keys costs no
 * requests.
 */
import { useEffect, useState } from 'preact/hooks'
import type { TransactionDetail } from '../../../src/inspector/api.js'
import { api } from '../api-client.js'

export interface DetailState {
  readonly id: string | null
  readonly detail: TransactionDetail | null
  readonly error: Error | null
  readonly loading: boolean
}

const CACHE_SIZE = 50
const cache = new Map<string, TransactionDetail>()

function remember(detail: TransactionDetail): void {
  cache.delete(detail.summary.id)
  cache.set(detail.summary.id, detail)
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!)
}

/**
 * `retryKey`: a change fetches again after an error (the selection's row arrived after its
 * detail was asked for: a resent request still in flight).
 */
export function useTransactionDetail(id: string | null, retryKey: unknown): DetailState {
  const [state, setState] = useState<DetailState>({ id: null, detail: null, error: null, loading: false })

  useEffect(() => {
    if (id === null) {
      setState({ id, detail: null, error: null, loading: false })
      return
    }
    const cached = cache.get(id)
    if (cached !== undefined) {
      setState({ id, detail: cached, error: null, loading: false })
      return
    }
    const controller = new AbortController()
    setState((previous) => ({ id, detail: previous.detail, error: null, loading: true }))
    api.transaction(id, controller.signal).then(
      (detail) => {
        remember(detail)
        setState({ id, detail, error: null, loading: false })
      },
      (error: unknown) => {
        if (controller.signal.aborted) return
        setState({ id, detail: null, error: error instanceof Error ? error : new Error(String(error)), loading: false })
      },
    )
    return () => controller.abort()
  }, [id, retryKey])

  return state
}
