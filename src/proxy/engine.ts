import { randomBytes } from 'node:crypto'
import type { ResolvedConfig, ResolvedRoute } from '../config/types.js'
import { createFaultRegistry, type FaultRegistry } from '../faults/registry.js'
import type { FaultCounters } from '../faults/types.js'
import type { ReplayIndex } from '../record/replay-match.js'
import { createForwarder, type Forwarder } from './forward.js'
import { createRouter, type Router } from './router.js'
import { createTargetPool, type TargetPool } from './target-pool.js'
import type { Transaction, TransactionSink } from './transaction.js'

/**
 * What one config compiles to. A request takes the state current when it arrives and keeps
 * it to the end, so swapping configs never changes a request in flight.
 */
export interface EngineState {
  readonly config: ResolvedConfig
  readonly router: Router
  readonly pools: ReadonlyMap<ResolvedRoute, TargetPool>
}

export interface Engine {
  /** This proxy instance in `Via` (`devproxy-<id>`): a request naming it has looped back. */
  readonly instanceId: string
  /** Plain HTTP transactions being served now. */
  readonly inFlight: Set<Transaction>
  /** Those the proxy cut as it stopped: they end as 'shutdown', whatever else failed with them. */
  readonly cutByShutdown: WeakSet<Transaction>
  readonly state: EngineState
  readonly forwarder: Forwarder
  /** Faults in force; the control API and config reloads change them live. */
  readonly faults: FaultRegistry
  /** Bodies are captured up to this many bytes each for the sinks (diffs, recording); 0: off. */
  readonly captureBodyBytes: number
  /** `devproxy replay`: answers come from a recording (misses of the listed routes go live). */
  readonly replay: ReplaySource | undefined
  /** Totals since start, for `devproxy status`. */
  readonly counters: Readonly<FaultCounters>
  /** Replaces the running config; in-flight requests finish on the one they started with. */
  swap(config: ResolvedConfig): void
  /** Hands a finished transaction to every sink; a failing sink never breaks the proxy. */
  emit(tx: Readonly<Transaction>): void
  /** True when a sink asked to see responses before delivery (`TransactionSink.beforeDelivery`). */
  readonly watchesDelivery: boolean
  /** A response's last bytes are about to be written: hands it to the sinks that asked. */
  deliver(tx: Transaction): void
  addSink(sink: TransactionSink): void
}

export function compileState(config: ResolvedConfig): EngineState {
  const pools = new Map<ResolvedRoute, TargetPool>()
  for (const route of config.routes) pools.set(route, createTargetPool(route.targets))
  return { config, router: createRouter(config.routes), pools }
}

export interface ReplaySource {
  readonly index: ReplayIndex
  /** Routes whose misses are forwarded to the live target (`--fallthrough`). */
  readonly fallthroughRoutes: ReadonlySet<string>
}

export function createEngine(config: ResolvedConfig, onSinkError: (error: unknown) => void, captureBodyBytes = 0, replay?: ReplaySource): Engine {
  let state = compileState(config)
  const sinks: TransactionSink[] = []
  const deliverySinks: TransactionSink[] = []
  const forwarder = createForwarder()
  const faults = createFaultRegistry()
  faults.setConfigFaults(config.faults.rules)
  const counters: FaultCounters = { requests: 0, errors: 0, faults: 0 }
  return {
    instanceId: randomBytes(4).toString('hex'),
    inFlight: new Set(),
    cutByShutdown: new WeakSet(),
    get state() {
      return state
    },
    forwarder,
    faults,
    counters,
    captureBodyBytes,
    replay,
    swap(next) {
      // Reinstalling unchanged config faults would restart their --first counts and seeds.
      if (JSON.stringify(next.faults.rules) !== JSON.stringify(state.config.faults.rules)) faults.setConfigFaults(next.faults.rules)
      state = compileState(next)
      forwarder.release(next.routes)
    },
    emit(tx) {
      counters.requests++
      if (tx.error !== undefined || (tx.status !== undefined && tx.status >= 500)) counters.errors++
      counters.faults += tx.faults.length
      for (const sink of sinks) {
        try {
          sink(tx)
        } catch (error) {
          onSinkError(error)
        }
      }
    },
    get watchesDelivery() {
      return deliverySinks.length > 0
    },
    deliver(tx) {
      tx.durationMs = performance.now() - tx.startMs
      for (const sink of deliverySinks) {
        try {
          sink.beforeDelivery!(tx)
        } catch (error) {
          onSinkError(error)
        }
      }
    },
    addSink(sink) {
      sinks.push(sink)
      if (sink.beforeDelivery) deliverySinks.push(sink)
    },
  }
}
