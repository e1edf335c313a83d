import type { ResolvedRoute } from '../../config/types.js'
import type { RoutingState } from './routing-state.js'
import { findSelfTargets } from './self-target.js'
import { createTargetPool, type TargetPool } from './target-pool.js'

/**
 * Forward mode (issue 30): an outbound request no declared route serves goes to its own origin,
 * through a route made for it and named by it (`api.example.test`, `api.example.test:8443`).
 * Made once per origin and config from `routeDefaults` (every default, the features' fields
 * included), so it has a pool, retries, faults and a line in the log like any route; https://
 * upstreams are verified with the system CAs plus `outbound.ca`.
 */

/** Most implicit routes one config keeps; past it the oldest are forgotten (their pools idle out). */
const MAX_IMPLICIT_ROUTES = 1_000

/** The bound addresses of the proxy itself: a route to one of them would loop. */
export interface SelfAddress {
  readonly address: string
  readonly port: number
}

export type ImplicitRouting = { readonly route: ResolvedRoute } | { readonly loop: string }

export function implicitRoute(state: RoutingState, scheme: 'http' | 'https', hostname: string, port: number, self: readonly SelfAddress[]): ImplicitRouting {
  const defaultPort = scheme === 'https' ? 443 : 80
  const name = port === defaultPort ? hostname : `${hostname}:${port}`
  const origin = `${scheme}://${name}`
  const implicit = state.implicit as Map<string, ResolvedRoute>
  const known = implicit.get(origin)
  if (known !== undefined) return { route: known }
  const outbound = state.config.outbound
  const route: ResolvedRoute = Object.freeze({
    ...state.config.routeDefaults,
    name,
    host: hostname,
    targets: Object.freeze([new URL(origin)]),
    tls: Object.freeze({ rejectUnauthorized: true, ca: outbound?.ca, caFile: outbound === undefined || outbound.caFiles.length === 0 ? undefined : outbound.caFiles.join(', '), caOption: 'outbound.ca' as const }),
  })
  // `outbound.resolve` may point a name at the proxy's own address: that loops as surely.
  const to = outbound?.resolve[hostname]
  const connectHost = to?.host ?? hostname
  const connectPort = to?.port ?? port
  for (const { address, port: selfPort } of self) {
    const probe = to === undefined ? route : { ...route, targets: [new URL(`${scheme}://${connectHost.includes(':') ? `[${connectHost}]` : connectHost}:${connectPort}`)] }
    if (findSelfTargets([probe], address, selfPort).length > 0) return { loop: origin }
  }
  if (implicit.size >= MAX_IMPLICIT_ROUTES) implicit.delete(implicit.keys().next().value!)
  implicit.set(origin, route)
  ;(state.pools as Map<ResolvedRoute, TargetPool>).set(route, createTargetPool(route.targets))
  return { route }
}
