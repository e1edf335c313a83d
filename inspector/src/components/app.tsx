/** The inspector: live list and detail pane side by side, the fault and metrics panels below. */
import { useMemo, useState } from 'preact/hooks'
import { useInspectorStream } from '../hooks/use-inspector-stream.js'
import { useTransactionDetail } from '../hooks/use-transaction-detail.js'
import { EMPTY_FILTER, filterChoices, filterTransactions, type TransactionFilter } from '../lib/filters.js'
import { FaultsPanel } from './faults-panel.js'
import { FilterBar } from './filter-bar.js'
import { MetricsPanel } from './metrics-panel.js'
import { TopBar } from './top-bar.js'
import { TransactionDetailPane } from './transaction-detail-pane.js'
import { TransactionList } from './transaction-list.js'

/** The proxy's `host:port`, for a request that came without a Host header. */
function hostOf(proxyUrl: string | null): string {
  try {
    return proxyUrl === null ? 'localhost' : new URL(proxyUrl).host
  } catch {
    return 'localhost'
  }
}

export function App() {
  const { state, dispatch, reconnect } = useInspectorStream()
  const [filter, setFilter] = useState<TransactionFilter>(EMPTY_FILTER)
  const [selectedId, setSelectedId] = useState<string | null>(null)

  const rows = useMemo(() => filterTransactions(state.transactions, filter), [state.transactions, filter])
  const knownRoutes = useMemo(() => state.metrics?.routes.map((route) => route.route) ?? [], [state.metrics])
  const choices = useMemo(() => filterChoices(state.transactions, knownRoutes), [state.transactions, knownRoutes])
  const selectedInHistory = useMemo(
    () => selectedId !== null && state.transactions.some((tx) => tx.id === selectedId),
    [state.transactions, selectedId],
  )
  const detail = useTransactionDetail(selectedId, selectedInHistory)

  return (
    <div class="app">
      <TopBar
        proxyUrls={state.proxyUrls}
        connection={state.connection}
        recording={state.recording}
        onRecording={(recording) => dispatch({ type: 'recording', recording })}
        onReconnect={reconnect}
      />
      <FilterBar
        filter={filter}
        onFilter={setFilter}
        choices={choices}
        shown={rows}
        total={state.transactions.length}
        maxCount={state.maxCount}
        selectedId={selectedId}
      />
      <main class="split">
        <TransactionList rows={rows} selectedId={selectedId} onSelect={setSelectedId} />
        <TransactionDetailPane selectedId={selectedId} state={detail} onSelect={setSelectedId} proxyHost={hostOf(state.proxyUrl)} />
      </main>
      <footer class="panels">
        <FaultsPanel faults={state.faults} />
        <MetricsPanel metrics={state.metrics} />
      </footer>
    </div>
  )
}
