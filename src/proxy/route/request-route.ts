import type { ResolvedRoute } from '../../config/types.js'
import type { RoutingState } from './routing-state.js'
import { normalizeRequestTarget } from '../http/normalize-path.js'
import { toOriginForm } from '../http/request-target.js'
import { hostnameOf, splitUrl } from './router.js'
import { implicitRoute, type SelfAddress } from './implicit-route.js'

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

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '::ffff:127.0.0.1'])

/** The host of an absolute-form target; undefined for origin form. */
function authorityOf(target: string): string | undefined {
  if (target.startsWith('/')) return undefined
  try {
    return new URL(target).hostname.toLowerCase()
  } catch {
    return ''
  }
}

/** Forward mode: the proxy's own address named as the place to forward to. */
export type ForwardRouting = TargetRouting | { readonly kind: 'loop'; readonly origin: string }

/**
 * Forward mode (issue 30): an outbound request — absolute-form on the proxy's port (RFC 9112
 * §3.2.2), or origin-form inside an intercepted tunnel (`intercepted`: the tunnel's scheme) — is
 * routed by its host: a route whose `host` matches, else the host's implicit route
 * (implicit-route.ts). Anything else, and an absolute-form request naming the proxy's own
 * address, is routed as a reverse proxy routes it.
 */
export function routeForward(state: RoutingState, method: string, target: string, hostHeader: string | undefined, intercepted: 'http' | 'https' | undefined, self: readonly SelfAddress[]): ForwardRouting {
  const absolute = target.startsWith('/') ? undefined : parseAbsolute(target)
  const authority = absolute === undefined ? (intercepted === undefined ? undefined : splitHostHeader(hostHeader, intercepted)) : absolute
  if (authority === undefined || (absolute !== undefined && isSelf(authority.hostname, authority.port, self))) return routeRequestTarget(state, method, target, hostHeader)
  const originForm = toOriginForm(target)
  if (originForm === undefined) return { kind: 'not-a-path' }
  const url = normalizeRequestTarget(originForm).url
  const declared = state.router.match(method, authority.hostname, splitUrl(url).pathname)
  // A route without `host` serves the proxy's own clients, not calls to other hosts.
  if (declared?.host !== undefined) return { kind: 'routed', url, route: declared }
  const made = implicitRoute(state, authority.scheme, authority.hostname, authority.port, self)
  return 'loop' in made ? { kind: 'loop', origin: made.loop } : { kind: 'routed', url, route: made.route }
}

interface OutboundAuthority {
  readonly scheme: 'http' | 'https'
  readonly hostname: string
  readonly port: number
}

function parseAbsolute(target: string): OutboundAuthority | undefined {
  let url: URL
  try {
    url = new URL(target)
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  const scheme = url.protocol === 'https:' ? 'https' : 'http'
  return { scheme, hostname: url.hostname.toLowerCase(), port: Number(url.port) || (scheme === 'https' ? 443 : 80) }
}

function splitHostHeader(host: string | undefined, scheme: 'http' | 'https'): OutboundAuthority | undefined {
  if (host === undefined || host === '') return undefined
  const hostname = hostnameOf(host)
  const rest = host.slice(hostname.length)
  const port = rest.startsWith(':') ? Number(rest.slice(1)) : scheme === 'https' ? 443 : 80
  return Number.isInteger(port) && port > 0 ? { scheme, hostname, port } : undefined
}

/** Whether `hostname:port` is one of the proxy's own bound addresses (loopback names for a loopback or any-address listener). */
export function isSelf(hostname: string, port: number, self: readonly SelfAddress[]): boolean {
  const bareName = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname
  return self.some((own) => own.port === port && (bareName === own.address || (LOOPBACK_NAMES.has(bareName) && (LOOPBACK_NAMES.has(own.address) || own.address === '0.0.0.0' || own.address === '::'))))
}
