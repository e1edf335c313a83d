import { DEFAULT_RETRY } from '../../config/defaults.js'
import type { ResolvedRoute } from '../../config/types.js'
import { captureBody, type CapturedBody } from '../transaction/body-capture.js'
import { createRandom } from './random.js'
import { expectsContinue, runAttempt, type AttemptContext, type AttemptResult, type ForwardChanges } from './attempt.js'
import { describeFailure, FAILURE_TYPES, type ErrorDetails } from '../http/error-map.js'
import { NO_EFFECTS, type Effects } from './fault-plan.js'
import { faultHeader, firedIn, noteActed } from './fault-report.js'
import { answerAtClient, plannedFaults, requestedFault } from './fault-scope.js'
import { forwardPath } from '../route/path-rewrite.js'
import { hasBody } from '../http/protocol.js'
import { readRequestBody, type BodyFailure, type RequestBody } from './request-body.js'
import { sendError } from '../respond/respond.js'
import type { ProgramReport, RouteProgram } from './route-program.js'
import type { StandInAnswer } from './stand-in.js'
import { backoff } from './wait.js'
import { decideRetry, type AttemptOutcome, type RetryDecision } from './retry-policy.js'
import { streamResponse, type ResponseFaults } from '../respond/stream-response.js'
import type { Transaction } from '../transaction/transaction.js'
import * as record from '../transaction/record.js'

const random = createRandom()
const NO_RESPONSE_FAULTS: ResponseFaults = {}
const NO_RETRY: RetryDecision = { retry: false, reason: undefined }
const EMPTY_BODY: RequestBody = { kind: 'empty' }
/** `retryOf` of the attempt that replaces one lost to a stale keep-alive connection. */
export const STALE = 'stale connection'
/** Request bodies up to this size are read whole in replay mode, to match them. */
const REPLAY_MATCH_BYTES = 10 * 1024 * 1024

/**
 * The attempt loop (DESIGN.md §3): client-scope faults, then read the body if it may need
 * replaying, try the upstream (with upstream-scope faults standing in for it when they fire),
 * and on a failure the policy allows, wait and try again. Nothing reaches the client until
 * the loop has decided: a response that is going to be retried is drained, never forwarded.
 */
export async function exchange(ctx: AttemptContext): Promise<void> {
  const { route, tx, req, res, engine } = ctx
  const requested = requestedFault(ctx)
  if (requested === 'invalid') return
  // Most requests meet no fault and carry no body: they go through without waiting a turn.
  const atClient = plannedFaults(ctx, 'client')
  if (atClient !== NO_EFFECTS) {
    // A fault that answers before the attempts takes the body as an upstream would: captured (issue 28).
    if (atClient.answer !== undefined && engine.captureBodyBytes > 0 && hasBody(req)) record.requestBodyCaptured(tx, captureBody(req, req.headers, engine.captureBodyBytes))
    if (await answerAtClient(ctx, atClient)) return
  }

  // The route's code may read the body (then it is held whole), change what is forwarded, or answer.
  let read: Promise<RequestBody | BodyFailure> | undefined
  const readWhole = () => (read ??= readRequestBody(req, tx, { maxRequestBodyBytes: route.maxRequestBodyBytes, replayBytes: route.maxRequestBodyBytes, uploadIdleMs: route.uploadIdleMs }))
  const planned = engine.program !== undefined && engine.program.runsBefore(route)
    ? engine.program.beforeForward({
        route,
        tx,
        report: reportTo(tx),
        req,
        url: ctx.url,
        forwardPath: forwardPath(route, ctx.url),
        readBody: async () => {
          const body = await readWhole()
          if (typeof body === 'string') throw new BodyUnavailable(body)
          return body.kind === 'buffered' ? body.data : undefined
        },
      })
    : undefined
  const program = planned instanceof Promise ? await planned : planned
  if (read !== undefined && typeof (await read) === 'string') return answerBodyFailure(ctx, (await read) as BodyFailure)
  if (program?.kind === 'failed') {
    sendError(res, tx, program.type, program.details)
    return
  }
  const forward: ForwardChanges | undefined = program?.kind === 'forward' ? program : undefined
  const hookAnswer: (() => StandInAnswer) | undefined = program?.kind === 'answer' ? program.answer : undefined

  const policy = (program?.kind === 'forward' ? program.retry : undefined) ?? route.retry
  record.retryPlanned(tx, policy.attempts)
  // Retries resend the body, and stand-ins (a recording, mocks) may match on it: both need it whole.
  const standInBytes = engine.standIns.reduce((most, standIn) => (standIn.serves(route) ? Math.max(most, standIn.bodyBytes(route)) : most), 0)
  const replayBytes = policy.attempts > 1 || standInBytes > 0 ? Math.max(policy.attempts > 1 ? policy.maxReplayBodyBytes : 0, standInBytes) : undefined
  // The proxy reads a body it must hold before any upstream sees the request, so it gives the
  // go-ahead itself (RFC 9110 §10.1.1); a streamed body waits for the upstream's 100.
  if (read === undefined && replayBytes !== undefined && hasBody(req) && expectsContinue(req)) res.writeContinue()
  const received = program?.kind === 'forward' && program.body !== undefined
    ? ({ kind: 'buffered', data: program.body } as const)
    : !hasBody(req) ? EMPTY_BODY : await (read ?? readRequestBody(req, tx, { maxRequestBodyBytes: route.maxRequestBodyBytes, replayBytes, uploadIdleMs: route.uploadIdleMs }))
  if (typeof received === 'string') return answerBodyFailure(ctx, received)
  const body: RequestBody = received
  const captureBytes = ctx.engine.captureBodyBytes
  // A streamed body is captured when it starts flowing upstream, so no byte is lost to it.
  const captureStream = captureBytes > 0 && body.kind === 'stream'
    ? () => {
        if (tx.requestBody === undefined) record.requestBodyCaptured(tx, captureRequestBody(body, req, captureBytes))
      }
    : undefined
  if (captureBytes > 0 && body.kind === 'buffered') record.requestBodyCaptured(tx, captureRequestBody(body, req, captureBytes))

  const firstStartMs = performance.now()
  let backoffMs = 0
  let retryOf: string | undefined
  let staleRetries = 0
  for (;;) {
    // The client left while the exchange waited (for the body, the route's code, a backoff): its
    // transaction is finished and logged; no attempt starts for it (h2: streams reset together).
    if (ctx.clientGone.gone) return
    const elapsedMs = performance.now() - firstStartMs
    const budgetLeftMs = policy.budgetMs === undefined ? Infinity : Math.max(1, policy.budgetMs - elapsedMs)
    const timeoutMs = Math.min(route.timeoutMs, budgetLeftMs)
    const result = await runAttempt(ctx, {
      body,
      overLimit: body.kind === 'stream' ? body.overLimit : undefined,
      backoffMs,
      retryOf,
      timeoutMs,
      effects: plannedFaults(ctx, 'upstream', requested),
      onForward: captureStream,
      requestBody: body.kind === 'buffered' ? body.data : undefined,
      freshConnection: retryOf === STALE,
      forward,
      hookAnswer,
    })
    if (result.kind === 'aborted') return
    if (result.kind === 'too-large') return answerBodyFailure(ctx, 'too-large')
    if (result.kind === 'client-stalled') return answerBodyFailure(ctx, 'stalled')
    if (result.kind === 'refused') {
      sendError(res, tx, result.type, result.details, { fault: errorFaults(NO_EFFECTS, atClient) })
      return
    }
    // A pooled connection that failed before any response byte was most likely closed by the
    // upstream while idle, so the request never ran: an idempotent one is sent again once, on a
    // new connection, outside the retry policy. Others may have run (the upstream can read a
    // request and then drop the connection), and a proxy MUST NOT repeat them (RFC 9110 §9.2.2).
    let staleNote: string | undefined
    if (result.kind === 'failure' && result.stale && staleRetries === 0 && body.kind !== 'stream') {
      if (mayResend(tx)) {
        staleRetries++
        backoffMs = 0
        retryOf = STALE
        continue
      }
      staleNote = `${tx.method} was not sent again after the reused upstream connection failed: the upstream may already have acted on it (RFC 9110 §9.2.2); send an Idempotency-Key header to allow it`
    }
    // One attempt allowed: nothing to decide (decideRetry says no, with no reason to give).
    const decision = policy.attempts <= 1 ? NO_RETRY : decideRetry({
      policy,
      method: tx.method,
      attempt: result.attempt.n - staleRetries,
      outcome: outcomeOf(result),
      elapsedMs: performance.now() - firstStartMs,
      previousDelayMs: backoffMs,
      bodyReplayable: body.kind !== 'stream',
      nowMs: Date.now(),
      random,
    })
    if (!decision.retry) {
      record.retryWithheld(tx, decision.reason ?? staleNote)
      if (result.kind === 'response') await respond(ctx, result, atClient)
      else answerFailure(ctx, result, timeoutMs < route.timeoutMs, atClient)
      return
    }
    // Drain a response we will not forward so its connection can go back to the pool.
    if (result.kind === 'response') result.proxyRes.resume()
    if (!(await backoff(decision.delayMs, ctx))) return
    backoffMs = decision.delayMs
    retryOf = decision.reason
  }
}

/**
 * The response the loop settled on goes to the client: at once when the route has no code for
 * it (no promise in between), else through onResponse and the route's transform.
 */
function respond(ctx: AttemptContext, result: Extract<AttemptResult, { kind: 'response' }>, atClient: Effects): void | Promise<void> {
  const { engine, route, tx, res } = ctx
  const proxyRes = result.proxyRes
  // A client that goes away mid-body takes the upstream response (and its connection) with it.
  ctx.clientGone.listener = () => proxyRes.readableEnded || proxyRes.destroy()
  const program = engine.program
  if (program === undefined || (!program.runsAfter(route) && route.transform === undefined)) {
    streamResponse(tx, route, proxyRes, res, engine.instanceId, responseFaults(tx, result.injected, atClient), engine.captureBodyBytes)
    return
  }
  return respondThroughCode(ctx, program, result, atClient)
}

async function respondThroughCode(ctx: AttemptContext, program: RouteProgram, result: Extract<AttemptResult, { kind: 'response' }>, atClient: Effects): Promise<void> {
  const { engine, route, tx, res } = ctx
  let proxyRes = result.proxyRes
  if (program.runsAfter(route)) {
    const after = await program.afterResponse({ route, tx, report: reportTo(tx), response: proxyRes, by: result.by })
    if ('kind' in after && after.kind === 'failed') {
      proxyRes.destroy()
      sendError(res, tx, after.type, afterAnswer(tx, result, after.details))
      return
    }
    proxyRes = after as typeof proxyRes
    ctx.clientGone.listener = () => proxyRes.readableEnded || proxyRes.destroy()
    if (res.destroyed) return void proxyRes.destroy()
  }
  const transform = route.transform === undefined ? undefined : await program.transformBody(route, tx, proxyRes, reportTo(tx))
  if (transform !== undefined && 'kind' in transform) {
    proxyRes.destroy()
    sendError(res, tx, transform.type, afterAnswer(tx, result, transform.details))
    return
  }
  if (res.destroyed) return void proxyRes.destroy()
  streamResponse(tx, route, proxyRes, res, engine.instanceId, responseFaults(tx, result.injected, atClient), engine.captureBodyBytes, transform)
}

/**
 * A failure of the route's code after something answered: the error body says who answered
 * (the upstream's origin, unless a stand-in did) and after how many attempts.
 */
function afterAnswer(tx: Transaction, result: Extract<AttemptResult, { kind: 'response' }>, details: ErrorDetails): ErrorDetails {
  return { ...details, target: details.target ?? (result.by === undefined ? tx.target : undefined), attempts: details.attempts ?? tx.attempts.length }
}

/** onRequest asked for a body the client never finished sending (or sent too much of). */
class BodyUnavailable extends Error {
  constructor(readonly failure: BodyFailure) {
    super(`the request body could not be read (${failure})`)
  }
}

function answerBodyFailure(ctx: AttemptContext, failure: BodyFailure): void {
  const { res, tx, route } = ctx
  if (failure === 'stalled') sendError(res, tx, 'request_timeout', uploadStalled(route, tx), { close: true })
  else if (failure === 'too-large') sendError(res, tx, 'payload_too_large', tooLarge(route, tx), { close: true })
}

function captureRequestBody(body: RequestBody, req: AttemptContext['req'], maxBytes: number): CapturedBody | undefined {
  const headers = { 'content-type': req.headers['content-type'], 'content-encoding': req.headers['content-encoding'] }
  if (body.kind === 'empty') return undefined
  if (body.kind === 'stream') return captureBody(body.source, headers, maxBytes)
  const bytes = body.data.subarray(0, maxBytes)
  return { contentType: headers['content-type'], contentEncoding: headers['content-encoding'], bytes, totalBytes: body.data.length, truncated: bytes.length < body.data.length }
}

/** Idempotent methods (RFC 9110 §9.2.2), or a request that says it may be repeated (Idempotency-Key). */
function mayResend(tx: Transaction): boolean {
  return DEFAULT_RETRY.methods.includes(tx.method) || tx.requestHeaders['idempotency-key'] !== undefined
}

function outcomeOf(result: Extract<AttemptResult, { kind: 'response' | 'failure' }>): AttemptOutcome {
  if (result.kind === 'failure') return { kind: 'failure', failure: result.failure }
  const retryAfter = result.proxyRes.headers['retry-after']
  return { kind: 'response', status: result.proxyRes.statusCode ?? 502, retryAfter }
}

/**
 * What this attempt's faults and the client-scope ones do to the response going out. The
 * stand-in that answered and the delays have acted already; the body faults act as the body
 * goes out through them (stream-response.ts calls `actedOnBody`).
 */
function responseFaults(tx: Transaction, injected: Effects, atClient: Effects): ResponseFaults {
  if (injected.fired.length === 0 && atClient.fired.length === 0) return NO_RESPONSE_FAULTS
  const body = [...firedIn(atClient, ['body']), ...firedIn(injected, ['body'])]
  return {
    header: faultHeader([...firedIn(atClient, ['delay']), ...firedIn(injected, ['delay', 'answer']), ...body]),
    truncate: injected.truncate || atClient.truncate,
    bytesPerSecond: injected.bytesPerSecond ?? atClient.bytesPerSecond,
    actedOnBody: body.length === 0 ? undefined : () => noteActed(tx, body),
  }
}

/** `x-devproxy-fault` on an error devproxy answers: no body went out, so no body fault acted. */
function errorFaults(injected: Effects, atClient: Effects): string | undefined {
  if (injected.fired.length === 0 && atClient.fired.length === 0) return undefined
  return faultHeader([...firedIn(atClient, ['delay']), ...firedIn(injected, ['delay', 'answer'])])
}

function answerFailure(ctx: AttemptContext, result: Extract<AttemptResult, { kind: 'failure' }>, budgetCut: boolean, atClient: Effects): void {
  const { route, tx, res } = ctx
  const { message, hint } = describeFailure(result.failure, result.attempt.target, result.code, {
    timeoutMs: route.timeoutMs,
    connectMs: route.connectMs,
    budgetMs: budgetCut ? route.retry.budgetMs : undefined,
    caFile: route.tls.caFile,
    caOption: route.tls.caOption,
    maxConnections: route.maxConnections,
  })
  sendError(
    res,
    tx,
    FAILURE_TYPES[result.failure],
    { message, hint, route: route.name, target: result.attempt.target, attempts: tx.attempts.length, extra: tx.retryNote ? { retry: tx.retryNote } : undefined },
    { fault: errorFaults(result.injected, atClient) },
  )
}

function uploadStalled(route: ResolvedRoute, tx: Transaction) {
  return {
    message: `the client sent no request body data for uploadIdleMs (${route.uploadIdleMs} ms)`,
    hint: 'The client stalled mid-upload; raise the route uploadIdleMs if uploads this slow are expected.',
    route: route.name,
    target: tx.target,
    attempts: tx.attempts.length,
  }
}

export function tooLarge(route: ResolvedRoute, tx: Transaction) {
  return {
    message: `request body is larger than the route's limit of ${route.maxRequestBodyBytes} bytes`,
    hint: 'Raise maxRequestBodyBytes on the route if bodies this large are expected.',
    route: route.name,
    target: tx.target,
    attempts: tx.attempts.length,
  }
}

/** Where the route's code reports what it did: into the record, through its events. */
function reportTo(tx: Transaction): ProgramReport {
  return {
    ranCode: () => record.hooked(tx),
    receivedHeaders: (headers, keepFirst) => record.responseHeadersReceived(tx, headers, keepFirst),
  }
}
