import type { IncomingMessage } from 'node:http'
import type { Transform } from 'node:stream'
import type { ResolvedRetry, ResolvedRoute } from '../../config/types.js'
import type { ErrorDetails, ErrorType } from '../http/error-map.js'
import type { StandInAnswer, StandInKind } from './stand-in.js'
import type { Transaction } from '../transaction/transaction.js'

/**
 * How a route's own code (proxy.config.ts: `onRequest`, `onResponse`, `transform`, `target` and
 * `retry` as functions) plugs into the request path. The proxy calls a `RouteProgram` at three
 * points and carries out what it says; running user code — time limits, errors, what a hook may
 * return — is src/hooks' business. Routes without code never reach it (`runs` is false).
 */

/** The user's code failed: answered 500, logged, never retried. */
export interface ProgramFailure {
  readonly kind: 'failed'
  readonly type: ErrorType
  readonly details: ErrorDetails
}

/** What the request looks like after `onRequest` and the route's `target` / `retry` functions. */
export interface ForwardPlan {
  readonly kind: 'forward'
  /** The method, path (with query) and header fields to forward; undefined: as the proxy would. */
  readonly method: string | undefined
  readonly path: string | undefined
  readonly headers: readonly string[] | undefined
  /** The body to forward instead of the client's. */
  readonly body: Buffer | undefined
  /** The origin to send it to (every attempt), from a `target` function. */
  readonly target: URL | undefined
  readonly retry: ResolvedRetry | undefined
}

/** `onRequest` answered: each attempt gets this stand-in answer (faults still come first). */
export interface HookAnswerPlan {
  readonly kind: 'answer'
  readonly answer: () => StandInAnswer
}

export interface BeforeForwardContext {
  readonly route: ResolvedRoute
  readonly tx: Transaction
  readonly req: IncomingMessage
  /** The request target as received. */
  readonly url: string
  /** The path the proxy would forward (stripPrefix and rewrite applied). */
  readonly forwardPath: string
  /** Reads the whole request body (the route's limits apply); undefined when there is none. */
  readonly readBody: () => Promise<Buffer | undefined>
}

export interface AfterResponseContext {
  readonly route: ResolvedRoute
  readonly tx: Transaction
  readonly response: IncomingMessage
  /** Who answered; undefined: the upstream. */
  readonly by: StandInKind | undefined
}

export interface RouteProgram {
  /** Whether the route has code at the request stage (`onRequest`, `target` or `retry` functions). */
  runsBefore(route: ResolvedRoute): boolean
  /** Whether it has `onResponse`. */
  runsAfter(route: ResolvedRoute): boolean
  /** Synchronous when the route's code is (a promise in the request path costs a trivial hook a measurable share). */
  beforeForward(ctx: BeforeForwardContext): ForwardPlan | HookAnswerPlan | ProgramFailure | Promise<ForwardPlan | HookAnswerPlan | ProgramFailure>
  /** The response to send: the same one (status and headers perhaps changed) or a new one with the body `onResponse` set. */
  afterResponse(ctx: AfterResponseContext): Promise<IncomingMessage | ProgramFailure>
  /**
   * A transform for this response's body (`transform` on the route); undefined: sent as is. It
   * may change the response's header fields (a decoded body loses its Content-Encoding), or
   * fail before anything is sent.
   */
  transformBody(route: ResolvedRoute, tx: Transaction, response: IncomingMessage): Transform | undefined | ProgramFailure | Promise<Transform | undefined | ProgramFailure>
}
