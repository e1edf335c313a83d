/**
 * The inspector's wire contract (issue 20): what the control server sends the browser UI
 * (inspector/, built to dist/inspector-ui/) and what the UI may ask. Types only, shared by both
 * sides; plain JSON throughout.
 *
 * Auth: the printed URL is `http://127.0.0.1:PORT/inspector/login?token=ONE_TIME`. That GET
 * sets the HttpOnly, SameSite=Strict session cookie `devproxy_inspector_PORT` (per control port:
 * cookies do not keep ports apart, RFC 6265 §8.5, and two proxies may run side by side) and
 * answers 303 to `/inspector/` (the token leaves the address bar and cannot be used again).
 * Every inspector request then carries the cookie; a request with an Origin other than the
 * inspector's own (`http://127.0.0.1:PORT`, or the `localhost` / `[::1]` forms) is refused 403,
 * as is a foreign Host, and a POST or DELETE without an Origin; no cookie: 401 (an HTML page
 * saying how to sign in, for `/inspector/` pages). One login token is in force at a time,
 * replaced by a fresh one once used; `POST /v1/inspector/login` (bearer token only) → `{ url }`
 * gives the link in force (`devproxy status` prints it).
 *
 * Endpoints (cookie auth):
 * - `GET  /inspector/`, `/inspector/assets/*`     the UI
 * - `GET  /v1/inspector/stream`                    server-sent events: `snapshot` (data: Snapshot)
 *                                                  once, then `transactions` (data: TransactionSummary[])
 *                                                  batched at most every 100 ms, `metrics` (data: MetricsSnapshot)
 *                                                  every second, `faults` (data: ActiveFaultView[]) on change,
 *                                                  `recording` (data: RecordingState) on change (its
 *                                                  count in the same write as the batch that moved it)
 * - `GET  /v1/inspector/transactions/:id`          TransactionDetail (404 once it fell out of history)
 * - `POST /v1/inspector/transactions/:id/resend`   body ResendRequest → 201 { id } of the new transaction
 *                                                  (sent to the proxy's own URL; 409 when the original
 *                                                  body was not captured whole and none is given)
 * - `GET  /v1/inspector/har?ids=a,b,c`             a HAR 1.2 file of those (all in history when no ids),
 *                                                  `content-disposition: attachment`
 * - `POST /v1/inspector/recording`                 body { action: 'start' | 'stop' } → RecordingState:
 *                                                  as DevTools' record button, on from the start; while
 *                                                  stopped, new transactions are neither kept nor streamed
 * - `GET  /v1/faults`, `POST /v1/faults`, `DELETE /v1/faults`, `DELETE /v1/faults/:id`
 *                                                  the control API's fault registry, same bodies
 *                                                  (`POST` takes { faults: ['5xx 30% --route api'] },
 *                                                  spec objects too; answers { faults: ActiveFault[] })
 * - `GET  /v1/metrics`                             MetricsSnapshot; `GET /metrics`: Prometheus text
 *                                                  (bearer token or cookie)
 */

export interface TransactionSummary {
  readonly id: string
  /** Epoch ms. */
  readonly startedAt: number
  /** `HTTP/1.1`, `HTTP/2.0`. */
  readonly protocol: string
  readonly scheme: 'http' | 'https'
  readonly kind: 'http' | 'websocket'
  readonly method: string
  readonly host: string | null
  /** The request target as received. */
  readonly url: string
  readonly route: string | null
  readonly target: string | null
  /** null: no response (the client went away, the proxy cut it). */
  readonly status: number | null
  readonly durationMs: number
  /** Response body bytes sent. */
  readonly responseBytes: number
  /** `fault 5xx 503`, `retry`, `replay`, `mock`, `hook`, an error type… as the log tags it. */
  readonly tags: readonly string[]
  readonly error: { readonly type: string; readonly message: string } | null
}

/**
 * One header field, before and after the proxy: names lower-cased, lists joined with `, `, each
 * `set-cookie` a row of its own; sorted by name. A message with one side only (a request never
 * forwarded, an answer devproxy made itself) lists that side as `same`.
 */
export interface HeaderDiffRow {
  readonly name: string
  /** `same`, `added`, `removed`, `changed`. */
  readonly change: 'same' | 'added' | 'removed' | 'changed'
  readonly before: string | null
  readonly after: string | null
}

export interface BodyView {
  readonly contentType: string | null
  /** The captured bytes, base64 (decoded of gzip/br/deflate when the body was encoded). */
  readonly base64: string
  /**
   * The whole body's size in bytes; more than the captured bytes when `truncated` (then, for an
   * encoded body, its size on the wire).
   */
  readonly size: number
  readonly truncated: boolean
}

export interface AttemptView {
  readonly n: number
  readonly target: string
  /** ms since the transaction started. */
  readonly startMs: number
  readonly durationMs: number
  readonly backoffMs: number
  readonly retryOf: string | null
  readonly outcome: string | null
  readonly status: number | null
  readonly errorCode: string | null
  /** fault | mock | hook | replay | null (the upstream). */
  readonly by: string | null
}

export interface TransactionDetail {
  readonly summary: TransactionSummary
  readonly forwardedUrl: string | null
  readonly headers: {
    /** Request as received → as forwarded. */
    readonly request: readonly HeaderDiffRow[]
    /** Response as received → as sent. */
    readonly response: readonly HeaderDiffRow[]
  }
  readonly requestBody: BodyView | null
  readonly responseBody: BodyView | null
  /** The previous response body of the same endpoint (METHOD + route + path pattern), for the body diff. */
  readonly previousResponseBody: BodyView | null
  readonly previousId: string | null
  readonly attempts: readonly AttemptView[]
  readonly faults: readonly string[]
  readonly retryNote: string | null
  readonly ending: string | null
}

export interface ActiveFaultView {
  readonly id: string
  readonly kind: string
  /** As `devproxy fault --list` shows it: `5xx 30% route=api`. */
  readonly description: string
  readonly source: string
  readonly matched: number
  readonly injected: number
}

export interface RecordingState {
  readonly recording: boolean
  /** Transactions recorded since `start`. */
  readonly count: number
}

export interface ResendRequest {
  readonly method?: string
  /** Origin-form target (`/api/users?x=1`). */
  readonly url?: string
  readonly headers?: Readonly<Record<string, string>>
  /** UTF-8 text, or base64 when `bodyBase64` is true. */
  readonly body?: string
  readonly bodyBase64?: boolean
}

export interface Snapshot {
  readonly transactions: readonly TransactionSummary[]
  readonly faults: readonly ActiveFaultView[]
  readonly recording: RecordingState
  /** The history cap, for the UI to say what it keeps. */
  readonly history: { readonly maxCount: number; readonly maxBytes: number }
  readonly proxyUrl: string
  /** Every URL the proxy listens on, the main one first (`--https-port` adds its HTTPS one). Default: `[proxyUrl]`. */
  readonly proxyUrls?: readonly string[]
}
