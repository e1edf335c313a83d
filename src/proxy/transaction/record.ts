import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'
import type { ErrorType } from '../http/error-map.js'
import { originOf } from '../http/origin.js'
import type { CapturedBody } from './body-capture.js'
import type { Attempt, AttemptPhases, Ending, StandInKind, Transaction } from './transaction.js'

/**
 * The record's one writer (issue 29): everything the exchange learns about a request is written
 * into its transaction here, by a named event, and nowhere else — every other module, features
 * and sinks included, sees the transaction read-only (its type says so). A feature that has
 * something to say (a hook ran, a recording answered) returns it to the exchange, which writes it.
 * When the transaction finishes, `seal` freezes it for the sinks while tests run, so a sink or a
 * late event that writes to a finished record fails there instead of changing what another sink
 * already read.
 */

type Writable<T> = { -readonly [K in keyof T]: T[K] }
type Draft = Writable<Transaction> & { attempts: DraftAttempt[]; faults: string[] }
type DraftAttempt = Writable<Attempt> & { phases: AttemptPhases }

const draft = (tx: Transaction) => tx as Draft
const draftAttempt = (attempt: Attempt) => attempt as DraftAttempt

/** The route that took the request. */
export function routed(tx: Transaction, route: string): void {
  draft(tx).route = route
}

/** What goes upstream: the path (with query) and the header fields. */
export function forwarded(tx: Transaction, url: string, headers: OutgoingHttpHeaders | undefined): void {
  const record = draft(tx)
  record.forwardedUrl = url
  record.forwardedHeaders = headers
}

/** A new attempt begins; it is the transaction's target until another one. */
export function attemptStarted(tx: Transaction, target: URL | undefined, retry: { backoffMs: number; retryOf: string | undefined } = { backoffMs: 0, retryOf: undefined }): Attempt {
  const attempt: DraftAttempt = {
    n: tx.attempts.length + 1,
    // A route of mocks alone has no target: what answers is named by the attempt's `by`.
    target: target === undefined ? 'mocks' : originOf(target),
    startMs: performance.now(),
    backoffMs: retry.backoffMs,
    retryOf: retry.retryOf,
    durationMs: 0,
    outcome: undefined,
    status: undefined,
    errorCode: undefined,
    by: undefined,
    phases: { poolWait: null, connect: null, tls: null, upload: null, wait: null, receive: null },
  }
  const record = draft(tx)
  record.attempts.push(attempt)
  record.target = attempt.target
  return attempt
}

/** A stand-in took the attempt (a fault, a mock, a recording, onRequest's answer). */
export function attemptAnsweredBy(attempt: Attempt, by: StandInKind): void {
  draftAttempt(attempt).by = by
}

/** What answered replaced the upstream: it is the target, and nothing was forwarded. */
export function answeredInPlaceOf(tx: Transaction, attempt: Attempt, name: string): void {
  draftAttempt(attempt).target = name
  const record = draft(tx)
  record.target = name
  record.forwardedHeaders = undefined
}

/** Time spent in one phase of the attempt's walk (attempt-states.ts): added to what it had. */
export function phaseTimed(attempt: Attempt, phase: keyof AttemptPhases, ms: number): void {
  const phases = draftAttempt(attempt).phases
  phases[phase] = (phases[phase] ?? 0) + ms
}

/** The attempt settled: response headers, a failure, or the client gone. */
export function attemptSettled(attempt: Attempt, outcome: NonNullable<Attempt['outcome']>, code: string | undefined, now = performance.now()): void {
  const record = draftAttempt(attempt)
  record.outcome = outcome
  record.errorCode = code
  record.durationMs = now - attempt.startMs
}

/** The status the attempt was answered with. */
export function attemptAnswered(attempt: Attempt, status: number | undefined): void {
  draftAttempt(attempt).status = status
}

/** Where the attempt's connection went (HAR `serverIPAddress`, `connection`). */
export function upstreamConnected(tx: Transaction, address: string | undefined, connection: string | undefined): void {
  const record = draft(tx)
  record.upstreamAddress = address
  record.upstreamConnection = connection
}

/** The request body's bytes so far. */
export function requestBytesSeen(tx: Transaction, bytes: number): void {
  draft(tx).requestBytes = bytes
}

export function requestBodyCaptured(tx: Transaction, body: CapturedBody | undefined): void {
  draft(tx).requestBody = body
}

/** The retry policy's total attempts for this request. */
export function retryPlanned(tx: Transaction, attempts: number): void {
  draft(tx).maxAttempts = attempts
}

/** Why a failure the policy would retry was not. */
export function retryWithheld(tx: Transaction, note: string | undefined): void {
  draft(tx).retryNote = note
}

/** An injected fault acted on the request. */
export function faultActed(tx: Transaction, note: string): void {
  draft(tx).faults.push(note)
}

/** The route's own code ran on the request (the log's `[hook]`). */
export function hooked(tx: Transaction): void {
  draft(tx).hooked = true
}

/** `devproxy replay`: a hit, a miss, or a miss forwarded live. */
export function replayed(tx: Transaction, kind: NonNullable<Transaction['replay']>): void {
  draft(tx).replay = kind
}

/** The response head as the upstream (or what stood in for it) sent it; `keepFirst`: unless one was noted already (before a hook changed it). */
export function responseHeadersReceived(tx: Transaction, headers: IncomingHttpHeaders, keepFirst = false): void {
  const record = draft(tx)
  if (keepFirst) record.responseHeadersReceived ??= headers
  else record.responseHeadersReceived = headers
}

/** The status sent (or to send) to the client. */
export function responseStarted(tx: Transaction, status: number | undefined): void {
  draft(tx).status = status
}

/** The response header fields sent to the client. */
export function responseHeadersSent(tx: Transaction, headers: OutgoingHttpHeaders): void {
  draft(tx).responseHeadersSent = headers
}

export function responseBytesSent(tx: Transaction, bytes: number): void {
  draft(tx).responseBytes = bytes
}

export function responseBytesAdded(tx: Transaction, bytes: number): void {
  draft(tx).responseBytes += bytes
}

export function responseBodyCaptured(tx: Transaction, body: CapturedBody | undefined): void {
  draft(tx).responseBody = body
}

/** What went wrong, as the error body and the log say it. */
export function failed(tx: Transaction, type: ErrorType, message: string): void {
  draft(tx).error = { type, message }
}

/** A blind tunnel is over: how, and the bytes each way (client → upstream, upstream → client). */
export function tunnelEnded(tx: Transaction, end: NonNullable<Transaction['tunnelEnd']>, up: number, down: number): void {
  const record = draft(tx)
  record.tunnelEnd = end
  record.requestBytes = up
  record.responseBytes = down
  record.ending = end === 'client-closed' || end === 'upstream-closed' ? 'completed' : end === 'shutdown' ? 'shutdown' : end === 'client-error' ? 'client-aborted' : 'upstream-aborted'
}

/** How the client side ended; `keepFirst`: unless an ending was noted already. */
export function ended(tx: Transaction, ending: Ending, keepFirst = false): void {
  const record = draft(tx)
  if (keepFirst) record.ending ??= ending
  else record.ending = ending
}

/**
 * The transaction's clock at `now`: its duration so far, and the answering attempt's `receive`
 * phase — from its response headers to now (the body's last byte out, or the moment a sink
 * that must see it before the client is called).
 */
export function stopClock(tx: Transaction, now = performance.now()): void {
  draft(tx).durationMs = now - tx.startMs
  const answering = tx.attempts.at(-1)
  if (answering?.outcome === 'response') draftAttempt(answering).phases.receive = Math.max(0, now - (answering.startMs + answering.durationMs))
}

/** Tests run with the record frozen once finished: a write after that throws where it happens. */
const FREEZE = process.env.VITEST !== undefined || process.env.DEVPROXY_FREEZE_RECORDS === '1'

/**
 * The transaction is finished: what the sinks receive. Frozen (its own fields, attempts, phases,
 * faults and error) when tests run; header objects and captured bodies belong to Node and to
 * the capture, and are left as they are.
 */
export function seal(tx: Transaction): Transaction {
  if (!FREEZE) return tx
  for (const attempt of tx.attempts) {
    Object.freeze(attempt.phases)
    Object.freeze(attempt)
  }
  Object.freeze(tx.attempts)
  Object.freeze(tx.faults)
  if (tx.error !== undefined) Object.freeze(tx.error)
  return Object.freeze(tx)
}
