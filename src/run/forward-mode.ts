/**
 * What a running devproxy's status and state entry say of its forward mode: whether `devproxy
 * run` can send a command's calls through it, and the intercept CA its clients must trust. Pure.
 *
 * The contract (wt/OUTBOUND-CONTRACT.md): a proxy in forward mode reports `interceptCaPath`;
 * `null` (or `forward: true`, or an `outbound` object) is forward mode with nothing intercepted.
 */
export type ForwardMode = { readonly forward: false } | { readonly forward: true; readonly caPath: string | undefined }

export function forwardModeOf(record: Readonly<Record<string, unknown>>): ForwardMode {
  const caPath = record.interceptCaPath
  if (typeof caPath === 'string' && caPath !== '') return { forward: true, caPath }
  if (caPath === null || record.forward === true || (typeof record.outbound === 'object' && record.outbound !== null)) return { forward: true, caPath: undefined }
  return { forward: false }
}

/**
 * The URL the command's clients use for a proxy listening on `urls`: its plain-HTTP one, which
 * every client speaks (an https:// proxy only when it has none); a wildcard listen address
 * (`0.0.0.0`, `::`) is reached on loopback.
 */
export function clientProxyUrl(urls: readonly string[]): string | undefined {
  const chosen = urls.find((url) => url.startsWith('http://')) ?? urls[0]
  if (chosen === undefined) return undefined
  const url = new URL(chosen)
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1'
  if (url.hostname === '[::]') url.hostname = '[::1]'
  return url.origin
}
