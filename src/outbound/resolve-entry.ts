/**
 * `outbound.resolve` entries and `--resolve HOST=ADDR:PORT`, pure: where the proxy connects for a
 * host, the name itself kept for SNI and Host (curl's `--resolve`, with the address's own port).
 */

export interface ResolveEndpoint {
  /** An IP address or a name (bare, no brackets). */
  readonly host: string
  readonly port: number
}

/** `127.0.0.1:9443` → `{ host, port }`; `[::1]:9443` too; a string saying what is wrong otherwise. */
export function parseResolveAddress(text: string): ResolveEndpoint | string {
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:[\]\s/]+)):(\d{1,5})$/i.exec(text.trim())
  if (match === null) return 'must be ADDRESS:PORT, such as "127.0.0.1:9443" or "[::1]:9443"'
  const port = Number(match[3])
  if (port < 1 || port > 65_535) return `has port ${port}; a port is 1 to 65535`
  return { host: (match[1] ?? match[2])!.toLowerCase(), port }
}

/** `api.example.test=127.0.0.1:9443` (the `--resolve` flag) → its two halves; a string saying what is wrong otherwise. */
export function parseResolveFlag(text: string): { readonly name: string; readonly address: string } | string {
  const at = text.indexOf('=')
  if (at <= 0) {
    // curl writes HOST:PORT:ADDR; say how this one reads.
    const curl = /^([^:=]+):\d+:(.+)$/.exec(text)
    return curl === null ? 'must be HOST=ADDRESS:PORT, such as api.example.test=127.0.0.1:9443' : `must be HOST=ADDRESS:PORT (not curl's HOST:PORT:ADDRESS), e.g. ${curl[1]}=${curl[2]}:443`
  }
  return { name: text.slice(0, at).trim().toLowerCase(), address: text.slice(at + 1).trim() }
}
