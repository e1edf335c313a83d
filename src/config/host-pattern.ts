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
  if (hostField === undefined) return false
  const lower = hostField.toLowerCase()
  const end = lower.startsWith('[') ? lower.indexOf(']') + 1 : lower.indexOf(':')
  const hostname = end <= 0 ? lower : lower.slice(0, end)
  if (pattern.startsWith('*.')) return hostname.endsWith(pattern.slice(1)) && hostname.length > pattern.length - 1
  return hostname === pattern
}
