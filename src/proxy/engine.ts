import type { ResolvedConfig, ResolvedRoute } from '../config/types.js'
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
  readonly state: EngineState
  readonly forwarder: Forwarder
  /** Replaces the running config; in-flight requests finish on the one they started with. */
  swap(config: ResolvedConfig): void
  /** Hands a finished transaction to every sink; a failing sink never breaks the proxy. */
  emit(tx: Readonly<Transaction>): void
  addSink(sink: TransactionSink): void
}

export function compileState(config: ResolvedConfig): EngineState {
  const pools = new Map<ResolvedRoute, TargetPool>()
  for (const route of config.routes) pools.set(route, createTargetPool(route.targets))
  return { config, router: createRouter(config.routes), pools }
}

export function createEngine(config: ResolvedConfig, onSinkError: (error: unknown) => void): Engine {
  let state = compileState(config)
  const sinks: TransactionSink[] = []
  const forwarder = createForwarder()
  return {
    get state() {
      return state
    },
    forwarder,
    swap(next) {
      const before = new Set(state.config.routes.flatMap((r) => r.targets.map((t) => t.origin)))
      state = compileState(next)
      for (const route of next.routes) for (const target of route.targets) before.delete(target.origin)
      forwarder.release(before)
    },
    emit(tx) {
      for (const sink of sinks) {
        try {
          sink(tx)
        } catch (error) {
          onSinkError(error)
        }
      }
    },
    addSink(sink) {
      sinks.push(sink)
    },
  }
}
