import { LocalCaError } from './ca-error.js'
import { isPermitted, parseHostName, CLOSED_IP_RANGES, type PermittedNames } from './local-names.js'

/**
 * The intercept list (`api.example.test`, `*.openai.com`) as the name constraints of the
 * intercept CA (RFC 5280 §4.2.1.10), and whether a CA made for one list covers another. Pure.
 *
 * What each entry becomes, and how clients read it (measured in
 * test/integration/intercept-ca-tls.test.ts and browser-intercept-ca.test.ts: OpenSSL's verifier,
 * which Node and curl use here, NSS's, and Chromium's own):
 * - `*.openai.com` → permitted `.openai.com`: a leading dot means subdomains only, at any depth
 *   (`a.b.openai.com` too; a constraint cannot say "one label"), and not `openai.com` itself.
 *   RFC 5280 does not define the leading dot for dNSName (only for URIs and e-mail), but OpenSSL,
 *   NSS, Chromium, Go and mozilla::pkix all read it as "subdomains only", and each refuses
 *   `openai.com` under it.
 * - `api.example.test` → permitted `api.example.test` plus excluded `.api.example.test`. A
 *   permitted dNSName alone covers every name with labels added on the left (RFC 5280), so the
 *   CA would also speak for `x.api.example.test`; the excluded subtree (excluded wins) narrows
 *   it to exactly the name. Not narrowed when the list also names something beneath it (a
 *   wildcard `*.api.example.test`, or `v2.api.example.test`): the exclusion would refuse those too.
 * - IP addresses: never (an intercepted CONNECT names a host); the form is closed (CLOSED_IP_RANGES).
 * - e-mail addresses and URIs: closed as for the local CA (name-constraints.ts).
 */

export type InterceptHost =
  /** `api.example.test`: that name. */
  | { readonly kind: 'exact'; readonly name: string }
  /** `*.openai.com`: every name under `base`. */
  | { readonly kind: 'wildcard'; readonly base: string }

/**
 * One entry of the intercept list, or `host_invalid` saying what is wrong with it: empty, `*`, an
 * IP address, a port, a wildcard anywhere but as the whole leftmost label or over a whole
 * top-level domain (`*.com`), a localhost name (the local CA's, and never proxied).
 */
export function parseInterceptHost(input: string): InterceptHost {
  const text = input.trim().toLowerCase()
  const refuse = (problem: string): never => {
    throw new LocalCaError('host_invalid', `cannot intercept ${JSON.stringify(input)}: ${problem}`, {
      host: input,
      suggestion: 'Name each host to intercept, e.g. api.example.test, or *.example.test for every name under it.',
    })
  }
  if (text === '') refuse('it is an empty name')
  if (text === '*' || text === '*.') refuse('a bare * would intercept every host; devproxy intercepts only hosts you name')
  const whole = parseHostName(text)
  if ('kind' in whole && whole.kind === 'ip') refuse('it is an IP address; devproxy intercepts names only (a client connecting to an address is tunnelled)')
  if (/^[^:]+:\d+$/.test(text)) refuse('give the host without a port')
  const wildcard = text.startsWith('*.')
  const rest = wildcard ? text.slice(2) : text
  if (rest.includes('*')) refuse('a wildcard may only be the whole leftmost label, as in *.example.test')
  const parsed = parseHostName(rest)
  if (!('kind' in parsed)) return refuse(parsed.problem.replace(/^"[^"]*" /, 'it '))
  if (parsed.kind !== 'dns') return refuse('it is not a host name')
  const name = parsed.name
  if (name === 'localhost' || name.endsWith('.localhost')) refuse('localhost names are served by `devproxy start --https` and its local CA, and never go through the forward proxy')
  if (wildcard && !name.includes('.')) refuse(`*.${name} would intercept a whole top-level domain; name a domain under it, e.g. *.example.${name}`)
  return wildcard ? { kind: 'wildcard', base: name } : { kind: 'exact', name }
}

/** The intercept CA's constraints for `hosts` (validated: `host_invalid` for a bad one, or for none). */
export function interceptPermitted(hosts: readonly string[]): PermittedNames {
  const parsed = hosts.map(parseInterceptHost)
  if (parsed.length === 0) throw new LocalCaError('host_invalid', 'the intercept list is empty', { suggestion: 'Name a host to intercept: outbound.intercept in the config, or --intercept HOST.' })
  const under = (name: string, base: string) => name.endsWith(`.${base}`)
  const bases = [...new Set(parsed.flatMap((host) => (host.kind === 'wildcard' ? [host.base] : [])))]
  const wildcards = bases.filter((base) => !bases.some((other) => under(base, other)))
  const exact = [...new Set(parsed.flatMap((host) => (host.kind === 'exact' ? [host.name] : [])))].filter((name) => !wildcards.some((base) => under(name, base)))
  const listed = [...exact, ...bases]
  const dns: string[] = []
  const excludedDns: string[] = []
  for (const name of exact) {
    dns.push(name)
    // `name` as a constraint covers its subdomains: left so only when the list asks for one of them.
    if (!bases.includes(name) && !listed.some((other) => under(other, name))) excludedDns.push(`.${name}`)
  }
  for (const base of wildcards) if (!exact.includes(base)) dns.push(`.${base}`)
  return { dns, ip: CLOSED_IP_RANGES, ...(excludedDns.length === 0 ? {} : { excludedDns }) }
}

/** The entries of `hosts` a CA with these constraints does not cover ([] when it covers them all). */
export function uncoveredHosts(permitted: PermittedNames, hosts: readonly string[]): string[] {
  return hosts.filter((host) => !covers(permitted, parseInterceptHost(host)))
}

function covers(permitted: PermittedNames, host: InterceptHost): boolean {
  if (host.kind === 'exact') return isPermitted(permitted, { kind: 'dns', name: host.name })
  // Every name under the base: a subtree that holds all of them, and no exclusion reaching into it.
  const base = host.base
  const within = (name: string, constraint: string) => name === constraint || name.endsWith(`.${constraint}`)
  const held = permitted.dns.some((constraint) => within(base, constraint.replace(/^\./, '')))
  const cut = (permitted.excludedDns ?? []).some((constraint) => {
    const excluded = constraint.replace(/^\./, '')
    return within(excluded, base) || within(base, excluded)
  })
  return held && !cut
}
