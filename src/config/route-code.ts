/**
 * What a route's own functions are given and may return: the `target` and `retry` functions and
 * the `transform` of the route skeleton (config/types.ts), and the hooks and mocks built on them
 * (src/hooks/config-types.ts, src/mocks/config-types.ts). Types only; devproxy-env.d.ts copies them.
 */

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

