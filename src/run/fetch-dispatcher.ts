import { createRequire } from 'node:module'

/**
 * Node's `fetch` is the undici bundled in Node, which ignores HTTP_PROXY (Node 20, 22) but takes
 * its dispatcher from a global symbol shared by every undici (`undici.globalDispatcher.1`, read
 * by Node 20's bundled copy and by undici 7 from npm; undici 7 writes `.2` as well). Installing
 * undici 7's EnvHttpProxyAgent there sends `fetch` — Node's, and that of any undici the
 * application loads without a dispatcher of its own — through the proxy, with NO_PROXY honoured.
 * Measured on Node 20.20: `fetch('http://example.test:…')` arrived at the proxy.
 *
 * `proxyTunnel: false`: plain-HTTP URLs go to the proxy in absolute form, as the http agents,
 * curl and Python send them, rather than through a CONNECT tunnel the proxy cannot look into.
 *
 * Loading undici takes ~70 ms, and the preload runs in every Node process of the command (npm,
 * tsc, a test runner's workers): the dispatcher is made on the first request, not before.
 */

const SYMBOLS = [Symbol.for('undici.globalDispatcher.1'), Symbol.for('undici.globalDispatcher.2')]

export function installFetchDispatcher(): void {
  const require = createRequire(import.meta.url)
  let dispatcher: object | undefined
  const load = (): object => {
    if (dispatcher === undefined) {
      const { EnvHttpProxyAgent } = require('undici') as typeof import('undici')
      dispatcher = new EnvHttpProxyAgent({ proxyTunnel: false } as ConstructorParameters<typeof EnvHttpProxyAgent>[0])
    }
    return dispatcher
  }
  // Every property read is the real dispatcher's, bound to it: `dispatch`, `close`, `on`…
  const lazy = new Proxy(
    {},
    {
      get(_target, key) {
        const real = load()
        const value = Reflect.get(real, key, real) as unknown
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(real) : value
      },
      has: (_target, key) => Reflect.has(load(), key),
      getPrototypeOf: () => Object.getPrototypeOf(load()) as object | null,
    },
  )
  for (const symbol of SYMBOLS) {
    // As undici's own setGlobalDispatcher defines it: an application may still set its own.
    Object.defineProperty(globalThis, symbol, { value: lazy, writable: true, enumerable: false, configurable: false })
  }
}
