import type { FaultSpec } from '../faults/types.js'

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

/** What a hook knows of the client that sent the request. */
export interface HookClient {
  /** The client's IP address. */
  readonly address: string
  /** `HTTP/1.0`, `HTTP/1.1` or `HTTP/2.0`. */
  readonly protocol: string
  /** True when the client spoke TLS to devproxy (`https` listener). */
  readonly tls: boolean
}

/** A request as received, read-only: what `target` and `retry` functions are given. */
export interface HookRequestInfo {
  /** The route's name. */
  readonly route: string
  readonly method: string
  /** The request target as received, with its query string. */
  readonly url: string
  /** The request's header fields as received (lower-case names). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly client: HookClient
}

/** A body given to devproxy: a string or bytes as they are. */
export type HookBody = string | Uint8Array

/**
 * A response devproxy gives instead of the upstream's: returned by `onRequest`, or a mock's answer.
 * At most one of `json`, `body` and `file`; none: an empty body.
 */
export interface HookAnswer {
  /** Default: `200`. */
  status?: number
  /** Default: none (`content-type` is set for `json`, and from the extension for `file`). */
  headers?: Record<string, string | string[]>
  /** Sent as JSON (`content-type: application/json`). */
  json?: unknown
  /** Sent as is. */
  body?: HookBody
  /** A file's contents, relative to the config file. */
  file?: string
  /** Wait this long before answering. Default: `0`. */
  delayMs?: number
}

/** The request `onRequest` may change before it is forwarded. */
export interface OnRequestContext extends HookRequestInfo {
  /** The method forwarded. Default: the one received. */
  method: string
  /** The path forwarded (after `stripPrefix` and `rewrite`), with its query string. */
  path: string
  /** The header fields forwarded (lower-case names): set, change or `delete` them. */
  headers: Record<string, string | string[] | undefined>
  /** The request as received. */
  readonly received: HookRequestInfo
  /** The whole request body (at most the route's `maxRequestBodyBytes`); reading it buffers the request. */
  body(): Promise<Uint8Array>
  /** The body as UTF-8 text. */
  text(): Promise<string>
  /** The body parsed as JSON (rejects if it is not JSON). */
  json(): Promise<unknown>
  /** Replaces the body forwarded (Content-Length follows it). */
  setBody(body: HookBody): void
}

/** The response `onResponse` may change before it is sent to the client. */
export interface OnResponseContext {
  /** The request as forwarded. */
  readonly request: HookRequestInfo & { readonly path: string }
  /** Who answered: the upstream, a mock, an `onRequest` answer, a fault or a recording. */
  readonly source: 'upstream' | 'mock' | 'hook' | 'fault' | 'replay'
  status: number
  /** The header fields sent to the client (lower-case names): set, change or `delete` them. */
  headers: Record<string, string | string[] | undefined>
  /** The whole body, decoded if the upstream compressed it (gzip, br, deflate), read up to `maxResponseBodyBytes` (default 10 MiB). */
  body(): Promise<Uint8Array>
  /** The body as UTF-8 text. */
  text(): Promise<string>
  /** The body parsed as JSON (rejects if it is not JSON). */
  json(): Promise<unknown>
  /** Replaces the body sent (Content-Length follows it; the upstream's Content-Encoding is dropped unless you set one). */
  setBody(body: HookBody): void
}

/** One server-sent event (the `text/event-stream` fields, WHATWG HTML §9.2). */
export interface SseEvent {
  /** The `event:` field; undefined: a `message`. */
  event?: string | undefined
  /** The `data:` lines, joined by `\n`. */
  data: string
  /** The `id:` field. */
  id?: string | undefined
  /** The `retry:` field, in ms. */
  retry?: number | undefined
}

/** What a stream transform knows of the response it is changing. */
export interface StreamContext {
  readonly request: HookRequestInfo & { readonly path: string }
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  /** Yours to keep per-response state in (counts for an `end` summary): the same object for every call on one response, a new one for the next. */
  readonly state: Record<string, unknown>
}

/**
 * Changes a response body as it streams, never holding the whole of it. `event` runs for
 * `text/event-stream` responses, `chunk` for any other body; `end` once the body is over.
 * The response loses its Content-Length (the body's length changes) and is sent chunked.
 */
export interface UserStreamTransform {
  /**
   * Each server-sent event: return it changed, an array of events, `null` to drop it, nothing to
   * keep it. Comment lines (`: ping`) are not events: they pass through as they came.
   */
  event?: (event: SseEvent, ctx: StreamContext) => SseEvent | SseEvent[] | null | void | Promise<SseEvent | SseEvent[] | null | void>
  /** Each chunk of a non-SSE body, as the upstream sent it: return what to send instead, `null` to drop it, nothing to keep it. Without it, only event streams are transformed. */
  chunk?: (chunk: Uint8Array, ctx: StreamContext) => HookBody | null | void | Promise<HookBody | null | void>
  /** When the body is over: events (SSE) or bytes to send last. */
  end?: (ctx: StreamContext) => SseEvent[] | HookBody | void | Promise<SseEvent[] | HookBody | void>
}

/** Which requests a mock answers: every field given must match. */
export interface MockMatch {
  /** One method or several. Default: any. */
  method?: string | string[]
  /**
   * The request path (without its query, as received) must match: exact, or with `*` for one
   * path segment, `**` for any number of them and `{a,b}` for either (`/api/{users,orders}/*`;
   * README: Path patterns). Default: any path on the route.
   */
  path?: string
  /** These query parameters must have these values. Default: any query. */
  query?: Record<string, string>
  /** These request header fields must have these values (names in any case). Default: any headers. */
  headers?: Record<string, string>
}

/**
 * A mock: answers matching requests in place of the upstream, with the fields of `HookAnswer`
 * (`status`, `headers`, `json` | `body` | `file`, `delayMs`), a `sequence` of answers, or a
 * `respond` function. Requests no mock answers go to the upstream (on a route without `target`:
 * 404 `mock_unmatched`). Call counts start again when the config is reloaded.
 */
export interface UserMock extends HookAnswer {
  /** Which requests. Default: every request on the route. */
  match?: MockMatch
  /** Answer only the nth matching request (1: the first); the others go on to later mocks or the upstream. Default: every one. */
  nth?: number
  /** The 1st matching request gets the first answer, the 2nd the second…; once they are used up, requests go on to later mocks or the upstream. */
  sequence?: HookAnswer[]
  /** Computes the answer; returning nothing lets the request go on to later mocks or the upstream. */
  respond?: (req: MockRequest) => HookAnswer | void | Promise<HookAnswer | void>
}

/** What a mock's `respond` function is given. */
export interface MockRequest extends HookRequestInfo {
  /** The path as received, without the query. */
  readonly path: string
  /** The query parameters (the last value of each). */
  readonly query: Readonly<Record<string, string>>
  /** The nth time this mock matched (1: the first). */
  readonly call: number
  /** The whole request body (at most the route's `maxRequestBodyBytes`). */
  body(): Promise<Uint8Array>
  /** The body as UTF-8 text. */
  text(): Promise<string>
  /** The body parsed as JSON (rejects if it is not JSON). */
  json(): Promise<unknown>
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
  /** No connection to the target within this many ms → the attempt fails as a connect failure (504 if not retried). Default: `5000`. */
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
  /**
   * Runs before the request is forwarded: may change `ctx.method`, `ctx.path`, `ctx.headers` and
   * the body (`await ctx.body()`, `ctx.setBody()`), or return an answer (`{ status, json }`) to
   * respond without calling the upstream. May be async. Default: none.
   */
  onRequest?: (ctx: OnRequestContext) => HookAnswer | void | Promise<HookAnswer | void>
  /**
   * Runs when the response is known, before anything is sent to the client: may change
   * `ctx.status` and `ctx.headers`, read the body (`await ctx.body()`) and replace it
   * (`ctx.setBody()`), or only look. May be async. Default: none.
   */
  onResponse?: (ctx: OnResponseContext) => void | Promise<void>
  /** Changes response bodies as they stream: per server-sent event, or per chunk. Default: none. */
  transform?: UserStreamTransform
  /** Mocks answering matching requests in place of the upstream (first match wins). Default: none. */
  mock?: UserMock | UserMock[]
  /**
   * Time limit for each call of this route's functions (`onRequest`, `onResponse`, `target`,
   * `retry`, a mock's `respond`, each `transform` call); past it the request is answered 500
   * `hook_timeout`. A call that never returns at all (`for (;;) {}`) holds the proxy's thread:
   * half a second later the watchdog ends the process, and `devproxy start` starts it again
   * (README, "Route code and the event loop"). Default: `5000`.
   */
  hookTimeoutMs?: number
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

/**
 * A fault: an object, or the `devproxy fault` flags as a string (`'5xx 30%'`,
 * `'latency 200-800 --route api'`). See `devproxy fault --help`.
 */
export type UserFault = FaultSpec | string

export interface UserFaults {
  /**
   * Let a request ask for a fault with an `x-devproxy-fault` header (`503`, `reset`, `timeout`,
   * `latency=300`, …): test suites can trigger exact failures per request. Default: `false`.
   */
  allowHeader?: boolean
  /** Faults always in force while this config is loaded. Default: none. */
  rules?: UserFault[]
}

export interface UserLog {
  /**
   * What the log shows under each transaction line: `'none'`, `'headers'` (request as received
   * → as forwarded, response as received → as sent; like `-v`) or `'body'` (headers plus a
   * body diff against the previous response of the same endpoint; like `-vv`). Default: `'none'`.
   */
  diff?: 'none' | 'headers' | 'body'
  /** Header names and JSON paths (`$.requestId`, `$.items[*].updatedAt`) left out of diffs. Default: none. */
  ignore?: string[]
}

export interface UserRecord {
  /**
   * More header names whose values `devproxy record` replaces with `[REDACTED]`, on top of
   * authorization, proxy-authorization, cookie, set-cookie and x-api-key. Default: none.
   */
  redact?: string[]
  /** Bodies are recorded up to this many bytes each (`_devproxy.truncated` past it). Default: `8388608` (8 MiB). */
  maxBodyBytes?: number
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
  /** Routes, matched by longest path prefix. Required: at least one. */
  routes: UserRoute[]
  /** Faults to inject: an array of faults, or `{ allowHeader, rules }`. Default: none. */
  faults?: UserFault[] | UserFaults
  /** The transaction log. Default: one line per transaction, no diffs. */
  log?: UserLog
  /** `devproxy record` settings. */
  record?: UserRecord
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
  readonly onRequest: UserRoute['onRequest']
  readonly onResponse: UserRoute['onResponse']
  readonly transform: UserStreamTransform | undefined
  /** `[]` when the route has none. */
  readonly mocks: readonly UserMock[]
  readonly hookTimeoutMs: number
  /** Where files a route names (a mock's `file`) are read from: the config file's directory, or the cwd. */
  readonly baseDir: string
}

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
}

export interface ResolvedHttps {
  readonly port: number | undefined
}

export interface ResolvedFaults {
  readonly allowHeader: boolean
  readonly rules: readonly FaultSpec[]
}

export interface ResolvedConfig {
  readonly port: number
  readonly host: string
  /** HTTPS: on `port` itself (port undefined), or on a port of its own beside plain HTTP; undefined: off. */
  readonly https: ResolvedHttps | undefined
  readonly routes: readonly ResolvedRoute[]
  readonly faults: ResolvedFaults
  readonly log: { readonly diff: 'none' | 'headers' | 'body'; readonly ignore: readonly string[] }
  readonly record: { readonly redact: readonly string[]; readonly maxBodyBytes: number }
  /** The file this config came from, if any. */
  readonly file: string | undefined
}
