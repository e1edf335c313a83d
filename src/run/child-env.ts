import { CA_VARIABLES } from './ca-bundle.js'
import { withImport } from './node-options.js'
import { noProxyFor } from './no-proxy.js'

/**
 * The environment `devproxy run` gives its command. Pure: the CA bundle is written by the
 * caller (ca-bundle.ts), the preload is built into dist/run/preload.js.
 */

export interface ChildEnvInput {
  /** The environment `devproxy run` was given. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** The forward proxy, `http://127.0.0.1:PORT`. */
  readonly proxyUrl: string
  /** The CA bundle (system CAs + the intercept CA); undefined: nothing is intercepted, the CA variables stay as they are. */
  readonly caBundleFile: string | undefined
  /** The Node preload, as a `file:` URL (no quoting needed, and it works on Windows too). */
  readonly preload: string
  /** `--proxy-loopback`. */
  readonly proxyLoopback: boolean
  /** `--intercept` hosts. */
  readonly interceptHosts: readonly string[]
}

export interface ChildEnv {
  readonly env: Record<string, string>
  /** What the user should know: NO_PROXY entries that were dropped, and why. */
  readonly notes: readonly string[]
}

/** Both cases: curl reads only `http_proxy` in lower case, most other clients either. */
export const PROXY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'] as const

export function buildChildEnv(input: ChildEnvInput): ChildEnv {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(input.env)) if (value !== undefined) env[name] = value
  for (const name of PROXY_VARIABLES) env[name] = input.proxyUrl
  const noProxy = noProxyFor({ user: [input.env.NO_PROXY, input.env.no_proxy], proxyLoopback: input.proxyLoopback, interceptHosts: input.interceptHosts })
  for (const name of ['NO_PROXY', 'no_proxy']) {
    if (noProxy.value === '') delete env[name]
    else env[name] = noProxy.value
  }
  if (input.caBundleFile !== undefined) for (const name of CA_VARIABLES) env[name] = input.caBundleFile
  env.NODE_OPTIONS = withImport(input.env.NODE_OPTIONS, input.preload)
  return { env, notes: noProxy.dropped.map(({ entry, reason }) => `NO_PROXY: left out ${entry}: ${reason}`) }
}
