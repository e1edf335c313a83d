import type { ClientRequest, IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import type { ResolvedRoute } from '../config/types.js'
import { BodyTooLargeError, createBodyLimiter } from './body-limit.js'
import type { Engine, EngineState } from './engine.js'
import { classifyUpstreamError, describeFailure, FAILURE_TYPES, type UpstreamFailure } from './error-map.js'
import { buildForwardHeaders } from './headers.js'
import { forwardPath } from './path-rewrite.js'
import { sendError } from './respond.js'
import { streamResponse } from './stream-response.js'
import { startAttempt, type Transaction } from './transaction.js'

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

/**
 * One try at the upstream: pick a target, forward, and settle exactly once — on response
 * headers, on a failure (mapped to 502/504), or on the client going away.
 */
export function forwardAttempt(ctx: AttemptContext): void {
  const { engine, state, route, tx, req, res } = ctx
  const pool = state.pools.get(route)!
  const target = pool.pick(Date.now())
  const attempt = startAttempt(tx, target)

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

  let proxyReq: ClientRequest | undefined
  let connected = false
  let settled = false

  const settle = (outcome: NonNullable<typeof attempt.outcome>, code?: string) => {
    settled = true
    clearTimeout(timer)
    attempt.outcome = outcome
    attempt.errorCode = code
    attempt.durationMs = performance.now() - attempt.startMs
  }

  const fail = (failure: UpstreamFailure, error?: NodeJS.ErrnoException) => {
    if (settled) return
    settle(failure, error?.code)
    proxyReq?.destroy()
    if (failure === 'connect-failure') pool.eject(target, Date.now())
    const { message, hint } = describeFailure(failure, target.origin, error?.code, route.timeoutMs)
    sendError(res, tx, FAILURE_TYPES[failure], {
      message,
      hint,
      route: route.name,
      target: target.origin,
      attempts: tx.attempts.length,
    })
  }

  const timer = setTimeout(() => fail('timeout'), route.timeoutMs)
  res.once('close', () => {
    if (settled) return
    settle('aborted')
    proxyReq?.destroy()
  })

  let body: Readable | undefined
  if (tx.requestHeaders['content-length'] === undefined && tx.requestHeaders['transfer-encoding'] !== undefined) {
    body = req.pipe(createBodyLimiter(route.maxRequestBodyBytes, (total) => (tx.requestBytes = total)))
    body.once('error', (error) => {
      if (!(error instanceof BodyTooLargeError) || settled) return
      settle('aborted')
      proxyReq?.destroy()
      sendError(res, tx, 'payload_too_large', tooLarge(route, tx), { close: true })
    })
  } else {
    tx.requestBytes = Number(tx.requestHeaders['content-length'] ?? 0) || 0
  }

  engine.forwarder.web(req, res, target, body, {
    onRequest(request) {
      proxyReq = request
      if (settled) {
        request.destroy()
        return
      }
      // Called from the request's 'socket' event, so the socket is there; a pooled one is
      // already connected.
      const socket = request.socket!
      if (socket.connecting) socket.once('connect', () => (connected = true))
      else connected = true
    },
    onResponse(proxyRes) {
      if (settled) {
        proxyRes.destroy()
        return
      }
      settle('response')
      attempt.status = proxyRes.statusCode
      streamResponse(tx, route, proxyRes, res)
    },
    onError(error) {
      if (attempt.outcome === 'response') {
        // Failed after the headers went out: cut the client connection (never a silent truncation).
        if (!res.writableFinished && !res.destroyed) {
          tx.ending ??= 'upstream-aborted'
          res.destroy()
        }
        return
      }
      if (res.destroyed) return
      fail(classifyUpstreamError(error, connected), error)
    },
  })
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
