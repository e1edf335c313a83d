/**
 * Reduces a request target to origin form (`/path?query`, RFC 9112 §3.2.1), without decoding.
 * Absolute form (`http://host/path`) keeps only its path and query so it can never be
 * forwarded to a host the route did not choose. Returns undefined for targets that have no
 * path (`*`, authority form): those are not ours to proxy.
 */
export function toOriginForm(url: string): string | undefined {
  if (url.startsWith('/')) return url
  const scheme = /^https?:\/\//i.exec(url)
  if (!scheme) return undefined
  const rest = url.slice(scheme[0].length)
  const slash = rest.search(/[/?]/)
  if (slash === -1) return '/'
  return rest[slash] === '?' ? `/${rest.slice(slash)}` : rest.slice(slash)
}

/** The host and port of an absolute-form target (`http://host:port/path`); undefined for origin form. */
export function absoluteAuthority(url: string): string | undefined {
  if (url.startsWith('/')) return undefined
  const match = /^https?:\/\/([^/?#]+)/i.exec(url)
  return match?.[1]
}

/** The declared body length, or undefined when there is none (chunked or no body). */
export function declaredLength(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined
}
