/** The right-hand pane: the selected transaction's detail, or why there is none. */
import { useLayoutEffect, useRef } from 'preact/hooks'
import type { DetailState } from '../hooks/use-transaction-detail.js'
import { ApiError } from '../api-client.js'
import { TransactionDetailView } from './transaction-detail-view.js'

export interface TransactionDetailPaneProps {
  readonly selectedId: string | null
  readonly state: DetailState
  readonly onSelect: (id: string) => void
  /** Where a request without a Host header was sent, for the copied commands. */
  readonly proxyHost: string
}

export function TransactionDetailPane({ selectedId, state, onSelect, proxyHost }: TransactionDetailPaneProps) {
  const pane = useRef<HTMLElement>(null)
  const shownId = state.detail?.summary.id ?? null
  // Another transaction starts at its top, not at the scroll the last one was left at: when it
  // is selected, and again when its detail replaces the last one's (it loads after the click).
  useLayoutEffect(() => {
    if (pane.current !== null) pane.current.scrollTop = 0
  }, [selectedId, shownId])
  let content
  if (selectedId === null) {
    content = <p class="empty">Select a transaction (click, or ↑/↓) to see it in full.</p>
  } else if (state.error !== null && state.id === selectedId) {
    content = (
      <p class="empty error" role="alert">
        {state.error instanceof ApiError && state.error.status === 404
          ? 'This transaction is no longer in history (or not yet finished).'
          : `Could not load it: ${state.error.message}`}
      </p>
    )
  } else if (state.detail !== null) {
    // While the next one loads, the last one stays, dimmed: no flash when stepping with the keys.
    content = <TransactionDetailView detail={state.detail} stale={state.detail.summary.id !== selectedId} onSelect={onSelect} proxyHost={proxyHost} />
  } else {
    content = <p class="empty">Loading…</p>
  }
  return (
    <section ref={pane} class="detail-pane" data-testid="tx-detail" aria-label="Transaction detail">
      {content}
    </section>
  )
}
