/**
 * The setting src/outbound owns in `proxy.config.ts`, `outbound` (issue 30: devproxy as a
 * forward proxy for the calls an app makes out), merged into the config (config/types.ts) by
 * declaration merging. Types only; its checks, defaults and reload lines are in outbound/config.ts.
 * What the engine reads of it (`ResolvedOutbound`) is declared with the skeleton in config/types.ts.
 */

export interface UserOutbound {
  /**
   * Hosts whose `CONNECT` tunnels devproxy opens (TLS terminated with a leaf from the intercept
   * CA) so each request inside goes through routes, faults, mocks, hooks, the log and recording:
   * `'api.example.test'`, or `'*.openai.com'` for every name under it. Any other host is
   * tunnelled blind (never decrypted). Default: none.
   */
  intercept?: string[]
  /**
   * Where the proxy connects for a host, keeping the name for SNI and Host (like curl's
   * `--resolve`): `{ 'api.example.test': '127.0.0.1:9443' }`. For tunnels and intercepted or
   * absolute-form requests. Default: none (DNS).
   */
  resolve?: Record<string, string>
  /**
   * PEM files of CA certificates trusted for outbound upstreams besides the system's (a staging
   * service's own CA); relative to the config file. Default: none.
   */
  ca?: string[]
  /** Forward mode with nothing intercepted: absolute-form requests and blind CONNECT tunnels. Default: `true` when `outbound` is given. */
  forward?: boolean
  /**
   * Forward mode on a listen `host` other than loopback makes an open proxy anyone on the network
   * can use: it must be asked for with this. Default: `false`.
   */
  allowOpenProxy?: boolean
}

declare module '../config/types.js' {
  interface UserConfig {
    /** devproxy as a forward proxy for outbound calls (`HTTPS_PROXY`); see the README's "Outbound calls". Default: off. */
    outbound?: UserOutbound
  }
}
