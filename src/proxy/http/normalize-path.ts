/**
 * The path a request is routed by. `/public/../admin` must not reach the `/public` route's
 * upstream (which would resolve it to `/admin`), so routing uses the path with dot segments
 * removed (RFC 3986 §5.2.4) after decoding percent-encoded dots and slashes, which some
 * servers decode before resolving. Pure.
 */

export interface NormalizedTarget {
  /** Path and query to route by and forward. */
  readonly url: string
  /** True when the path had dot segments (plain or encoded) and was rewritten. */
  readonly changed: boolean
}

const ENCODED_DOT_OR_SLASH = /%2e|%2f|%5c/i

export function normalizeRequestTarget(url: string): NormalizedTarget {
  const at = url.indexOf('?')
  const path = at === -1 ? url : url.slice(0, at)
  // Nearly every path has no dot segment, no escape and no backslash: nothing to rewrite.
  if (path.startsWith('/') && !path.includes('/.') && !path.includes('%') && !path.includes('\\')) return { url, changed: false }
  const query = at === -1 ? '' : url.slice(at)
  const decoded = ENCODED_DOT_OR_SLASH.test(path) ? path.replace(/%2e/gi, '.').replace(/%2f/gi, '/').replace(/%5c/gi, '\\') : path
  // Backslashes are path separators to some servers (IIS, some frameworks): treat them as such.
  const segments = decoded.replaceAll('\\', '/').split('/')
  if (!segments.some((s) => s === '.' || s === '..')) return { url, changed: false }
  const out: string[] = []
  for (const segment of segments.slice(1)) {
    if (segment === '.') continue
    if (segment === '..') out.pop()
    else out.push(segment)
  }
  const last = segments.at(-1)
  const trailing = last === '.' || last === '..' ? '/' : ''
  const joined = `/${out.join('/')}${trailing}`.replace(/\/{2,}$/, '/')
  return { url: joined + query, changed: true }
}
