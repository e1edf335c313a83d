import { ConfigError } from '../errors.js'

/**
 * Parses an upstream origin. Only http(s) URLs are accepted; a bare `localhost:3000` or
 * `:3000` is the most common slip, so the message shows the fixed form.
 */
export function parseTarget(value: unknown, where: string): URL {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(`${where} must be an http(s) URL such as http://localhost:3000 (got ${JSON.stringify(value)})`)
  }
  const text = value.trim()
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new ConfigError(`${where} is not a URL: ${JSON.stringify(value)}`, { suggestion: suggestTarget(text) })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${where} must use http: or https: (got ${JSON.stringify(value)})`, { suggestion: suggestTarget(text) })
  }
  if (url.username || url.password) {
    throw new ConfigError(`${where} must not carry credentials; set an authorization header rule instead`)
  }
  if (url.search || url.hash) {
    throw new ConfigError(`${where} must not have a query or fragment (got ${JSON.stringify(value)})`)
  }
  return url
}

function suggestTarget(text: string): string {
  const hostPort = text.replace(/^[a-z]+:\/\//i, '')
  const withHost = hostPort.startsWith(':') ? `localhost${hostPort}` : hostPort
  return `Write the full origin, e.g. http://${withHost || 'localhost:3000'}`
}
