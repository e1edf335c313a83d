import type { ClientRequest, IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import type { ResolvedRoute } from '../config/types.js'
import type { Engine, EngineState } from './engine.js'
import { describeInjection, simulatedResponse } from '../faults/inject.js'
import type { Injection } from '../faults/types.js'
import { missResponse, recordedResponse } from '../record/replay-response.js'
import { classifyUpstreamError, type UpstreamFailure } from './error-map.js'
import { buildForwardHeaders } from './headers.js'
import { forwardPath } from './path-rewrite.js'
import { startAttempt, type Attempt, type Transaction } from './transaction.js'

export interface AttemptContext {
  readonly engine: Engine
  readonly state: EngineState
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
  /** What to send as the body; undefined streams `req` itself. */
  readonly body: Readable | undefined
  /** Resolves if a streamed body goes over maxRequestBodyBytes. */
  readonly overLimit?: Promise<void> | undefined
  readonly backoffMs: number
  readonly retryOf: string | undefined
  /** The response-headers deadline for this attempt: timeoutMs, or less when the retry budget is nearly spent. */
  readonly timeoutMs: number
  /** Faults for this attempt: they stand in for the upstream (a reset, a hang, a 503) or slow it. */
  readonly injections: readonly Injection[]
  /** Called just before the request really goes upstream (the body starts to flow). */
  readonly onForward?: (() => void) | undefined
  /** The whole request body when it was buffered (replay matching needs it). */
  readonly requestBody?: Buffer | undefined
  /** Use a new connection, not a pooled one (the retry after a stale keep-alive socket). */
  readonly freshConnection?: boolean | undefined
}

/** What injected faults asked of the response (header, cut, slow body), for streamResponse. */
export interface InjectedEffects {
  /** The kinds injected into this attempt, for `x-devproxy-fault`. */
  readonly labels: readonly string[]
  readonly truncate: boolean
  readonly bytesPerSecond: number | undefined
}

export type AttemptResult =
  | { readonly kind: 'response'; readonly attempt: Attempt; readonly proxyRes: IncomingMessage; readonly injected: InjectedEffects }
  | {
      readonly kind: 'failure'
      readonly attempt: Attempt
      readonly failure: UpstreamFailure
      readonly code: string | undefined
      readonly injected: InjectedEffects
      /** A pooled keep-alive connection the upstream had already closed: nothing came back. */
      readonly stale?: boolean
    }
  /** The client went away; nothing more to do. */
  | { readonly kind: 'aborted'; readonly attempt: Attempt }
  /** A body of unknown length grew past maxRequestBodyBytes while it streamed. */
  | { readonly kind: 'too-large'; readonly attempt: Attempt }

/**
 * One try at the upstream: pick a target, forward, and settle exactly once — on response
 * headers, on a failure, or on the client going away. Each attempt has its own timers: the
 * connect timer runs while a new connection is being made, the response timer from the start.
 */
export function runAttempt(ctx: AttemptContext, plan: AttemptPlan): Promise<AttemptResult> {
  const { engine, state, route, tx, req, res } = ctx
  const pool = state.pools.get(route)!
  const target = pool.pick(Date.now())
  const attempt = startAttempt(tx, target, plan)

  tx.forwardedUrl = forwardPath(route, ctx.url)
  tx.forwardedHeaders = buildForwardHeaders(tx.requestHeaders, {
    clientIp: tx.clientIp,
    targetHost: route.changeOrigin ? target.host : undefined,
    upgrade: false,
    rules: route.requestHeaders,
    attempt: attempt.n,
  })
  // The fault header is addressed to the proxy, not the upstream.
  if (state.config.faults.allowHeader) delete tx.forwardedHeaders['x-devproxy-fault']
  // http-proxy-3 builds the upstream request from req.url and req.headers; the originals
  // stay on the transaction.
  req.url = tx.forwardedUrl
  req.headers = tx.forwardedHeaders as IncomingHttpHeaders

  const injected = effectsOf(plan.injections)
  for (const injection of plan.injections) tx.faults.push(describeInjection(injection))

  return new Promise((resolve) => {
    let proxyReq: ClientRequest | undefined
    let connected = false
    let connectTimer: NodeJS.Timeout | undefined

    const settle = (result: AttemptResult, outcome: NonNullable<Attempt['outcome']>, code?: string) => {
      if (attempt.outcome !== undefined) return false
      clearTimeout(responseTimer)
      clearTimeout(connectTimer)
      if (ctx.clientGone.listener === onClientClose) ctx.clientGone.listener = undefined
      attempt.outcome = outcome
      attempt.errorCode = code
      attempt.durationMs = performance.now() - attempt.startMs
      resolve(result)
      return true
    }
    const fail = (failure: UpstreamFailure, code?: string, stale = false) => {
      if (!settle({ kind: 'failure', attempt, failure, code, injected, stale }, failure, code)) return
      proxyReq?.destroy()
      if (failure === 'connect-failure' || failure === 'connect-timeout') pool.eject(target, Date.now())
    }
    const onClientClose = () => {
      if (settle({ kind: 'aborted', attempt }, 'aborted')) proxyReq?.destroy()
    }

    const responseTimer = setTimeout(() => fail('timeout'), plan.timeoutMs)
    ctx.clientGone.listener = onClientClose
    void plan.overLimit?.then(() => {
      if (settle({ kind: 'too-large', attempt }, 'aborted')) proxyReq?.destroy()
    })

    // A fault stands in for the upstream: the very same settle/fail paths a real one takes.
    const stand = plan.injections.find((i) => i.action.kind === 'respond' || i.action.kind === 'reset' || i.action.kind === 'hang')
    const forward = () => {
      if (attempt.outcome !== undefined) return
      const action = stand?.action
      if (action?.kind === 'respond') {
        const proxyRes = simulatedResponse(action.status, action.retryAfterS, describeInjection(stand!), stand!.fault.id)
        if (settle({ kind: 'response', attempt, proxyRes, injected }, 'response')) attempt.status = action.status
      } else if (action?.kind === 'reset') {
        fail('reset', 'ECONNRESET')
      } else if (action?.kind !== 'hang' && !answerFromRecording()) {
        plan.onForward?.()
        forwardForReal()
      }
    }
    // `devproxy replay`: the recording stands in for the upstream, like a fault does.
    const answerFromRecording = (): boolean => {
      const replay = engine.replay
      if (!replay) return false
      const match = replay.index.match({ method: tx.method, url: ctx.url, body: plan.requestBody })
      if (match.kind === 'miss' && replay.fallthroughRoutes.has(route.name)) {
        tx.replay = 'fallthrough'
        return false
      }
      tx.replay = match.kind
      const proxyRes = match.kind === 'hit' ? recordedResponse(match.entry) : missResponse(match, tx.method, ctx.url)
      if (settle({ kind: 'response', attempt, proxyRes, injected }, 'response')) attempt.status = proxyRes.statusCode
      return true
    }

    const forwardForReal = () => engine.forwarder.web(req, res, target, plan.body, {
      onRequest(request) {
        proxyReq = request
        if (attempt.outcome !== undefined) {
          request.destroy()
          return
        }
        // Called from the request's 'socket' event, so the socket is there; a pooled one is
        // already connected.
        const socket = request.socket!
        if (!socket.connecting) {
          connected = true
          return
        }
        connectTimer = setTimeout(() => fail('connect-timeout', 'ETIMEDOUT'), route.connectMs)
        socket.once('connect', () => {
          connected = true
          clearTimeout(connectTimer)
        })
      },
      onResponse(proxyRes) {
        if (!settle({ kind: 'response', attempt, proxyRes, injected }, 'response')) {
          proxyRes.destroy()
          return
        }
        attempt.status = proxyRes.statusCode
      },
      onError(error) {
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
        // response byte was closed by the server while idle; the request never ran.
        const stale = proxyReq?.reusedSocket === true && (error.code === 'ECONNRESET' || error.code === 'EPIPE')
        fail(classifyUpstreamError(error, connected), error.code, stale)
      },
    }, plan.freshConnection)

    // An injected delay runs inside the attempt, so the response timer can fire during it.
    const delayMs = plan.injections.reduce((sum, i) => sum + (i.action.kind === 'delay' ? i.action.ms : 0), 0)
    if (delayMs > 0) setTimeout(forward, delayMs)
    else forward()
  })
}

const NO_EFFECTS: InjectedEffects = { labels: [], truncate: false, bytesPerSecond: undefined }

function effectsOf(injections: readonly Injection[]): InjectedEffects {
  if (injections.length === 0) return NO_EFFECTS
  const throttle = injections.find((i) => i.action.kind === 'throttle')?.action
  return {
    labels: injections.map((i) => i.label),
    truncate: injections.some((i) => i.action.kind === 'truncate'),
    bytesPerSecond: throttle?.kind === 'throttle' ? throttle.bytesPerSecond : undefined,
  }
}
