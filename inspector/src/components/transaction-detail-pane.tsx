/** The right-hand pane: the selected transaction's detail, or why there is none. */
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
    <section class="detail-pane" data-testid="tx-detail" aria-label="Transaction detail">
      {content}
    </section>
  )
}
