/**
 * The inspector's wire contract (issue 20): what the control server sends the browser UI
 * (inspector/, built to dist/inspector-ui/) and what the UI may ask. Types, and the few names
 * both sides use; plain JSON throughout.
 *
 * Auth (issue 27): the printed URL is `http://127.0.0.1:PORT/inspector/login#token=ONE_TIME`.
 * The token is in the fragment, so the browser never sends it in a request line (no server,
 * proxy or log sees it). That GET answers the UI, whose script sends the token in
 * `POST /v1/inspector/session` `{ token }` → 201 `{ session }`, keeps the session in the tab's
 * sessionStorage (scoped to this origin, port included, and to this tab; a reload keeps it) and
 * takes the token out of the address bar (history.replaceState). Every call then carries
 * `x-devproxy-session: SESSION`. No cookie: cookies ignore ports (RFC 6265 §8.5), so one for
 * 127.0.0.1 would go to every server on 127.0.0.1. A request with an Origin other than the
 * inspector's own (`http://127.0.0.1:PORT`, or the `localhost` / `[::1]` forms) is refused 403,
 * as is a foreign Host, and a POST or DELETE without an Origin; no session: 401. One login token
 * is in force at a time, replaced by a fresh one once used; `POST /v1/inspector/login` (bearer
 * token only) → `{ url }` gives the link in force (`devproxy status` prints it). A new tab needs
 * a new link.
 *
 * Endpoints (session header; the UI's files to anyone on the right Host):
 * - `GET  /inspector/`, `/inspector/login`, `/inspector/assets/*`   the UI
 * - `POST /v1/inspector/session`                   body { token } → 201 { session } (the token once)
 * - `GET  /v1/inspector/stream`                    server-sent events (read with fetch, which can send the header): `snapshot` (data: Snapshot)
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
 *                                                  (bearer token or session)
 */

/** The header each call of the inspector's page carries its session in. */
export const SESSION_HEADER = 'x-devproxy-session'

/**
 * What stands in for a devproxy secret (its control token, a login token, a session) wherever
 * one passing through would be shown: header rows, bodies, URLs (src/local-api/secrets.ts). A
 * field holding it is left out of copies and resends: it has nothing left to send.
 */
export { REDACTED_SECRET } from '../local-api/redacted-secret.js'

/**
 * Request fields that are devproxy's own, never the app's: the resend marker and the session
 * header. Not copied (curl, fetch), not resent.
 */
export const INTERNAL_REQUEST_FIELDS: readonly string[] = ['x-devproxy-resend', SESSION_HEADER]

/** Where the page trades the login token for a session. */
export const SESSION_PATH = '/v1/inspector/session'

export interface SessionRequest {
  readonly token: string
}

export interface SessionGranted {
  readonly session: string
}

export interface TransactionSummary {
  readonly id: string
  /** Epoch ms. */
  readonly startedAt: number
  /** `HTTP/1.1`, `HTTP/2.0`. */
  readonly protocol: string
  readonly scheme: 'http' | 'https'
  /** `tunnel`: a blind CONNECT tunnel (forward mode); its url is `host:port`. */
  readonly kind: 'http' | 'websocket' | 'tunnel'
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
  /** ms in each phase, in the order of {@link PHASE_NAMES}; null for one it never went through or that was not timed. */
  readonly phases: PhasesView
}

/**
 * The phases of an attempt in the order they happen (issue 29): waiting for a pooled connection,
 * connecting, the TLS handshake, sending the request, waiting for the response headers, receiving
 * the body. Its waterfall is the attempt's start plus each timed one in turn.
 */
export const PHASE_NAMES = ['poolWait', 'connect', 'tls', 'upload', 'wait', 'receive'] as const

export type PhaseName = (typeof PHASE_NAMES)[number]

export type PhasesView = { readonly [P in PhaseName]: number | null }

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
