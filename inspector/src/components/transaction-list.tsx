/**
 * The live list, virtualized: only the rows in view (and a few either side) are in the DOM, all
 * of one fixed height, so 10,000 rows scroll like 40.
 */
import type { TransactionSummary } from '../../../src/inspector/api.js'
import { useFollowNewest } from '../hooks/use-follow-newest.js'
import { useSelectionKeys } from '../hooks/use-selection-keys.js'
import { computeWindow } from '../lib/virtual-window.js'
import { TransactionRow } from './transaction-row.js'

/** Must match `.tx-row { height }` in styles.css. */
const ROW_PX = 36
const OVERSCAN = 10

export interface TransactionListProps {
  readonly rows: readonly TransactionSummary[]
  readonly selectedId: string | null
  readonly onSelect: (id: string) => void
}

export function TransactionList({ rows, selectedId, onSelect }: TransactionListProps) {
  const { scroller, scrollTopPx, viewportPx, onScroll } = useFollowNewest(rows, ROW_PX)
  useSelectionKeys(scroller, rows, selectedId, onSelect, ROW_PX)

  const view = computeWindow({ scrollTopPx, viewportPx, rowPx: ROW_PX, count: rows.length, overscan: OVERSCAN })
  const visible = rows.slice(view.start, view.end)

  return (
    <div class="list-pane">
      <div class="tx-header" aria-hidden="true">
        <span>Time</span>
        <span>Proto</span>
        <span>Method</span>
        <span>Host / path</span>
        <span>Route → target</span>
        <span class="num">Status</span>
        <span class="num">Time</span>
        <span class="num">Size</span>
        <span>Tags</span>
      </div>
      <div
        ref={scroller}
        class="tx-scroller"
        data-testid="tx-list"
        role="listbox"
        aria-label="Transactions"
        aria-activedescendant={selectedId === null ? undefined : `tx-${selectedId}`}
        tabIndex={0}
        onScroll={onScroll}
      >
        <div class="tx-spacer" style={{ height: `${view.totalPx}px` }}>
          <div class="tx-window" style={{ transform: `translateY(${view.offsetPx}px)` }}>
            {visible.map((tx) => (
              <TransactionRow key={tx.id} tx={tx} selected={tx.id === selectedId} onSelect={onSelect} />
            ))}
          </div>
        </div>
        {rows.length === 0 && <p class="empty">No transactions yet: send a request through the proxy.</p>}
      </div>
    </div>
  )
}
