import type { HookBody, HookRequestInfo } from '../config/route-code.js'

/**
 * The route fields src/hooks owns in `proxy.config.ts`: `onRequest`, `onResponse` and the time
 * limit of a route's own code, merged into the config's route (config/types.ts) by declaration
 * merging. Types only; their checks, defaults and reload lines are in hooks/config.ts.
 */

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

declare module '../config/types.js' {
  interface UserRoute {
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
    /**
     * Time limit for each call of this route's functions (`onRequest`, `onResponse`, `target`,
     * `retry`, a mock's `respond`, each `transform` call); past it the request is answered 500
     * `hook_timeout`. A call that never returns at all (`for (;;) {}`) holds the proxy's thread:
     * half a second later the watchdog ends the process, and `devproxy start` starts it again
     * (README, "Route code and the event loop"). Default: `5000`.
     */
    hookTimeoutMs?: number
  }

  interface ResolvedRoute {
    readonly onRequest: UserRoute['onRequest']
    readonly onResponse: UserRoute['onResponse']
    readonly hookTimeoutMs: number
  }
}
