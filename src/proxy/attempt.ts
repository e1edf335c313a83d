import type { ClientRequest, IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import type { ResolvedRoute } from '../config/types.js'
import type { Engine, EngineState } from './engine.js'
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
}

export type AttemptResult =
  | { readonly kind: 'response'; readonly attempt: Attempt; readonly proxyRes: IncomingMessage }
  | { readonly kind: 'failure'; readonly attempt: Attempt; readonly failure: UpstreamFailure; readonly code: string | undefined }
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
  // http-proxy-3 builds the upstream request from req.url and req.headers; the originals
  // stay on the transaction.
  req.url = tx.forwardedUrl
  req.headers = tx.forwardedHeaders as IncomingHttpHeaders

  return new Promise((resolve) => {
    let proxyReq: ClientRequest | undefined
    let connected = false
    let connectTimer: NodeJS.Timeout | undefined

    const settle = (result: AttemptResult, outcome: NonNullable<Attempt['outcome']>, code?: string) => {
      if (attempt.outcome !== undefined) return false
      clearTimeout(responseTimer)
      clearTimeout(connectTimer)
      res.off('close', onClientClose)
      attempt.outcome = outcome
      attempt.errorCode = code
      attempt.durationMs = performance.now() - attempt.startMs
      resolve(result)
      return true
    }
    const fail = (failure: UpstreamFailure, code?: string) => {
      if (!settle({ kind: 'failure', attempt, failure, code }, failure, code)) return
      proxyReq?.destroy()
      if (failure === 'connect-failure' || failure === 'connect-timeout') pool.eject(target, Date.now())
    }
    const onClientClose = () => {
      if (settle({ kind: 'aborted', attempt }, 'aborted')) proxyReq?.destroy()
    }

    const responseTimer = setTimeout(() => fail('timeout'), plan.timeoutMs)
    res.once('close', onClientClose)
    void plan.overLimit?.then(() => {
      if (settle({ kind: 'too-large', attempt }, 'aborted')) proxyReq?.destroy()
    })

    engine.forwarder.web(req, res, target, plan.body, {
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
        if (!settle({ kind: 'response', attempt, proxyRes }, 'response')) {
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
        fail(classifyUpstreamError(error, connected), error.code)
      },
    })
  })
}
