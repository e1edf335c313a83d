/**
 * The intercept list's names, pure: which entries are valid (`api.example.test`, `*.openai.com`)
 * and whether a host is one of them. The engine matches with the same rule as a route's `host`
 * (src/proxy's router); this is what the config check and the CLI flags use.
 */

const LABEL = '[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?'
const NAME = new RegExp(`^(\\*\\.)?${LABEL}(\\.${LABEL})+$`, 'i')

/** Why an intercept entry cannot be used, or undefined when it can. */
export function interceptEntryProblem(entry: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || entry.includes('/') || /:\d+$/.test(entry)) return 'must be a host name only, without scheme, port or path'
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(entry) || entry.startsWith('[')) return 'must be a host name: an IP address cannot be intercepted by name'
  if (entry === '*' || entry.startsWith('*.') && !entry.slice(2).includes('.')) return 'must name a domain with at least two labels after "*." (e.g. "*.openai.com"): a whole top-level domain cannot be intercepted'
  if (!NAME.test(entry)) return 'must be a host name such as "api.example.test" or "*.openai.com"'
  return undefined
}

/** `api.example.test/v1` → `api.example.test`: the name an entry with a slip most likely meant. */
export function bareInterceptEntry(entry: string): string {
  const noScheme = entry.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
  return (noScheme.split('/')[0] ?? '').replace(/:\d+$/, '').toLowerCase()
}

/** Whether `hostname` (lower case, no port) is one of `patterns` (exact, or `*.suffix` for names under it). */
export function isIntercepted(patterns: readonly string[], hostname: string): boolean {
  for (const pattern of patterns) {
    if (pattern.startsWith('*.') ? hostname.endsWith(pattern.slice(1)) && hostname.length > pattern.length - 1 : pattern === hostname) return true
  }
  return false
}
