import { redactHeaderSecrets, redactSecrets } from '../local-api/secrets.js'
import { answeredInPlace, type AttemptPhases, type Transaction } from '../proxy/index.js'

/**
 * `--json`: one object per transaction, one line each, for tools and tests. The shape is
 * documented in the README; fields are always present (null when unknown) so consumers need
 * no guessing.
 */
export interface TransactionJson {
  readonly id: string
  /** ISO 8601 start time. */
  readonly time: string
  /** `tunnel`: a blind CONNECT tunnel (forward mode), one line when it ends; see `tunnel`. */
  readonly kind: 'http' | 'websocket' | 'tunnel'
  readonly method: string
  readonly url: string
  /** How the client spoke to the proxy: `HTTP/1.1`, `HTTP/2.0`, … */
  readonly httpVersion: string
  /** `https` when the client reached the proxy over TLS. */
  readonly scheme: 'http' | 'https'
  readonly route: string | null
  readonly target: string | null
  readonly forwardedUrl: string | null
  readonly status: number | null
  readonly durationMs: number
  readonly requestBytes: number
  readonly responseBytes: number
  /** completed | client-aborted | upstream-aborted | error | shutdown */
  readonly ending: string | null
  readonly error: { readonly type: string; readonly message: string } | null
  readonly attempts: ReadonlyArray<{
    readonly n: number
    readonly target: string
    readonly outcome: string | null
    readonly status: number | null
    readonly errorCode: string | null
    readonly durationMs: number
    readonly backoffMs: number
    readonly retryOf: string | null
    /** What answered in place of the upstream: fault, mock, hook, replay; null: the upstream. */
    readonly by: string | null
    /**
     * ms in each phase of the attempt, in the order they happen (pool wait, connect, TLS, upload,
     * wait for the response headers, receive the body); null for one it never went through (a
     * reused connection has no connect) or that was not timed.
     */
    readonly phases: Readonly<AttemptPhases>
  }>
  /** What answered the last attempt in place of the upstream (mock, hook, fault, replay); null: the upstream. */
  readonly answeredBy: string | null
  /** The route's code (onRequest, onResponse, a transform) ran on it. */
  readonly hooked: boolean
  readonly retryNote: string | null
  readonly faults: readonly string[]
  /** A tunnel's end and bytes each way (`up`: client → upstream); null for other kinds. */
  readonly tunnel: { readonly end: string; readonly up: number; readonly down: number } | null
  readonly headers: {
    readonly request: Readonly<Record<string, unknown>>
    readonly forwarded: Readonly<Record<string, unknown>> | null
    readonly response: Readonly<Record<string, unknown>> | null
    readonly sent: Readonly<Record<string, unknown>> | null
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100

/** A header map as the line shows it: a copy, devproxy's own secrets blanked (secrets.ts). */
const shown = (headers: Readonly<Record<string, unknown>>) => ({ ...redactHeaderSecrets(headers as Record<string, string | string[] | undefined>) })

export function toTransactionJson(tx: Readonly<Transaction>): TransactionJson {
  return {
    id: tx.id,
    time: new Date(tx.startedAt).toISOString(),
    kind: tx.kind,
    method: tx.method,
    url: redactSecrets(tx.url),
    httpVersion: `HTTP/${tx.httpVersion}`,
    scheme: tx.scheme,
    route: tx.route ?? null,
    target: tx.target ?? null,
    // Null when nothing went upstream: a mock or a recording answered.
    forwardedUrl: answeredInPlace(tx) || tx.forwardedUrl === undefined ? null : redactSecrets(tx.forwardedUrl),
    status: tx.status ?? null,
    durationMs: round(tx.durationMs),
    requestBytes: tx.requestBytes,
    responseBytes: tx.responseBytes,
    ending: tx.ending ?? null,
    error: tx.error ?? null,
    attempts: tx.attempts.map((a) => ({
      n: a.n,
      target: a.target,
      outcome: a.outcome ?? null,
      status: a.status ?? null,
      errorCode: a.errorCode ?? null,
      durationMs: round(a.durationMs),
      backoffMs: a.backoffMs,
      retryOf: a.retryOf ?? null,
      by: a.by ?? null,
      phases: phasesJson(a.phases),
    })),
    answeredBy: tx.attempts.at(-1)?.by ?? null,
    hooked: tx.hooked ?? false,
    retryNote: tx.retryNote ?? null,
    faults: [...tx.faults],
    tunnel: tx.tunnelEnd === undefined ? null : { end: tx.tunnelEnd, up: tx.requestBytes, down: tx.responseBytes },
    headers: {
      request: shown(tx.requestHeaders),
      forwarded: tx.forwardedHeaders ? shown(tx.forwardedHeaders) : null,
      response: tx.responseHeadersReceived ? shown(tx.responseHeadersReceived) : null,
      sent: tx.responseHeadersSent ? shown(tx.responseHeadersSent) : null,
    },
  }
}

/** The phases, each rounded as durationMs is; a copy, so the line never shares the transaction's object. */
function phasesJson(phases: Readonly<AttemptPhases>): AttemptPhases {
  const ms = (value: number | null) => (value === null ? null : round(value))
  return { poolWait: ms(phases.poolWait), connect: ms(phases.connect), tls: ms(phases.tls), upload: ms(phases.upload), wait: ms(phases.wait), receive: ms(phases.receive) }
}

export function formatTransactionJson(tx: Readonly<Transaction>): string {
  return JSON.stringify(toTransactionJson(tx))
}
