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
import type { StandInAnswer, StandInKind } from './stand-in.js'
import { startAttempt, type Attempt, type Transaction } from '../transaction/transaction.js'
import { noteUpstreamSocket } from '../upstream/upstream-socket.js'

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
 * headers, on a failure, or on the client going away. Each phase has its own clock: waiting
 * for a pooled connection and connecting (`connectMs` each), uploading (`uploadIdleMs` between
 * client chunks; the upstream not reading counts against `timeoutMs`), then the response
 * timeout, which starts once the whole request has been sent.
 */
export function runAttempt(ctx: AttemptContext, plan: AttemptPlan): Promise<AttemptResult> {
  const { engine, state, route, tx, req, res } = ctx
  const pool = state.pools.get(route)!
  const changes = plan.forward
  const chosen = changes?.target ?? (pool.targets.length > 0 ? pool.pick(Date.now()) : undefined)
  const attempt = startAttempt(tx, chosen, plan)
  // A route of mocks alone builds the request a mock sees against a placeholder it never contacts.
  const target = chosen ?? NO_TARGET

  const framing = framingOf(plan.body, req)
  // Expect goes to the upstream when the body streams through; a buffered body was already
  // asked for (the proxy answered 100 itself), so the upstream must not wait for a go-ahead.
  const expect = plan.body.kind === 'stream' && expectsContinue(req)
  tx.forwardedUrl = joinBasePath(target.pathname, changes?.path ?? forwardPath(route, ctx.url))
  const method = changes?.method ?? tx.method
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
  tx.forwardedHeaders = headersObject(rawHeaders)

  const injected = plan.effects
  // A delay acts on the attempt as it starts; a stand-in once it answers (the client may leave first).
  if (injected.fired.length > 0) noteActed(tx, firedIn(injected, ['delay']))

  return new Promise((resolve) => {
    let proxyReq: ClientRequest | undefined
    let pump: BodyPump | undefined
    let connected = false
    let secured = target.protocol !== 'https:'
    /** Set while the proxy itself ends the upstream request: its errors are not the upstream's. */
    let releasing = false
    let connectTimer: NodeJS.Timeout | undefined
    /** The pooled socket's bytesRead when this request got it: more on an error means it had begun answering. */
    let readBefore = -1
    let poolTimer: NodeJS.Timeout | undefined
    let responseTimer: NodeJS.Timeout | undefined

    const startResponseTimer = () => {
      clearTimeout(responseTimer)
      if (attempt.outcome === undefined) responseTimer = setTimeout(() => fail('timeout'), plan.timeoutMs)
    }
    const settle = (result: AttemptResult, outcome: NonNullable<Attempt['outcome']>, code?: string) => {
      if (attempt.outcome !== undefined) return false
      clearTimeout(responseTimer)
      clearTimeout(connectTimer)
      clearTimeout(poolTimer)
      if (ctx.clientGone.listener === onClientClose) ctx.clientGone.listener = undefined
      attempt.outcome = outcome
      attempt.errorCode = code
      attempt.durationMs = performance.now() - attempt.startMs
      if (result.kind !== 'response') pump?.stop()
      resolve(result)
      return true
    }
    const abandon = () => {
      releasing = true
      proxyReq?.destroy()
    }
    const fail = (failure: UpstreamFailure, code?: string, stale = false) => {
      if (!settle({ kind: 'failure', attempt, failure, code, injected, stale }, failure, code)) return
      abandon()
      if (failure === 'connect-failure' || failure === 'connect-timeout') pool.eject(target, Date.now())
    }
    const onClientClose = () => {
      if (settle({ kind: 'aborted', attempt }, 'aborted')) abandon()
    }

    ctx.clientGone.listener = onClientClose
    void plan.overLimit?.then(() => {
      if (settle({ kind: 'too-large', attempt }, 'aborted')) abandon()
    })

    // A stand-in answers through the very same settle/fail paths a real upstream takes: a fault
    // first, then onRequest's answer, then the engine's stand-ins (mocks, a recording).
    const standIn = (answer: StandInAnswer) => {
      attempt.by = answer.by
      // The request body is captured whoever answers (issue 28): a stand-in takes it as an upstream would.
      plan.onForward?.()
      if (answer.kind === 'respond' && answer.name !== undefined) {
        // It replaced the upstream: it is what answered, and nothing was forwarded.
        attempt.target = tx.target = answer.name
        tx.forwardedHeaders = undefined
      }
      if (answer.kind === 'respond') {
        if (settle({ kind: 'response', attempt, proxyRes: answer.response, injected, by: answer.by }, 'response')) attempt.status = answer.response.statusCode
      } else if (answer.kind === 'reset') {
        fail('reset', 'ECONNRESET')
      } else if (answer.kind === 'refuse') {
        settle({ kind: 'refused', attempt, type: answer.type, details: answer.details }, 'response')
      } else if (responseTimer === undefined) {
        startResponseTimer()
      }
    }
    const askStandIns = async (): Promise<StandInAnswer | undefined> => {
      for (const candidate of engine.standIns) {
        if (!candidate.serves(route)) continue
        const answer = await candidate.answer({ route, tx, method: tx.method, url: ctx.url, headers: req.headers, body: plan.requestBody })
        if (answer !== undefined) return answer
      }
      return undefined
    }
    const forward = () => {
      if (attempt.outcome !== undefined) return
      if (injected.answer !== undefined) {
        noteActed(tx, firedIn(injected, ['answer']))
        return standIn(injected.answer)
      }
      const answer = plan.hookAnswer?.()
      if (answer !== undefined) return standIn(answer)
      // Most routes have no stand-in: they go upstream in this same tick, no promise in between.
      if (!engine.standIns.some((candidate) => candidate.serves(route))) return goUpstream()
      askStandIns().then(
        (found) => {
          if (attempt.outcome !== undefined) return
          if (found !== undefined) standIn(found)
          else goUpstream()
        },
        (error: unknown) => settle({ kind: 'refused', attempt, type: 'proxy_internal_error', details: { message: `a stand-in failed: ${(error as Error)?.message ?? String(error)}`, hint: 'This is a bug in devproxy; please report it.', route: route.name } }, 'response'),
      )
    }
    const goUpstream = () => {
      // A route with no target of its own (mocks only) has nowhere to send what no mock answered.
      if (chosen === undefined) {
        settle({ kind: 'refused', attempt, type: 'mock_unmatched', details: { message: `no mock of route "${route.name}" answers ${tx.method} ${ctx.url}, and the route has no target`, hint: 'Add a mock that matches this request, or a target for the requests no mock answers.', route: route.name } }, 'response')
        return
      }
      plan.onForward?.()
      forwardForReal()
    }

    const forwardForReal = () => {
      const request = engine.forwarder.request(route, target, { method, path: tx.forwardedUrl!, headers: rawHeaders, fresh: plan.freshConnection })
      proxyReq = request
      // Waiting for one of the route's maxConnections: bounded, and said so when it runs out.
      poolTimer = setTimeout(() => fail('pool-exhausted'), route.connectMs)
      request.once('socket', (socket) => {
        clearTimeout(poolTimer)
        if (attempt.outcome !== undefined) return
        noteUpstreamSocket(tx, socket)
        readBefore = socket.bytesRead
        const onConnected = () => {
          connected = true
          // Waiting for 100 Continue is waiting for the upstream's answer.
          if (expect) startResponseTimer()
        }
        if (!socket.connecting) {
          secured = true
          onConnected()
          return
        }
        connectTimer = setTimeout(() => fail('connect-timeout', 'ETIMEDOUT'), route.connectMs)
        socket.once('connect', () => {
          clearTimeout(connectTimer)
          onConnected()
        })
        if (!secured) socket.once('secureConnect', () => (secured = true))
      })
      request.on('information', (info) => {
        if (attempt.outcome !== undefined) return
        if (info.statusCode === 100) clearTimeout(responseTimer)
        relayInformational(res, info)
      })
      request.once('finish', startResponseTimer)
      request.once('response', (proxyRes) => {
        if (!settle({ kind: 'response', attempt, proxyRes, injected, by: undefined }, 'response')) {
          proxyRes.destroy()
          return
        }
        attempt.status = proxyRes.statusCode
        if (!request.writableFinished) answeredEarly(proxyRes)
      })
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (releasing) return
        if (attempt.outcome === 'response') {
          // The upstream failed mid-body. If that body is going to the client, cut the client
          // connection: a truncated body must never pass for a complete one.
          if (res.headersSent && !res.writableFinished && !res.destroyed) {
            tx.ending ??= 'upstream-aborted'
            res.destroy()
          }
          return
        }
        if (res.destroyed) {
          onClientClose()
          return
        }
        // Node's advice for keep-alive clients: a reused socket that resets before any
        // response byte was most likely closed by the server while idle — most likely, not
        // surely: the upstream may have read the request first (exchange decides what that allows).
        // A connection that had begun answering (its bytesRead moved) was not idle: the upstream reset it.
        const stale = request.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE') && request.socket?.bytesRead === readBefore
        fail(classifyUpstreamError(error, connected, !secured), upstreamErrorCode(error), stale)
      })
      pump = pumpBody(plan.body, req, request, { idleMs: route.uploadIdleMs, stallMs: plan.timeoutMs }, {
        onClientStall: () => {
          if (settle({ kind: 'client-stalled', attempt }, 'aborted')) abandon()
        },
        onUpstreamStall: () => fail('timeout'),
        onFirstByte: expect ? () => clearTimeout(responseTimer) : undefined,
      })
    }

    /**
     * The upstream answered before the whole body was sent (RFC 9112 §9.6: a 401 or 413 decided on
     * the headers, or a server that streams its answer while it reads). A refusal will not read
     * on: stop sending. Either way, once the response is over the request can never complete on
     * that connection, so it is closed rather than left holding a pool slot.
     */
    const answeredEarly = (proxyRes: IncomingMessage) => {
      if ((proxyRes.statusCode ?? 0) >= 400) pump?.stop()
      const release = () => {
        if (proxyReq?.writableFinished) return
        pump?.stop()
        abandon()
      }
      proxyRes.once('end', release)
      proxyRes.once('close', release)
    }

    // An injected delay or hang stands in for a slow upstream: the response clock runs from the start.
    const delayMs = injected.delayMs
    if (delayMs > 0 || injected.answer?.kind === 'hang') startResponseTimer()
    if (delayMs > 0) setTimeout(forward, delayMs)
    else forward()
  })
}

const NO_TARGET = new URL('http://mocks.invalid/')

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
