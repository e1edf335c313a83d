import type { HookRequestInfo, UserStreamTransform } from './route-code.js'

/**
 * The skeleton of `proxy.config.ts`: where the proxy listens, its routes, and every route field
 * the engine itself reads (src/proxy). What people write are the `User*` types; what the engine
 * runs on, defaults applied and frozen, the `Resolved*` ones.
 *
 * Each feature adds its own fields to these interfaces by declaration merging, in its
 * `config-types.ts` (faults, log, record: settings; hooks, mocks: route fields), and owns their
 * checks, defaults and reload lines in its `config.ts` (a ConfigFeature, config/feature.ts).
 * src/features.ts lists the features; config/ imports none of them.
 */

/** A header rule: a string sets the header, `null` removes it. */
export type HeaderRules = Record<string, string | null>

export interface UserRouteHeaders {
  /** Applied to the request forwarded upstream, after the proxy's own rewrites. Default: none. */
  request?: HeaderRules
  /** Applied to the response sent to the client. Default: none. */
  response?: HeaderRules
}

/**
 * When an attempt counts as failed and may be retried (Envoy's `retry_on` vocabulary):
 * - `connect-failure`: no connection could be made (refused, unreachable, connect timeout)
 * - `reset`: the connection closed or reset, or the upstream sent malformed HTTP, before
 *   complete response headers
 * - `timeout`: no response headers within `timeoutMs`
 * - `5xx`: any 5xx response; `gateway-error`: 502, 503 or 504; `429`: Too Many Requests
 * - a number: that response status
 */
export type RetryCondition = 'connect-failure' | 'reset' | 'timeout' | '5xx' | 'gateway-error' | '429' | number

/** How the wait before a retry is randomised (see the AWS "Exponential Backoff and Jitter" article). */
export type JitterMode = 'full' | 'equal' | 'decorrelated' | 'none'

export interface UserRetry {
  /** Total tries, the first one included: `1` means no retry. Default: `1`. */
  attempts?: number
  /** What counts as a retryable failure. Default: `['connect-failure', 'reset', 'timeout', '5xx']`. */
  on?: RetryCondition[]
  /** Backoff before the first retry, doubled for each next one (before jitter). Default: `100`. */
  baseMs?: number
  /** Cap on any single backoff, and on an honoured `Retry-After`. Default: `2000`. */
  maxMs?: number
  /** Randomisation of the backoff. Default: `'full'` (a uniform draw from 0 to the exponential delay). */
  jitter?: JitterMode
  /**
   * Methods retried on any condition in `on`; they must be idempotent (RFC 9110 §9.2.2).
   * Other methods are retried only when the connection failed before any byte was sent.
   * Default: `['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']`.
   */
  methods?: string[]
  /** On a 429 or 503 with `Retry-After`, wait that long (if it is at most `maxMs`; longer: no retry). Default: `true`. */
  retryAfter?: boolean
  /** Deadline for all attempts and backoffs together, from the first attempt; none when unset. Default: none. */
  budgetMs?: number
  /** Request bodies up to this size are buffered so they can be sent again; larger ones are not retried. Default: `1048576` (1 MiB). */
  maxReplayBodyBytes?: number
}

export interface ResolvedRetry {
  readonly attempts: number
  readonly on: readonly RetryCondition[]
  readonly baseMs: number
  readonly maxMs: number
  readonly jitter: JitterMode
  readonly methods: readonly string[]
  readonly retryAfter: boolean
  readonly budgetMs: number | undefined
  readonly maxReplayBodyBytes: number
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
  /**
   * Upstream origin, or several: round-robin, a target that refuses connections is skipped for a
   * while. Or a function choosing the origin for each request (its retries go to the same one).
   * Required, unless `mock` answers every request of the route.
   */
  target?: string | string[] | ((req: HookRequestInfo) => string | Promise<string>)
  /** Remove the route's `path` prefix before forwarding: `/api/users` → `/users`. Default: `false`. */
  stripPrefix?: boolean
  /** Rewrite the forwarded path (with its query string); runs after `stripPrefix`. Default: none. */
  rewrite?: (path: string) => string
  /** Send the target's host in the `Host` header instead of the client's. Default: `false`. */
  changeOrigin?: boolean
  /** Proxy WebSocket upgrades (Vite HMR). Default: `true`. */
  ws?: boolean
  /** No response headers from the upstream within this many ms of an attempt's start → 504. Default: `30000`. */
  timeoutMs?: number
  /** No connection to the target (TCP, and TLS for an https:// target) within this many ms → the attempt fails as a connect failure (504 if not retried). Default: `5000`. */
  connectMs?: number
  /**
   * Once response headers arrived, a gap of more than this many ms between body chunks cuts
   * the client connection. `0` turns it off (streams such as server-sent events may be quiet). Default: `0`.
   */
  idleMs?: number
  /** Retry policy for failed attempts, or a function choosing one for each request. Default: `{ attempts: 1 }` (no retry). */
  retry?: UserRetry | ((req: HookRequestInfo) => UserRetry)
  /** Header set/remove rules. Default: none. */
  headers?: UserRouteHeaders
  /** A request body over this many bytes is answered 413 and never forwarded. Default: `10485760` (10 MiB). */
  maxRequestBodyBytes?: number
  /**
   * A client that stops sending its request body for longer than this many ms is answered 408
   * and the upstream request is cancelled (nginx's `client_body_timeout`). Default: `60000`.
   */
  uploadIdleMs?: number
  /**
   * At most this many connections to each of the route's targets at once; more requests wait for
   * a free one, and one that waits longer than `connectMs` is answered 502
   * `upstream_pool_exhausted`. Default: `128`.
   */
  maxConnections?: number
  /**
   * Largest upstream response body passed on, in bytes. One declared larger (Content-Length) is
   * answered 502 `upstream_body_too_large` without reading it; one that grows past it while
   * streaming is cut there (the client sees an aborted body, never a complete-looking one) and
   * logged. Default: no limit.
   */
  maxResponseBodyBytes?: number
  /**
   * Rewrites the Domain attribute of the upstream's Set-Cookie headers, as http-proxy-middleware
   * does: a string replaces every one (`''` removes it, making host-only cookies), an object maps
   * a received domain to the one to send (`'*'` matches any). Default: `false` (untouched).
   */
  cookieDomainRewrite?: false | string | Record<string, string>
  /** The same for the Path attribute (`{ '/api': '/' }`). Default: `false` (untouched). */
  cookiePathRewrite?: false | string | Record<string, string>
  /** Changes response bodies as they stream: per server-sent event, or per chunk. Default: none. */
  transform?: UserStreamTransform
  /**
   * For `https://` targets: verify the target's certificate. `false` accepts any certificate (a
   * dev server with a self-signed one) and prints a warning at start. Default: `true`.
   */
  secure?: boolean
  /**
   * For `https://` targets: a PEM file of CA certificates to trust besides the system's (mkcert's
   * `rootCA.pem`, a dev server's own CA); relative to the config file. Default: none.
   */
  ca?: string
}

export interface UserHttps {
  /** A port of its own for HTTPS, beside the plain one. Default: the listen port itself speaks HTTPS. */
  port?: number
}

export interface UserConfig {
  /** Listen port. Default: `8080`. */
  port?: number
  /** Listen address. Default: `127.0.0.1` (loopback); anything else prints a warning. */
  host?: string
  /**
   * Serve HTTPS, with HTTP/2 and HTTP/1.1 (ALPN), using certificates from devproxy's local CA
   * (made on first use; `devproxy trust` makes clients trust it). `true`: the listen port speaks
   * HTTPS only. `{ port: 8443 }`: HTTPS on that port as well, while `port` keeps serving plain
   * HTTP. Default: off (plain HTTP/1.1).
   */
  https?: boolean | UserHttps
  /** Routes, matched by longest path prefix. Required: at least one (none is fine beside `outbound`: a forward proxy only). */
  routes: UserRoute[]
}

/** The fields of a resolved route that config/ resolves itself: what the engine reads. */
export interface ResolvedRouteSkeleton {
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
  readonly connectMs: number
  readonly idleMs: number
  readonly retry: ResolvedRetry
  readonly requestHeaders: Readonly<HeaderRules>
  readonly responseHeaders: Readonly<HeaderRules>
  readonly maxRequestBodyBytes: number
  readonly uploadIdleMs: number
  readonly maxConnections: number
  /** undefined: no limit. */
  readonly maxResponseBodyBytes: number | undefined
  /** cookieDomainRewrite / cookiePathRewrite; undefined when neither is set. */
  readonly cookies: ResolvedCookieRewrites | undefined
  /** How `https://` targets are verified. */
  readonly tls: ResolvedTls
  /** `target` as a function; `targets` is then empty. */
  readonly chooseTarget: ((req: HookRequestInfo) => string | Promise<string>) | undefined
  /** `retry` as a function; `retry` is then the default it starts from. */
  readonly retryFor: ((req: HookRequestInfo) => UserRetry) | undefined
  readonly transform: UserStreamTransform | undefined
  /** Where files a route names (a mock's `file`) are read from: the config file's directory, or the cwd. */
  readonly baseDir: string
}

/** A route as the proxy runs it: the skeleton, and the fields each feature merges in (its config-types.ts). */
export interface ResolvedRoute extends ResolvedRouteSkeleton {}

/** A rewrite rule: the value to send for every attribute, or a map from received value (`'*'`: any). */
export type CookieRewrite = string | Readonly<Record<string, string>>

export interface ResolvedCookieRewrites {
  readonly domain: CookieRewrite | undefined
  readonly path: CookieRewrite | undefined
}

export interface ResolvedTls {
  /** False when `secure: false`: any certificate is accepted. */
  readonly rejectUnauthorized: boolean
  /** The `ca` file's contents (PEM), or undefined for the system's CAs only. */
  readonly ca: string | undefined
  /** The `ca` file as configured, for messages. */
  readonly caFile: string | undefined
  /** Where a user sets this route's CAs, for messages: `outbound.ca` for an outbound host's implicit route. Default: the route's `ca`. */
  readonly caOption?: 'outbound.ca' | undefined
}

export interface ResolvedHttps {
  readonly port: number | undefined
}

/**
 * The part of the `faults` setting the engine reads itself (the `x-devproxy-fault` header);
 * src/faults resolves the whole setting and merges in its rules (faults/config-types.ts).
 */
export interface ResolvedFaults {
  readonly allowHeader: boolean
}

/** The settings config/ resolves itself: where the proxy listens, and its routes. */
export interface ResolvedConfigSkeleton {
  readonly port: number
  readonly host: string
  /** HTTPS: on `port` itself (port undefined), or on a port of its own beside plain HTTP; undefined: off. */
  readonly https: ResolvedHttps | undefined
  readonly routes: readonly ResolvedRoute[]
  /** The file this config came from, if any. */
  readonly file: string | undefined
  /**
   * A route with every default and no target: what an outbound host's implicit route (forward
   * mode) is made from, the features' route fields included.
   */
  readonly routeDefaults: ResolvedRoute
}

/** Where the proxy connects for a host (`outbound.resolve`): an address, or a name, and a port. */
export interface ResolvedEndpoint {
  readonly host: string
  readonly port: number
}

/**
 * Forward mode (`outbound`, issue 30), as the engine reads it; src/outbound resolves it
 * (outbound/config.ts) from the config or the `start` flags.
 */
export interface ResolvedOutbound {
  /** Hosts whose CONNECT tunnels are TLS-terminated and seen, lower case: names and `*.suffix`. */
  readonly intercept: readonly string[]
  /** Where to connect for a host name (lower case), instead of its DNS answer. */
  readonly resolve: Readonly<Record<string, ResolvedEndpoint>>
  /** The system's CA certificates and the `outbound.ca` files' (PEM), for outbound https upstreams; undefined: the system's only. */
  readonly ca: string | undefined
  /** The `outbound.ca` files as configured, for messages. */
  readonly caFiles: readonly string[]
  /** A non-loopback listen host was allowed to serve as a forward proxy. */
  readonly allowOpenProxy: boolean
}

/** A config as the proxy runs it: the skeleton, and the settings each feature merges in (its config-types.ts). */
export interface ResolvedConfig extends ResolvedConfigSkeleton {
  /** Resolved by src/faults; declared here because the engine reads `allowHeader`. */
  readonly faults: ResolvedFaults
  /** Forward mode; undefined: off (a reverse proxy only). Resolved by src/outbound; declared here because the engine reads it. */
  readonly outbound: ResolvedOutbound | undefined
}
