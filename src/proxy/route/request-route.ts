import type { ResolvedRoute } from '../../config/types.js'
import type { RoutingState } from './routing-state.js'
import { normalizeRequestTarget } from '../http/normalize-path.js'
import { toOriginForm } from '../http/request-target.js'
import { splitUrl } from './router.js'

/**
 * From the request target as received to the route, for plain requests and WebSocket
 * upgrades alike: origin form, no open proxying, routing on the normalized path.
 */
export type TargetRouting =
  | { readonly kind: 'not-a-path' }
  | { readonly kind: 'open-proxy' }
  /** `url` is what to forward (normalized); `route` is undefined when none matches. */
  | { readonly kind: 'routed'; readonly url: string; readonly route: ResolvedRoute | undefined }

export function routeRequestTarget(state: RoutingState, method: string, target: string, hostHeader: string | undefined): TargetRouting {
  const originForm = toOriginForm(target)
  if (originForm === undefined) return { kind: 'not-a-path' }
  if (!servesAuthority(state, target)) return { kind: 'open-proxy' }
  const url = normalizeRequestTarget(originForm).url
  // RFC 9112 §3.2.2: with an absolute-form target, its authority is the host, not Host.
  const host = authorityOf(target) ?? hostHeader
  return { kind: 'routed', url, route: state.router.match(method, host, splitUrl(url).pathname) }
}

/**
 * An absolute-form target (`GET http://host/path`) is what a client sends to a forward
 * proxy. devproxy serves it only for its own address or a host one of its routes names, so
 * it can never be used to reach other hosts.
 */
function servesAuthority(state: RoutingState, target: string): boolean {
  const hostname = authorityOf(target)
  if (hostname === undefined) return true
  if (LOOPBACK_NAMES.has(hostname) || hostname === state.config.host) return true
  return state.config.routes.some((r) => r.host !== undefined && (r.host === hostname || (r.host.startsWith('*.') && hostname.endsWith(r.host.slice(1)))))
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])

/** The host of an absolute-form target; undefined for origin form. */
function authorityOf(target: string): string | undefined {
  if (target.startsWith('/')) return undefined
  try {
    return new URL(target).hostname.toLowerCase()
  } catch {
    return ''
  }
}

