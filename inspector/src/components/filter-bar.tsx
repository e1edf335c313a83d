/** The list's filters, how many rows they let through, and the HAR download of what is shown. */
import type { TransactionSummary } from '../../../src/inspector/api.js'
import { EMPTY_FILTER, isFilterActive, STATUS_FILTERS, type StatusFilter, type TransactionFilter } from '../lib/filters.js'
import { HarDownload } from './har-download.js'

export interface FilterBarProps {
  readonly filter: TransactionFilter
  readonly onFilter: (filter: TransactionFilter) => void
  readonly choices: { readonly methods: readonly string[]; readonly routes: readonly string[] }
  /** The rows the filter lets through. */
  readonly shown: readonly TransactionSummary[]
  readonly total: number
  readonly maxCount: number
  readonly selectedId: string | null
}

const valueOf = (event: Event) => (event.currentTarget as HTMLInputElement | HTMLSelectElement).value

export function FilterBar({ filter, onFilter, choices, shown, total, maxCount, selectedId }: FilterBarProps) {
  const set = (change: Partial<TransactionFilter>) => onFilter({ ...filter, ...change })
  const active = isFilterActive(filter)
  return (
    <div class="filter-bar" role="search">
      <input
        type="search"
        data-testid="filter-text"
        aria-label="Filter by text"
        placeholder="Filter: words to find, -word to hide"
        value={filter.text}
        onInput={(event) => set({ text: valueOf(event) })}
      />
      <select data-testid="filter-method" aria-label="Method" value={filter.method} onChange={(event) => set({ method: valueOf(event) })}>
        <option value="">All methods</option>
        {choices.methods.map((method) => (
          <option key={method} value={method}>
            {method}
          </option>
        ))}
      </select>
      <select
        data-testid="filter-status"
        aria-label="Status"
        value={filter.status}
        onChange={(event) => set({ status: valueOf(event) as StatusFilter })}
      >
        <option value="">All statuses</option>
        {STATUS_FILTERS.map((status) => (
          <option key={status} value={status}>
            {status === 'errors' ? 'Errors' : status}
          </option>
        ))}
      </select>
      <select data-testid="filter-route" aria-label="Route" value={filter.route} onChange={(event) => set({ route: valueOf(event) })}>
        <option value="">All routes</option>
        {choices.routes.map((route) => (
          <option key={route} value={route}>
            {route}
          </option>
        ))}
      </select>
      {active && (
        <button type="button" onClick={() => onFilter(EMPTY_FILTER)}>
          Clear filters
        </button>
      )}
      <span class="muted count" data-testid="tx-count" title={`The server keeps the last ${maxCount} transactions; so does this list.`}>
        {active ? `${shown.length} of ${total}` : `${total}`} transactions
      </span>
      <span class="spacer" />
      <HarDownload shown={shown} filterActive={active} selectedId={selectedId} />
    </div>
  )
}
