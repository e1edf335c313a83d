/**
 * What people write in `proxy.config.ts` (the `User*` types) and what the engine runs on
 * (the `Resolved*` types, defaults applied, frozen).
 */

/** A header rule: a string sets the header, `null` removes it. */
export type HeaderRules = Record<string, string | null>

export interface UserRouteHeaders {
  /** Applied to the request forwarded upstream, after the proxy's own rewrites. Default: none. */
  request?: HeaderRules
  /** Applied to the response sent to the client. Default: none. */
  response?: HeaderRules
}

export interface UserRoute {
  /** Shown in the log and in error bodies. Default: derived from `path` (`/api` → `api`, `/` → `root`). */
  name?: string
  /**
   * Path prefix, matched segment by segment: `/api` matches `/api` and `/api/x`, not `/apix`.
   * The longest matching prefix wins; among equals, the first declared. Default: `/`.
   */
  path?: string
  /** Only requests whose Host (without port) equals this match; `*.localhost` matches any subdomain. Default: any host. */
  host?: string
  /** Only these methods match. Default: every method. */
  methods?: string[]
  /** Upstream origin, or several: round-robin, a target that refuses connections is skipped for a while. Required. */
  target: string | string[]
  /** Remove the route's `path` prefix before forwarding: `/api/users` → `/users`. Default: `false`. */
  stripPrefix?: boolean
  /** Rewrite the forwarded path (with its query string); runs after `stripPrefix`. Default: none. */
  rewrite?: (path: string) => string
  /** Send the target's host in the `Host` header instead of the client's. Default: `false`. */
  changeOrigin?: boolean
  /** Proxy WebSocket upgrades (Vite HMR). Default: `true`. */
  ws?: boolean
  /** No response headers from the upstream within this many ms → 504. Default: `30000`. */
  timeoutMs?: number
  /** Header set/remove rules. Default: none. */
  headers?: UserRouteHeaders
  /** A request body over this many bytes is answered 413 and never forwarded. Default: `10485760` (10 MiB). */
  maxRequestBodyBytes?: number
}

export interface UserConfig {
  /** Listen port. Default: `8080`. */
  port?: number
  /** Listen address. Default: `127.0.0.1` (loopback); anything else prints a warning. */
  host?: string
  /** Routes, matched by longest path prefix. Required: at least one. */
  routes: UserRoute[]
}

export interface ResolvedRoute {
  readonly name: string
  /** Normalised prefix: starts with `/`, no trailing slash except the root `/`. */
  readonly path: string
  readonly host: string | undefined
  readonly methods: readonly string[] | undefined
  readonly targets: readonly URL[]
  readonly stripPrefix: boolean
  readonly rewrite: ((path: string) => string) | undefined
  readonly changeOrigin: boolean
  readonly ws: boolean
  readonly timeoutMs: number
  readonly requestHeaders: Readonly<HeaderRules>
  readonly responseHeaders: Readonly<HeaderRules>
  readonly maxRequestBodyBytes: number
}

export interface ResolvedConfig {
  readonly port: number
  readonly host: string
  readonly routes: readonly ResolvedRoute[]
  /** The file this config came from, if any. */
  readonly file: string | undefined
}
