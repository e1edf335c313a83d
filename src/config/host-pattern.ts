/**
 * A host selector (`--host api.example.test`, `--host '*.openai.com'`; a fault's `host`, `record
 * --filter host=`): matched against the request's host — its Host (or :authority) without the
 * port — as a route's `host` is: exact, or `*.suffix` for every name under the suffix. Pure.
 */

const LABEL = '[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?'
const HOST = new RegExp(`^(\\*\\.)?${LABEL}(\\.${LABEL})*$|^\\[[0-9a-f:.]+\\]$`, 'i')

/** What is wrong with a selector, or undefined. */
export function hostPatternProblem(text: string): { readonly message: string; readonly suggestion: string } | undefined {
  if (HOST.test(text)) return undefined
  const bare = text.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0]!.replace(/:\d+$/, '')
  return {
    message: `${JSON.stringify(text)} must be a host name such as api.example.test or *.example.test, without scheme, port or path`,
    suggestion: bare !== text && HOST.test(bare) ? `write the host name only: ${bare}` : 'e.g. --host api.example.test',
  }
}

/** Whether a request whose Host field is `hostField` is selected by `pattern` (lower case). */
export function matchesHostPattern(pattern: string, hostField: string | undefined): boolean {
  return hostField !== undefined && hostMatches(pattern, hostnameOf(hostField))
}

/** `api.localhost:8080` → `api.localhost`; `[::1]:8080` → `[::1]`. Lower-cased. */
export function hostnameOf(host: string): string {
  const lower = host.toLowerCase()
  if (lower.startsWith('[')) {
    const end = lower.indexOf(']')
    return end === -1 ? lower : lower.slice(0, end + 1)
  }
  const colon = lower.indexOf(':')
  return colon === -1 ? lower : lower.slice(0, colon)
}

/** `pattern` (a route's `host` or a selector, lower case): exact, or `*.suffix` for every name under the suffix. */
export function hostMatches(pattern: string, hostname: string): boolean {
  if (pattern.startsWith('*.')) return hostname.endsWith(pattern.slice(1)) && hostname.length > pattern.length - 1
  return pattern === hostname
}
