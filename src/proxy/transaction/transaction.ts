import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http'
import type { TLSSocket } from 'node:tls'
import type { ErrorType, UpstreamFailure } from '../http/error-map.js'
import type { CapturedBody } from './body-capture.js'
import { clientAddress, viaName } from '../http/fields.js'
import { originOf } from '../http/origin.js'

/** What answered in place of the upstream (DESIGN.md §3, stand-in.ts); shown as the log's tag and in `--json` / HAR. */
export type StandInKind = 'fault' | 'replay' | 'mock' | 'hook'

/**
 * How long one attempt spent in each phase of its walk (issue 29), in ms; null for a phase it
 * never went through (a reused connection has no connect, a mock no upload). In the order they
 * happen, so a waterfall is the attempt's start plus each duration in turn:
 * poolWait → connect → tls → upload → wait (request sent → response headers) → receive (the body).
 */
export interface AttemptPhases {
  /** Waiting for one of the target's `maxConnections` (HAR `blocked`). */
  poolWait: number | null
  /** The TCP connection, for a new one (HAR `connect`, TLS excluded here). */
  connect: number | null
  /** The TLS handshake to an https:// target, for a new connection (HAR `ssl`). */
  tls: number | null
  /** Sending the request head and body (HAR `send`). */
  upload: number | null
  /** From the whole request sent to the response headers: time to first byte (HAR `wait`). */
  wait: number | null
  /** The response body, until its last byte reached the client (HAR `receive`). */
  receive: number | null
}

/** One try at the upstream; a retried transaction has several. */
export interface Attempt {
  readonly n: number
  /** The upstream's origin; or what replaced it (`mock[1]`, `replay flow.har`), once it answered. */
  readonly target: string
  readonly startMs: number
  /** The backoff waited before this attempt (0 for the first). */
  readonly backoffMs: number
  /** Why this attempt was made: the condition the previous one met (`reset`, `503`); undefined for the first. */
  readonly retryOf: string | undefined
  readonly durationMs: number
  /** `response` once headers arrived; a failure kind otherwise; undefined while in flight. */
  readonly outcome: 'response' | UpstreamFailure | 'aborted' | undefined
  readonly status: number | undefined
  readonly errorCode: string | undefined
  /** What answered in place of the upstream (a fault, a mock, a recording, onRequest); undefined: the upstream (set so at creation, like every field: one shape for every attempt). */
  readonly by?: StandInKind | undefined
  /** Time spent in each phase (filled as the attempt goes; all null until then). */
  readonly phases: Readonly<AttemptPhases>
}

/** How the client side of a transaction ended. */
export type Ending =
  | 'completed' // the whole response reached the client
  | 'client-aborted' // the client went away first
  | 'upstream-aborted' // the upstream failed after headers were sent: the client connection was cut
  | 'error' // the proxy answered with its own error response
  | 'shutdown' // the proxy was stopping and cut it after the grace period

/**
 * Everything known about one request, from accept to finish: the record. Read-only to everyone:
 * the exchange writes it through the named events of record.ts, its one writer; once finished
 * it is handed, unchanged (frozen when tests run), to every sink (log, recorder, inspector,
 * metrics, control API).
 */
/**
 * How a blind CONNECT tunnel ended (forward mode): a side closed it (`client-closed`,
 * `upstream-closed`), it failed (`client-error`, `upstream-error`), a limit cut it
 * (`idle-timeout`, `max-duration`), or the proxy stopped (`shutdown`).
 */
export type TunnelEnd = 'client-closed' | 'upstream-closed' | 'client-error' | 'upstream-error' | 'idle-timeout' | 'max-duration' | 'shutdown'

export interface Transaction {
  readonly id: string
  /** `tunnel`: a blind CONNECT tunnel (forward mode): bytes relayed, never read; one record for its whole life. */
  readonly kind: 'http' | 'websocket' | 'tunnel'
  /** Wall-clock start, epoch ms. */
  readonly startedAt: number
  /** Monotonic start, `performance.now()` ms. */
  readonly startMs: number
  readonly method: string
  /** The request target as received. */
  readonly url: string
  readonly httpVersion: string
  /** `https` when the client spoke TLS to the proxy. */
  readonly scheme: 'http' | 'https'
  readonly clientIp: string
  readonly requestHeaders: IncomingHttpHeaders
  /**
   * The `Via` entry of the proxy that took the request (`1.1 devproxy-<id>`), for the answers it
   * makes itself (RFC 9110 §7.6.3). Absent only in transactions built by hand.
   */
  readonly via?: string
  readonly route: string | undefined
  readonly target: string | undefined
  /** The IP address of the upstream the last attempt connected to (HAR `serverIPAddress`). */
  readonly upstreamAddress?: string | undefined
  /** Which upstream connection carried the last attempt: its local port (HAR `connection`). */
  readonly upstreamConnection?: string | undefined
  /** Path and query sent upstream. */
  readonly forwardedUrl: string | undefined
  readonly forwardedHeaders: OutgoingHttpHeaders | undefined
  readonly responseHeadersReceived: IncomingHttpHeaders | undefined
  readonly responseHeadersSent: OutgoingHttpHeaders | undefined
  readonly status: number | undefined
  readonly requestBytes: number
  readonly responseBytes: number
  /** The first bytes of each body, when a sink asked for captures (`-vv`, recording). */
  readonly requestBody: CapturedBody | undefined
  readonly responseBody: CapturedBody | undefined
  readonly attempts: readonly Attempt[]
  /** The retry policy's total attempts for this request (1 = no retry). */
  readonly maxAttempts: number
  /** Why a failure that the policy would retry was not retried (e.g. body over the replay cap). */
  readonly retryNote: string | undefined
  /** Faults injected into this transaction, in order, by kind (`reset`, `5xx`, `latency`). */
  readonly faults: readonly string[]
  /** The route's code ran on it (`onRequest`, `onResponse`, a transform): the log's `[hook]` tag. Set false at creation, as every field is: a transaction's shape is the same whether or not code ran on it. */
  readonly hooked?: boolean | undefined
  /** `devproxy replay`: answered from the recording, a miss, or forwarded live on a miss. */
  readonly replay: 'hit' | 'miss' | 'fallthrough' | undefined
  readonly error: { readonly type: ErrorType; readonly message: string } | undefined
  readonly ending: Ending | undefined
  readonly durationMs: number
  /** A tunnel's end (`kind: 'tunnel'`); `requestBytes` and `responseBytes` are then the bytes client → upstream and back. */
  readonly tunnelEnd?: TunnelEnd | undefined
}

/**
 * Receives each finished transaction. With `beforeDelivery`, it also receives each response
 * just before the last bytes reach the client (status, headers and bodies complete; `ending`
 * not set yet, `durationMs` so far): for a sink that must be done before the client could act
 * on the answer (the recorder: `kill -9` the moment a response arrives must not lose it).
 * With `flushDelivered` too, `beforeDelivery` may only queue its work: the engine calls
 * `flushDelivered` once at the end of the event-loop turn, and holds those responses' last bytes
 * until it returns — one file write a turn instead of one a response (bench/RESULTS.md).
 */
export type TransactionSink = ((transaction: Readonly<Transaction>) => void) & {
  readonly beforeDelivery?: (transaction: Readonly<Transaction>) => void
  readonly flushDelivered?: () => void
}

/**
 * True when what answered replaced the upstream — a mock, onRequest's answer, a recording — so
 * nothing was forwarded (a fault is not one: it simulates the upstream at its target).
 */
export function answeredInPlace(tx: Readonly<Transaction>): boolean {
  const by = tx.attempts.at(-1)?.by
  return by === 'mock' || by === 'hook' || by === 'replay'
}

let counter = 0

export function createTransaction(req: IncomingMessage, kind: Transaction['kind'], instanceId: string): Transaction {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER
  return {
    id: counter.toString(36),
    kind,
    startedAt: Date.now(),
    startMs: performance.now(),
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    httpVersion: req.httpVersion,
    scheme: (req.socket as Partial<TLSSocket> | null)?.encrypted === true ? 'https' : 'http',
    clientIp: clientAddress(req.socket.remoteAddress),
    requestHeaders: req.headers,
    via: `1.1 ${viaName(instanceId)}`,
    route: undefined,
    target: undefined,
    upstreamAddress: undefined,
    upstreamConnection: undefined,
    forwardedUrl: undefined,
    forwardedHeaders: undefined,
    responseHeadersReceived: undefined,
    responseHeadersSent: undefined,
    status: undefined,
    requestBytes: 0,
    responseBytes: 0,
    requestBody: undefined,
    responseBody: undefined,
    attempts: [],
    maxAttempts: 1,
    retryNote: undefined,
    faults: [],
    hooked: false,
    replay: undefined,
    error: undefined,
    ending: undefined,
    durationMs: 0,
    tunnelEnd: undefined,
  }
}
