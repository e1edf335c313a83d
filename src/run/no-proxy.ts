/**
 * `NO_PROXY` for `devproxy run`'s command: which hosts its clients reach directly. Pure.
 *
 * Loopback stays direct unless `--proxy-loopback`: the services a developer runs on this machine
 * (and devproxy itself) are not outbound calls. `[::1]` stands beside `::1` because Node's
 * clients match NO_PROXY against the URL's host with its brackets (undici's EnvHttpProxyAgent and
 * proxy-from-env read a bare `::1` as host `:` port 1), while curl and Python match `::1`.
 *
 * The user's own entries are kept: they name hosts the user's machine reaches directly (an
 * intranet beside a corporate proxy), and a command run under devproxy should reach them the same
 * way. Except what would defeat the run: `*` (nothing would be proxied), an entry that covers a
 * host named with `--intercept` (it would never be seen), and, with `--proxy-loopback`, the
 * loopback names. Each dropped entry is said, with why.
 */

export const LOOPBACK_NO_PROXY: readonly string[] = ['localhost', '127.0.0.1', '::1', '[::1]']

export interface NoProxyInput {
  /** `NO_PROXY` and `no_proxy` as the user had them (either may be absent). */
  readonly user: readonly (string | undefined)[]
  /** `--proxy-loopback`: loopback goes through the proxy too. */
  readonly proxyLoopback: boolean
  /** `--intercept` hosts (`api.example.test`, `*.openai.com`). */
  readonly interceptHosts: readonly string[]
}

export interface NoProxyResult {
  /** The value for both `NO_PROXY` and `no_proxy`; `''` when nothing stays direct. */
  readonly value: string
  readonly dropped: readonly { readonly entry: string; readonly reason: string }[]
}

export function noProxyFor(input: NoProxyInput): NoProxyResult {
  const entries: string[] = input.proxyLoopback ? [] : [...LOOPBACK_NO_PROXY]
  const seen = new Set(entries.map((entry) => entry.toLowerCase()))
  const dropped: { entry: string; reason: string }[] = []
  for (const entry of input.user.flatMap((value) => (value ?? '').split(/[,\s]+/))) {
    const key = entry.toLowerCase()
    if (entry === '' || seen.has(key)) continue
    seen.add(key)
    if (entry === '*') {
      dropped.push({ entry, reason: 'it would keep every call off the proxy' })
      continue
    }
    const intercepted = input.interceptHosts.find((host) => covers(entry, host))
    if (intercepted !== undefined) {
      dropped.push({ entry, reason: `it covers ${intercepted}, named with --intercept` })
      continue
    }
    if (input.proxyLoopback && isLoopbackName(hostOf(entry))) continue
    entries.push(entry)
  }
  return { value: entries.join(','), dropped }
}

/** `api.example.test:8443` → `api.example.test`; `.example.test`, `*.example.test` → `example.test`. */
function hostOf(entry: string): string {
  const withoutPort = /^\[.*\]$/.test(entry) || (entry.match(/:/g) ?? []).length > 1 ? entry : entry.replace(/:\d+$/, '')
  return withoutPort.replace(/^\*?\./, '').toLowerCase()
}

/** Whether a NO_PROXY entry keeps some name the intercept host stands for off the proxy. */
function covers(entry: string, interceptHost: string): boolean {
  const excluded = hostOf(entry)
  const wildcard = interceptHost.startsWith('*.')
  const host = interceptHost.replace(/^\*\./, '').toLowerCase()
  if (host === excluded || host.endsWith(`.${excluded}`)) return true
  // `*.openai.com` stands for api.openai.com too: an entry for it keeps that one direct.
  return wildcard && excluded.endsWith(`.${host}`)
}

function isLoopbackName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === '[::1]'
}
