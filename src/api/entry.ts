import type { ProxyOptions } from './options.js'
import type { StartedProxy } from './start-proxy.js'

/**
 * Starts a proxy in this process (README: In your tests); resolves once it listens, on a free
 * port unless `port` is given. The options are those of `proxy.config.ts` plus `config`, `log`,
 * `record.file` and `replay`, checked first: a mistake throws a DevproxyError
 * (`config_invalid`, whose `issues` give each field's dotted path) and nothing starts.
 *
 * The engine is loaded on the first call, not with the package: `import { defineConfig } from
 * 'devproxy'` in a config file, which is loaded again on every edit, must stay cheap.
 */
export async function startProxy(options: ProxyOptions): Promise<StartedProxy> {
  const { startProxy: start } = await import('./start-proxy.js')
  return start(options)
}
