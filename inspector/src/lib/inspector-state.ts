/**
 * What the event stream tells the UI, folded into one state: the history (capped as the server
 * caps it), active faults, recording, the latest metrics, and whether the stream is up.
 */
import type { ActiveFaultView, RecordingState, Snapshot, TransactionSummary } from '../../../src/inspector/api.js'
import type { MetricsSnapshot } from '../../../src/metrics/route-metrics.js'
import { appendBatch } from './history.js'

/** `closed`: the browser gave up (the server refused the stream: an expired session, most likely). */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'closed'

export interface InspectorState {
  readonly connection: ConnectionState
  /** Oldest first. */
  readonly transactions: readonly TransactionSummary[]
  /** The server's history cap, which the list keeps too. */
  readonly maxCount: number
  readonly faults: readonly ActiveFaultView[]
  readonly recording: RecordingState
  readonly metrics: MetricsSnapshot | null
  readonly proxyUrl: string | null
  /** Every URL the proxy listens on, the main one first; empty until the snapshot. */
  readonly proxyUrls: readonly string[]
}

export type InspectorAction =
  | { readonly type: 'snapshot'; readonly snapshot: Snapshot }
  | { readonly type: 'transactions'; readonly batch: readonly TransactionSummary[] }
  | { readonly type: 'metrics'; readonly metrics: MetricsSnapshot }
  | { readonly type: 'faults'; readonly faults: readonly ActiveFaultView[] }
  | { readonly type: 'recording'; readonly recording: RecordingState }
  | { readonly type: 'connection'; readonly connection: ConnectionState }

/** Until the snapshot says otherwise: the server's default history cap. */
const DEFAULT_MAX_COUNT = 10_000

export const INITIAL_STATE: InspectorState = {
  connection: 'connecting',
  transactions: [],
  maxCount: DEFAULT_MAX_COUNT,
  faults: [],
  recording: { recording: false, count: 0 },
  metrics: null,
  proxyUrl: null,
  proxyUrls: [],
}

export function reduceInspector(state: InspectorState, action: InspectorAction): InspectorState {
  switch (action.type) {
    case 'snapshot': {
      // Sent on every (re)connection: it replaces whatever the list held, which may be stale.
      const { snapshot } = action
      const maxCount = snapshot.history.maxCount
      return {
        ...state,
        connection: 'live',
        maxCount,
        transactions: appendBatch([], snapshot.transactions, maxCount),
        faults: snapshot.faults,
        recording: snapshot.recording,
        proxyUrl: snapshot.proxyUrl,
        proxyUrls: snapshot.proxyUrls ?? [snapshot.proxyUrl],
      }
    }
    case 'transactions':
      return { ...state, transactions: appendBatch(state.transactions, action.batch, state.maxCount) }
    case 'metrics':
      return { ...state, metrics: action.metrics }
    case 'faults':
      return { ...state, faults: action.faults }
    case 'recording':
      return { ...state, recording: action.recording }
    case 'connection':
      return state.connection === action.connection ? state : { ...state, connection: action.connection }
  }
}
