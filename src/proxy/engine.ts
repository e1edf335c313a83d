import { randomBytes } from 'node:crypto'
import type { ResolvedConfig } from '../config/types.js'
import type { FaultPlanner } from './exchange/fault-plan.js'
import { createForwarder, type Forwarder } from './upstream/forward.js'
import type { RouteProgram } from './exchange/route-program.js'
import { compileState, type RoutingState } from './route/routing-state.js'
import type { SelfAddress } from './route/implicit-route.js'
import type { StandIn } from './exchange/stand-in.js'
import { type Transaction, type TransactionSink } from './transaction/transaction.js'
import { createInFlight, type InFlight } from './transaction/in-flight.js'
import * as record from './transaction/record.js'

export interface Engine {
  /** This proxy instance in `Via` (`devproxy-<id>`): a request naming it has looped back. */
  readonly instanceId: string
  /**
   * The addresses the proxy listens on, once bound: forward mode refuses to forward or tunnel to
   * them (a loop). Empty until the listeners are up.
   */
  readonly selfAddresses: SelfAddress[]
  /** Plain HTTP transactions being served now. */
  readonly inFlight: InFlight
  /** Those the proxy cut as it stopped: they end as 'shutdown', whatever else failed with them. */
  readonly cutByShutdown: WeakSet<Transaction>
  readonly state: RoutingState
  readonly forwarder: Forwarder
  /** What faults do to each request and attempt (src/faults plugs in here). */
  readonly faults: FaultPlanner
  /** What may answer in place of the upstream, asked in order: mocks, a recording (DESIGN.md §3). */
  readonly standIns: readonly StandIn[]
  /** The routes' own code (`onRequest`, `onResponse`, `transform`, target and retry functions). */
  readonly program: RouteProgram | undefined
  /** Bodies are captured up to this many bytes each for the sinks (diffs, recording, the inspector); 0: off. */
  readonly captureBodyBytes: number
  /**
   * Changes the capture for requests that start from now on: the inspector raises it while a
   * browser watches and sets it back to 0 when the last one leaves. Never below what the engine
   * was created with, which the command needs (`-vv`, `record`).
   */
  setCaptureBodyBytes(bytes: number): void
  /** Totals since start, for `devproxy status`. */
  readonly counters: Readonly<EngineCounters>
  /** Replaces the running config; in-flight requests finish on the one they started with. */
  swap(config: ResolvedConfig): void
  /** Hands a finished transaction to every sink; a failing sink never breaks the proxy. */
  emit(tx: Readonly<Transaction>): void
  /** True when a sink asked to see responses before delivery (`TransactionSink.beforeDelivery`). */
  readonly watchesDelivery: boolean
  /**
   * A response's last bytes are about to be written: hands it to the sinks that asked, and calls
   * `release` when the bytes may go — at once, or at the end of this event-loop turn once the
   * sinks that batch (`flushDelivered`) have flushed.
   */
  deliver(tx: Transaction, release: () => void): void
  addSink(sink: TransactionSink): void
}

export interface EngineCounters {
  requests: number
  /** Responses with status >= 500 and proxy error answers. */
  errors: number
  /** Faults injected. */
  faults: number
}

/** What one config compiles to (route/routing-state.ts): the name the rest of the engine knows it by. */
export type EngineState = RoutingState

/** What plugs into the engine: none of it is the proxy's own (DESIGN.md §3). */
export interface EnginePlugins {
  readonly faults: FaultPlanner
  readonly standIns?: readonly StandIn[] | undefined
  readonly program?: RouteProgram | undefined
  /** A new config was swapped in (the fault registry reinstalls the config's faults). */
  readonly onSwap?: ((next: ResolvedConfig, previous: ResolvedConfig) => void) | undefined
}

export function createEngine(config: ResolvedConfig, plugins: EnginePlugins, onSinkError: (error: unknown) => void, captureBodyBytes = 0): Engine {
  let state = compileState(config)
  const sinks: TransactionSink[] = []
  const deliverySinks: TransactionSink[] = []
  // Some delivery sink only queues in beforeDelivery (flushDelivered): last bytes wait for the flush.
  let batching = false
  // Last bytes held until the batching sinks flush, at the end of this turn (setImmediate).
  let held: Array<() => void> | undefined
  const flushTurn = () => {
    const releases = held!
    held = undefined
    for (const sink of deliverySinks) {
      try {
        sink.flushDelivered?.()
      } catch (error) {
        onSinkError(error)
      }
    }
    for (const release of releases) release()
  }
  // `outbound.resolve` is read when a pool is made, never per request.
  const forwarder = createForwarder((hostname) => state.config.outbound?.resolve[hostname])
  const counters: EngineCounters = { requests: 0, errors: 0, faults: 0 }
  let captureBytes = captureBodyBytes
  return {
    instanceId: randomBytes(4).toString('hex'),
    selfAddresses: [],
    inFlight: createInFlight(),
    cutByShutdown: new WeakSet(),
    get state() {
      return state
    },
    forwarder,
    faults: plugins.faults,
    standIns: plugins.standIns ?? [],
    program: plugins.program,
    counters,
    get captureBodyBytes() {
      return captureBytes
    },
    setCaptureBodyBytes(bytes) {
      captureBytes = Math.max(captureBodyBytes, bytes)
    },
    swap(next) {
      const previous = state.config
      state = compileState(next)
      plugins.onSwap?.(next, previous)
      forwarder.release(next.routes)
    },
    emit(finished) {
      // From here on the record is the sinks' to read, no one's to write (frozen when tests run).
      const tx = record.seal(finished)
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
    deliver(tx, release) {
      record.stopClock(tx)
      for (const sink of deliverySinks) {
        try {
          sink.beforeDelivery!(tx)
        } catch (error) {
          onSinkError(error)
        }
      }
      if (!batching) return release()
      if (held === undefined) {
        held = []
        setImmediate(flushTurn)
      }
      held.push(release)
    },
    addSink(sink) {
      sinks.push(sink)
      if (sink.beforeDelivery) deliverySinks.push(sink)
      if (sink.beforeDelivery && sink.flushDelivered) batching = true
    },
  }
}
