/** One row of the list: a fixed height (two lines), every value as text. */
import { Component } from 'preact'
import type { TransactionSummary } from '../../../src/inspector/api.js'
import { formatBytes, formatClock, formatDuration } from '../../../src/terminal/format.js'
import { NO_ROUTE, whereOf } from '../lib/filters.js'
import { listChips } from '../lib/list-tags.js'

export interface TransactionRowProps {
  readonly tx: TransactionSummary
  readonly selected: boolean
  readonly onSelect: (id: string) => void
}

export function statusClassName(status: number | null): string {
  return status === null ? 'status-none' : `status-${Math.floor(status / 100)}xx`
}

/** `HTTP/1.1` → `h1.1`, `HTTP/2.0` → `h2`, as DevTools writes them; `ws` for a WebSocket. */
function shortProtocol(tx: TransactionSummary): string {
  if (tx.kind === 'websocket') return tx.scheme === 'https' ? 'wss' : 'ws'
  return `h${tx.protocol.replace(/^HTTP\//, '').replace(/\.0$/, '')}`
}

function renderRow({ tx, selected, onSelect }: TransactionRowProps) {
  const where = whereOf(tx)
  const tags = tx.error !== null && !tx.tags.includes(tx.error.type) ? [...tx.tags, tx.error.type] : tx.tags
  const route = tx.route ?? NO_ROUTE
  const target = tx.target ?? '–'
  // As the log's line when short of room: `localhost:3000`; an https:// target keeps its scheme.
  const shownTarget = target.startsWith('http://') ? target.slice('http://'.length) : target
  return (
    <div
      id={`tx-${tx.id}`}
      class={selected ? 'tx-row selected' : 'tx-row'}
      data-testid="tx-row"
      data-id={tx.id}
      role="option"
      aria-selected={selected}
      onClick={() => onSelect(tx.id)}
    >
      <span class="muted">{formatClock(tx.startedAt)}</span>
      <span class="muted" title={`${tx.protocol} over ${tx.scheme}`}>
        {shortProtocol(tx)}
      </span>
      <span class="method">{tx.method}</span>
      <span class="ellipsis" title={where} data-testid="tx-where">
        {where}
      </span>
      {/* Two lines: the route, then where it sent the request; the whole in the tooltip. */}
      <span class="tx-route" title={`${route} → ${target}`} data-testid="tx-route">
        <span class="ellipsis">{route} →</span>
        <span class="ellipsis muted">{shownTarget}</span>
      </span>
      <span class={`num ${statusClassName(tx.status)}`} title={tx.error?.message}>
        {tx.status ?? '—'}
      </span>
      <span class="num">{formatDuration(tx.durationMs)}</span>
      <span class="num">{formatBytes(tx.responseBytes)}</span>
      <span class="tx-tags" title={tags.join('\n')} data-testid="tx-tags">
        {listChips(tags).map((chip, i) => (
          <span key={i} class={`tag tag-${chip.tone}`}>
            {chip.text}
          </span>
        ))}
      </span>
    </div>
  )
}

/** Rows re-render only when their transaction or selection changes, not on every batch. */
export class TransactionRow extends Component<TransactionRowProps> {
  override shouldComponentUpdate(next: TransactionRowProps): boolean {
    return next.tx !== this.props.tx || next.selected !== this.props.selected || next.onSelect !== this.props.onSelect
  }

  override render() {
    return renderRow(this.props)
  }
}
