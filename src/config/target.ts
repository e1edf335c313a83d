import { ConfigError } from '../errors.js'

/** A usable upstream origin, or why the value is not one (and the fixed form when there is one). */
export type TargetCheck = { readonly url: URL } | { readonly problem: string; readonly suggestion?: string }

/**
 * Checks an upstream origin without throwing. Only http(s) URLs are accepted; a bare
 * `localhost:3000` or `:3000` is the most common slip, so the suggestion shows the fixed form.
 */
export function checkTarget(value: unknown): TargetCheck {
  if (typeof value !== 'string' || value.trim() === '') {
    return { problem: `must be an http(s) URL such as http://localhost:3000 (got ${value === undefined ? 'nothing' : JSON.stringify(value)})` }
  }
  const text = value.trim()
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return { problem: `is not a URL: ${JSON.stringify(value)}`, suggestion: suggestTarget(text) }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { problem: `must use http: or https: (got ${JSON.stringify(value)})`, suggestion: suggestTarget(text) }
  }
  if (url.username || url.password) {
    return { problem: 'must not carry credentials; set an authorization header rule instead' }
  }
  if (url.search || url.hash) {
    return { problem: `must not have a query or fragment (got ${JSON.stringify(value)})` }
  }
  return { url }
}

/** Parses an upstream origin, or throws a ConfigError naming `where` (a dotted path). */
export function parseTarget(value: unknown, where: string): URL {
  const checked = checkTarget(value)
  if ('url' in checked) return checked.url
  throw new ConfigError(`${where} ${checked.problem}`, { suggestion: checked.suggestion })
}

function suggestTarget(text: string): string {
  const hostPort = text.replace(/^[a-z]+:\/\//i, '')
  const withHost = hostPort.startsWith(':') ? `localhost${hostPort}` : hostPort
  return `Write the full origin, e.g. http://${withHost || 'localhost:3000'}`
}
