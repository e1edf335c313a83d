import { hostMatches, hostnameOf } from '../../config/host-pattern.js'
import type { ResolvedRoute } from '../../config/types.js'

/** A request target split without decoding, so the query string can be forwarded byte for byte. */
export interface SplitUrl {
  readonly pathname: string
  /** Everything from the first `?` on, including it; empty when there is no query. */
  readonly search: string
}

export function splitUrl(url: string): SplitUrl {
  const q = url.indexOf('?')
  return q === -1 ? { pathname: url, search: '' } : { pathname: url.slice(0, q), search: url.slice(q) }
}

export interface Router {
  readonly routes: readonly ResolvedRoute[]
  /** The route for a request, or undefined when none matches. `host` is the Host header as sent. */
  match(method: string, host: string | undefined, pathname: string): ResolvedRoute | undefined
}

/**
 * Longest path prefix wins, segment-aware (`/api` matches `/api/x`, not `/apix`); among
 * equal prefixes the first declared wins. Host and method filters narrow a route; a request
 * they exclude falls through to the next candidate.
 */
export function createRouter(routes: readonly ResolvedRoute[]): Router {
  // A stable sort keeps declaration order among equal prefixes.
  const ordered = routes
    .map((route, index) => ({ route, index }))
    .sort((a, b) => b.route.path.length - a.route.path.length || a.index - b.index)
    .map((entry) => entry.route)
  return {
    routes,
    match(method, host, pathname) {
      const hostname = host === undefined ? undefined : hostnameOf(host)
      for (const route of ordered) {
        if (!prefixMatches(route.path, pathname)) continue
        if (route.host !== undefined && (hostname === undefined || !hostMatches(route.host, hostname))) continue
        if (route.methods !== undefined && !route.methods.includes(method)) continue
        return route
      }
      return undefined
    },
  }
}

export function prefixMatches(prefix: string, pathname: string): boolean {
  if (prefix === '/') return true
  if (!pathname.startsWith(prefix)) return false
  return pathname.length === prefix.length || pathname.charCodeAt(prefix.length) === 47 /* / */
}

// A route's `host` is matched as every host selector is (faults' --host, record --filter host=).
export { hostMatches, hostnameOf }
