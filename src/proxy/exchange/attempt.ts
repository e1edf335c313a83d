import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http'
import type { ResolvedRoute } from '../../config/types.js'
import type { RoutingState } from '../route/routing-state.js'
import type { ExchangeServices } from './services.js'
import { classifyUpstreamError, upstreamErrorCode, type ErrorDetails, type ErrorType, type UpstreamFailure } from '../http/error-map.js'
import type { Effects } from './fault-plan.js'
import { firedIn, noteActed } from './fault-report.js'
import { joinBasePath } from '../upstream/forward.js'
import { CHUNKED, headersObject, NO_BODY, viaEntry, type Framing } from '../http/fields.js'
import { buildForwardHeaders } from '../upstream/forward-headers.js'
import { relayInformational } from '../respond/informational.js'
import { forwardPath } from '../route/path-rewrite.js'
import { bodyLengthUnknown } from '../http/protocol.js'
import { absoluteAuthority } from '../http/request-target.js'
import type { RequestBody } from './request-body.js'
import { pumpBody, type BodyPump } from '../upstream/send-request.js'
import type { StandInAnswer, StandInKind, StandInNote } from './stand-in.js'
import { nextState, phaseOf, timerOf, type AttemptEvent, type AttemptLimits, type AttemptState } from './attempt-states.js'
import type { Attempt, Transaction } from '../transaction/transaction.js'
import { noteUpstreamSocket } from '../upstream/upstream-socket.js'
import * as record from '../transaction/record.js'

export interface AttemptContext {
  readonly engine: ExchangeServices
  readonly state: RoutingState
  readonly route: ResolvedRoute
  readonly tx: Transaction
  /** The request target in origin form, as received. */
  readonly url: string
  readonly req: IncomingMessage
  readonly res: ServerResponse
  /** Where the attempt in flight puts what to do if the client goes away (the request's one 'close' listener calls it). */
  readonly clientGone: ClientGone
}

export interface ClientGone {
  listener: (() => void) | undefined
  /** The client's side closed: the transaction is finished and handed on; nothing more may start for it. */
  gone: boolean
}

export interface AttemptPlan {
  /** What to send as the body. */
  readonly body: RequestBody
  /** Resolves if a streamed body goes over maxRequestBodyBytes. */
  readonly overLimit?: Promise<void> | undefined
  readonly backoffMs: number
  readonly retryOf: string | undefined
  /** The response-headers deadline for this attempt: timeoutMs, or less when the retry budget is nearly spent. */
  readonly timeoutMs: number
  /** Faults for this attempt: they stand in for the upstream (a reset, a hang, a 503) or slow it. */
  readonly effects: Effects
  /** Called just before the body starts to flow to whoever answers: the upstream, or a stand-in in its place. */
  readonly onForward?: (() => void) | undefined
  /** The whole request body when it was buffered (replay matching needs it). */
  readonly requestBody?: Buffer | undefined
  /** Use a new connection, not a pooled one (the retry after a stale keep-alive socket). */
  readonly freshConnection?: boolean | undefined
  /** What `onRequest` and the route's functions made of the request. */
  readonly forward?: ForwardChanges | undefined
  /** `onRequest` answered: it stands in for the upstream on every attempt. */
  readonly hookAnswer?: (() => StandInAnswer) | undefined
}

/** The forwarded request as the route's code changed it; undefined fields: as the proxy would send them. */
export interface ForwardChanges {
  readonly method: string | undefined
  readonly path: string | undefined
  readonly headers: readonly string[] | undefined
  readonly target: URL | undefined
}

export type AttemptResult =
  | { readonly kind: 'response'; readonly attempt: Attempt; readonly proxyRes: IncomingMessage; readonly injected: Effects; readonly by: StandInKind | undefined }
  /** A stand-in refused (a mock's code failed): devproxy's own error, never retried. */
  | { readonly kind: 'refused'; readonly attempt: Attempt; readonly type: ErrorType; readonly details: ErrorDetails }
  | {
      readonly kind: 'failure'
      readonly attempt: Attempt
      readonly failure: UpstreamFailure
      readonly code: string | undefined
      readonly injected: Effects
      /** A pooled keep-alive connection failed before any response byte: the request may or may not have run. */
      readonly stale?: boolean
    }
  /** The client went away; nothing more to do. */
  | { readonly kind: 'aborted'; readonly attempt: Attempt }
  /** A body of unknown length grew past maxRequestBodyBytes while it streamed. */
  | { readonly kind: 'too-large'; readonly attempt: Attempt }
  /** The client stopped sending its body for uploadIdleMs. */
  | { readonly kind: 'client-stalled'; readonly attempt: Attempt }

/**
 * One try at the upstream: pick a target, forward, and settle exactly once — on response
 * headers, on a failure, or on the client going away. The walk is attempt-states.ts's table:
 * this drives it with the real request and socket, each state's timer set as the table says
 * (waiting for a pooled connection, connecting and TLS `connectMs` each; uploading by the body
 * pump's clocks; the response timeout once the whole request has been sent), and the time spent
 * in each state recorded as the attempt's phases.
 */
export function runAttempt(ctx: AttemptContext, plan: AttemptPlan): Promise<AttemptResult> {
  const { engine, state, route, tx, req } = ctx
  const pool = state.pools.get(route)!
  const changes = plan.forward
  const chosen = changes?.target ?? (pool.targets.length > 0 ? pool.pick(Date.now()) : undefined)
  const attempt = record.attemptStarted(tx, chosen, plan)
  // A route of mocks alone builds the request a mock sees against a placeholder it never contacts.
  const target = chosen ?? NO_TARGET

  const framing = framingOf(plan.body, req)
  // Expect goes to the upstream when the body streams through; a buffered body was already
  // asked for (the proxy answered 100 itself), so the upstream must not wait for a go-ahead.
  const expect = plan.body.kind === 'stream' && expectsContinue(req)
  const forwardedUrl = joinBasePath(target.pathname, changes?.path ?? forwardPath(route, ctx.url))
  const rawHeaders = buildForwardHeaders(changes?.headers ?? req.rawHeaders, {
    clientIp: tx.clientIp,
    scheme: tx.scheme,
    targetHost: route.changeOrigin ? target.host : undefined,
    requestHost: absoluteAuthority(tx.url),
    upgrade: false,
    rules: route.requestHeaders,
    attempt: attempt.n,
    via: viaEntry(tx.httpVersion, engine.instanceId),
    framing,
    expect,
  })
  record.forwarded(tx, forwardedUrl, headersObject(rawHeaders))

  const injected = plan.effects
  // A delay acts on the attempt as it starts; a stand-in once it answers (the client may leave first).
  if (injected.fired.length > 0) noteActed(tx, firedIn(injected, ['delay']))
  return new Promise((resolve) => new AttemptRun(ctx, plan, attempt, chosen, target, rawHeaders, expect, resolve).start())
}

/**
 * One attempt in flight: its state (attempt-states.ts), the one timer its state owns, and what
 * it has of the upstream request. Every event goes through `go`, which the table may refuse (a
 * late event after the attempt settled is ignored there, not here and there).
 */
class AttemptRun {
  state: AttemptState = 'INIT'
  enteredMs: number
  timer: NodeJS.Timeout | undefined = undefined
  /** An injected latency or hang: the response clock runs from the start until the request is sent. */
  heldTimer: NodeJS.Timeout | undefined = undefined
  readonly held: boolean
  readonly limits: AttemptLimits
  proxyReq: ClientRequest | undefined = undefined
  pump: BodyPump | undefined = undefined
  /** The whole request went to the connection ('finish'), possibly before it was ready. */
  sent = false
  /** The pooled socket's bytesRead when this request got it: more on an error means it had begun answering. */
  readBefore = -1
  /** Set while the proxy itself ends the upstream request: its errors are not the upstream's. */
  releasing = false
  settled = false
  readonly onClientClose = () => {
    if (this.settle({ kind: 'aborted', attempt: this.attempt }, 'aborted', undefined, 'client-gone')) this.abandon()
  }

  constructor(
    readonly ctx: AttemptContext,
    readonly plan: AttemptPlan,
    readonly attempt: Attempt,
    readonly chosen: URL | undefined,
    readonly target: URL,
    readonly rawHeaders: string[],
    readonly expect: boolean,
    readonly resolve: (result: AttemptResult) => void,
  ) {
    this.enteredMs = attempt.startMs
    this.held = plan.effects.delayMs > 0 || plan.effects.answer?.kind === 'hang'
    this.limits = { connectMs: ctx.route.connectMs, timeoutMs: plan.timeoutMs, held: this.held, expectContinue: expect }
  }

  start(): void {
    this.ctx.clientGone.listener = this.onClientClose
    void this.plan.overLimit?.then(() => {
      if (this.settle({ kind: 'too-large', attempt: this.attempt }, 'aborted')) this.abandon()
    })
    // An injected delay or hang stands in for a slow upstream: the response clock runs from the start.
    if (this.held) this.heldTimer = setTimeout(() => this.fail('timeout'), this.limits.timeoutMs)
    const delayMs = this.plan.effects.delayMs
    if (delayMs > 0) setTimeout(() => this.forward(), delayMs)
    else this.forward()
  }

  /** Moves the attempt along the table; false when the event does not apply in its state. */
  go(event: AttemptEvent): boolean {
    const next = nextState(this.state, event)
    if (next === undefined) return false
    const now = performance.now()
    const phase = phaseOf(this.state, this.held)
    if (phase !== undefined) record.phaseTimed(this.attempt, phase, now - this.enteredMs)
    this.state = next
    this.enteredMs = now
    clearTimeout(this.timer)
    this.timer = undefined
    const owned = timerOf(next, this.limits)
    // A held response clock already runs: the hang a stand-in gives is measured from the start.
    if (owned !== undefined && !(owned.failure === 'timeout' && this.heldTimer !== undefined)) {
      this.timer = setTimeout(() => this.fail(owned.failure, owned.failure === 'connect-timeout' ? 'ETIMEDOUT' : undefined), owned.ms)
    }
    return true
  }

  settle(result: AttemptResult, outcome: NonNullable<Attempt['outcome']>, code?: string, event: AttemptEvent = result.kind === 'response' ? 'response' : 'fail'): boolean {
    if (this.settled) return false
    this.settled = true
    this.go(event)
    clearTimeout(this.timer)
    clearTimeout(this.heldTimer)
    const { ctx, attempt } = this
    if (ctx.clientGone.listener === this.onClientClose) ctx.clientGone.listener = undefined
    record.attemptSettled(attempt, outcome, code)
    if (result.kind !== 'response') this.pump?.stop()
    this.resolve(result)
    return true
  }

  abandon(): void {
    this.releasing = true
    this.proxyReq?.destroy()
  }

  fail(failure: UpstreamFailure, code?: string, stale = false): void {
    if (!this.settle({ kind: 'failure', attempt: this.attempt, failure, code, injected: this.plan.effects, stale }, failure, code)) return
    this.abandon()
    if (failure === 'connect-failure' || failure === 'connect-timeout') this.ctx.state.pools.get(this.ctx.route)!.eject(this.target, Date.now())
  }

  /** Who answers this attempt: a fault first, then onRequest's answer, then the engine's stand-ins (mocks, a recording), then the upstream. */
  forward(): void {
    if (this.settled) return
    const { ctx, plan } = this
    const injected = plan.effects
    if (injected.answer !== undefined) {
      noteActed(ctx.tx, firedIn(injected, ['answer']))
      return this.standIn(injected.answer)
    }
    const answer = plan.hookAnswer?.()
    if (answer !== undefined) return this.standIn(answer)
    // Most routes have no stand-in: they go upstream in this same tick, no promise in between.
    if (!ctx.engine.standIns.some((candidate) => candidate.serves(ctx.route))) return this.goUpstream()
    this.askStandIns().then(
      (found) => {
        if (this.settled) return
        if (found !== undefined) this.standIn(found)
        else this.goUpstream()
      },
      (error: unknown) =>
        this.settle({ kind: 'refused', attempt: this.attempt, type: 'proxy_internal_error', details: { message: `a stand-in failed: ${(error as Error)?.message ?? String(error)}`, hint: 'This is a bug in devproxy; please report it.', route: ctx.route.name } }, 'response', undefined, 'fail'),
    )
  }

  async askStandIns(): Promise<StandInAnswer | undefined> {
    const { ctx, plan } = this
    for (const candidate of ctx.engine.standIns) {
      if (!candidate.serves(ctx.route)) continue
      const answer = await candidate.answer({ route: ctx.route, tx: ctx.tx, method: ctx.tx.method, url: ctx.url, headers: ctx.req.headers, body: plan.requestBody })
      if (answer === undefined) continue
      if (answer.kind !== 'pass') return answer
      noteStandIn(ctx.tx, answer.note)
    }
    return undefined
  }

  /** A stand-in answers through the very same paths a real upstream takes: a response, a reset, silence, or devproxy's own refusal. */
  standIn(answer: StandInAnswer): void {
    const { attempt, ctx } = this
    record.attemptAnsweredBy(attempt, answer.by)
    // The request body is captured whoever answers (issue 28): a stand-in takes it as an upstream would.
    this.plan.onForward?.()
    if (answer.kind === 'respond' && answer.note !== undefined) noteStandIn(ctx.tx, answer.note)
    if (answer.kind === 'respond' && answer.name !== undefined) {
      // It replaced the upstream: it is what answered, and nothing was forwarded.
      record.answeredInPlaceOf(ctx.tx, attempt, answer.name)
    }
    if (answer.kind === 'respond') {
      if (this.settle({ kind: 'response', attempt, proxyRes: answer.response, injected: this.plan.effects, by: answer.by }, 'response', undefined, 'stand-in-answer')) record.attemptAnswered(attempt, answer.response.statusCode)
    } else if (answer.kind === 'reset') {
      this.fail('reset', 'ECONNRESET')
    } else if (answer.kind === 'refuse') {
      this.settle({ kind: 'refused', attempt, type: answer.type, details: answer.details }, 'response', undefined, 'fail')
    } else {
      this.go('stand-in-hang')
    }
  }

  goUpstream(): void {
    const { ctx } = this
    // A route with no target of its own (mocks only) has nowhere to send what no mock answered.
    if (this.chosen === undefined) {
      this.settle(
        {
          kind: 'refused',
          attempt: this.attempt,
          type: 'mock_unmatched',
          details: { message: `no mock of route "${ctx.route.name}" answers ${ctx.tx.method} ${ctx.url}, and the route has no target`, hint: 'Add a mock that matches this request, or a target for the requests no mock answers.', route: ctx.route.name },
        },
        'response',
        undefined,
        'fail',
      )
      return
    }
    this.plan.onForward?.()
    this.go('upstream')
    this.forwardForReal()
  }

  forwardForReal(): void {
    const { ctx, plan, target } = this
    const { route, tx, req, res } = ctx
    const request = ctx.engine.forwarder.request(route, target, { method: plan.forward?.method ?? tx.method, path: tx.forwardedUrl!, headers: this.rawHeaders, fresh: plan.freshConnection })
    this.proxyReq = request
    request.once('socket', (socket) => {
      if (this.settled) return
      noteUpstreamSocket(tx, socket)
      this.readBefore = socket.bytesRead
      if (!socket.connecting) {
        this.go('socket-reused')
        this.ready()
        return
      }
      this.go('socket-new')
      socket.once('connect', () => {
        if (target.protocol !== 'https:') {
          if (this.go('connected')) this.ready()
          return
        }
        if (!this.go('connected-tls')) return
        socket.once('secureConnect', () => {
          if (this.go('secured')) this.ready()
        })
      })
    })
    request.on('information', (info) => {
      if (this.settled) return
      if (info.statusCode === 100) this.stopTimer()
      relayInformational(res, info)
    })
    request.once('finish', () => {
      this.sent = true
      if (this.state === 'SENDING_REQUEST') this.go('request-sent')
    })
    request.once('response', (proxyRes) => {
      if (!this.settle({ kind: 'response', attempt: this.attempt, proxyRes, injected: plan.effects, by: undefined }, 'response')) {
        proxyRes.destroy()
        return
      }
      record.attemptAnswered(this.attempt, proxyRes.statusCode)
      if (!request.writableFinished) this.answeredEarly(proxyRes)
    })
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (this.releasing) return
      if (this.attempt.outcome === 'response') {
        // The upstream failed mid-body. If that body is going to the client, cut the client
        // connection: a truncated body must never pass for a complete one.
        if (res.headersSent && !res.writableFinished && !res.destroyed) {
          record.ended(tx, 'upstream-aborted', true)
          res.destroy()
        }
        return
      }
      if (res.destroyed) {
        this.onClientClose()
        return
      }
      // Node's advice for keep-alive clients: a reused socket that resets before any response
      // byte was most likely closed by the server while idle — most likely, not surely: the
      // upstream may have read the request first (exchange decides what that allows). A
      // connection that had begun answering (its bytesRead moved) was not idle: the upstream reset it.
      const stale = request.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE') && request.socket?.bytesRead === this.readBefore
      const connected = this.state !== 'POOL_WAIT' && this.state !== 'CONNECTING'
      const secured = this.state !== 'TLS' && (connected || target.protocol !== 'https:')
      this.fail(classifyUpstreamError(error, connected, !secured), upstreamErrorCode(error), stale)
    })
    this.pump = pumpBody(plan.body, req, request, { idleMs: route.uploadIdleMs, stallMs: plan.timeoutMs }, {
      onClientStall: () => {
        if (this.settle({ kind: 'client-stalled', attempt: this.attempt }, 'aborted')) this.abandon()
      },
      onUpstreamStall: () => this.fail('timeout'),
      onFirstByte: this.expect ? () => this.stopTimer() : undefined,
    })
  }

  /** The connection is open (and secured): the request goes out; if it was all handed over already, it is sent. */
  ready(): void {
    if (this.sent) this.go('request-sent')
  }

  /** The go-ahead came (100 Continue, or the body began flowing): the wait for it is over. */
  stopTimer(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  /**
   * The upstream answered before the whole body was sent (RFC 9112 §9.6: a 401 or 413 decided on
   * the headers, or a server that streams its answer while it reads). A refusal will not read
   * on: stop sending. Either way, once the response is over the request can never complete on
   * that connection, so it is closed rather than left holding a pool slot.
   */
  answeredEarly(proxyRes: IncomingMessage): void {
    if ((proxyRes.statusCode ?? 0) >= 400) this.pump?.stop()
    const release = () => {
      if (this.proxyReq?.writableFinished) return
      this.pump?.stop()
      this.abandon()
    }
    proxyRes.once('end', release)
    proxyRes.once('close', release)
  }
}

const NO_TARGET = new URL('http://mocks.invalid/')

/** What a stand-in said about its answer, into the record. */
function noteStandIn(tx: Transaction, note: StandInNote): void {
  if (note.replay !== undefined) record.replayed(tx, note.replay)
  if (note.error !== undefined) record.failed(tx, note.error.type, note.error.message)
}

/** `Expect: 100-continue` (RFC 9110 §10.1.1), the one expectation there is. */
export function expectsContinue(req: IncomingMessage): boolean {
  const value = req.headers.expect
  return value !== undefined && value.toLowerCase() === '100-continue'
}

/**
 * The forwarded body's framing (RFC 9112 §6): the length of a body the proxy holds, the
 * client's declared length for one that streams, chunked for a chunked one or one with trailers.
 */
function framingOf(body: RequestBody, req: IncomingMessage): Framing {
  if (body.kind === 'empty') return req.headers['content-length'] !== undefined ? ZERO_LENGTH : NO_BODY
  if (body.kind === 'buffered') return req.rawTrailers.length > 0 ? CHUNKED : { kind: 'length', length: body.data.length }
  return bodyLengthUnknown(req) ? CHUNKED : { kind: 'length', length: Number(req.headers['content-length']) }
}

const ZERO_LENGTH: Framing = { kind: 'length', length: 0 }
