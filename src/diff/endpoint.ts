/**
 * Which earlier response a body is diffed against: the same endpoint is the same method,
 * route and path, with the query's cache-busters and timestamps left out. The same rule says
 * which recordings `devproxy diff` compares and which `devproxy replay` may answer with. Pure.
 */

/** Query parameters that change on every call without changing what is asked for. */
const VOLATILE_PARAMS = new Set(['_', 't', 'ts', 'timestamp', 'cb', 'cachebust', 'cachebuster', 'nonce', 'rand', 'random', '_t', '_ts'])

export function endpointKey(method: string, route: string | undefined, url: string): string {
  const queryAt = url.indexOf('?')
  const path = queryAt === -1 ? url : url.slice(0, queryAt)
  const params = queryAt === -1 ? [] : url.slice(queryAt + 1).split('&').filter((p) => p !== '' && !isVolatileParam(p))
  const query = params.length > 0 ? `?${params.sort().join('&')}` : ''
  return `${method} ${route ?? '-'} ${path}${query}`
}

/** `_=1700000000000`, `ts=…`: a query parameter that changes on every call without changing what is asked for. */
export function isVolatileParam(param: string): boolean {
  return VOLATILE_PARAMS.has(decodeName(param))
}

function decodeName(param: string): string {
  const name = param.split('=', 1)[0] ?? ''
  try {
    return decodeURIComponent(name).toLowerCase()
  } catch {
    return name.toLowerCase()
  }
}

/**
 * The last body seen per endpoint, bounded in entries and bytes (least recently used out),
 * so a long session cannot grow without limit.
 */
export interface BodyHistory<T extends { readonly bytes: Buffer }> {
  get(key: string): T | undefined
  set(key: string, body: T): void
}

export function createBodyHistory<T extends { readonly bytes: Buffer }>(maxEntries = 500, maxBytes = 32 * 1024 * 1024): BodyHistory<T> {
  const entries = new Map<string, T>()
  let bytes = 0
  return {
    get(key) {
      const body = entries.get(key)
      if (body !== undefined) {
        entries.delete(key)
        entries.set(key, body)
      }
      return body
    },
    set(key, body) {
      const old = entries.get(key)
      if (old !== undefined) {
        bytes -= old.bytes.length
        entries.delete(key)
      }
      entries.set(key, body)
      bytes += body.bytes.length
      for (const [oldest, value] of entries) {
        if (entries.size <= maxEntries && bytes <= maxBytes) break
        entries.delete(oldest)
        bytes -= value.bytes.length
      }
    },
  }
}
