import type { ResolvedConfig, ResolvedRoute } from '../../config/types.js'
import { createRouter, type Router } from './router.js'
import { createTargetPool, type TargetPool } from './target-pool.js'

/**
 * What one config compiles to. A request takes the state current when it arrives and keeps
 * it to the end, so swapping configs never changes a request in flight.
 */
export interface RoutingState {
  readonly config: ResolvedConfig
  readonly router: Router
  readonly pools: ReadonlyMap<ResolvedRoute, TargetPool>
  /**
   * Forward mode: the implicit routes of the outbound hosts seen so far under this config, by
   * origin (implicit-route.ts); they are listed with the routes by `devproxy status` and the inspector.
   */
  readonly implicit: ReadonlyMap<string, ResolvedRoute>
}

export function compileState(config: ResolvedConfig): RoutingState {
  const pools = new Map<ResolvedRoute, TargetPool>()
  for (const route of config.routes) pools.set(route, createTargetPool(route.targets))
  return { config, router: createRouter(config.routes), pools, implicit: new Map() }
}

