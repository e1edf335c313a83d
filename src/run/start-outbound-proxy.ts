import { startProxy } from '../api/start-proxy.js'
import type { ProxyOptions } from '../api/options.js'

/**
 * The proxy `devproxy run` starts when none runs for the directory: in this process, for the
 * command's lifetime, on a free loopback port, with the directory's config when there is one
 * and forward mode from run's flags. Its log goes to stderr: stdout is the command's.
 */

export interface OutboundProxyOptions {
  /** The config file; undefined: no routes, outbound only. */
  readonly configFile: string | undefined
  readonly intercept: readonly string[]
  readonly resolve: Readonly<Record<string, string>>
  /** The transaction log: lines, `--json` objects, or none (`-q`). */
  readonly log: 'pretty' | 'json' | false
  readonly write: (text: string) => void
}

export interface OutboundProxy {
  readonly url: string
  /** The intercept CA's file, for the command's CA bundle; undefined when nothing is intercepted. */
  readonly caPath: string | undefined
  close(): Promise<void>
}

export async function startOutboundProxy(options: OutboundProxyOptions): Promise<OutboundProxy> {
  const outbound: NonNullable<ProxyOptions['outbound']> = {
    ...(options.intercept.length > 0 ? { intercept: [...options.intercept] } : {}),
    ...(Object.keys(options.resolve).length > 0 ? { resolve: { ...options.resolve } } : {}),
    forward: true,
  }
  const proxyOptions: ProxyOptions = {
    ...(options.configFile === undefined ? { routes: [] } : { config: options.configFile }),
    outbound,
    port: 0,
    host: '127.0.0.1',
    log: options.log === false ? false : { format: options.log, write: options.write },
  }
  const proxy = await startProxy(proxyOptions)
  return { url: proxy.url, caPath: proxy.interceptCaPath, close: () => proxy.close({ graceMs: 1_000 }) }
}
