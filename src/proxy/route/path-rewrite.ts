import type { ResolvedRoute } from '../../config/types.js'
import { splitUrl } from './router.js'

/**
 * The path (with query) sent upstream: the route's prefix stripped if asked, then the user's
 * `rewrite`. The query string is never decoded or re-encoded.
 */
export function forwardPath(route: ResolvedRoute, url: string): string {
  let path = url
  if (route.stripPrefix && route.path !== '/') {
    const { pathname, search } = splitUrl(url)
    const rest = pathname.slice(route.path.length)
    path = (rest.startsWith('/') ? rest : `/${rest}`) + search
  }
  if (route.rewrite) {
    const rewritten = route.rewrite(path)
    path = typeof rewritten === 'string' && rewritten.startsWith('/') ? rewritten : `/${rewritten ?? ''}`
  }
  return path
}
