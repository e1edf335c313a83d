import type { AttemptPhases } from '../transaction/transaction.js'

/**
 * One attempt's walk as a state machine (issue 29), named as the C++ engine's ProxyTransaction
 * names its states. The table below is the whole of it: what each state may become on each
 * event, which timer a state owns, and which phase of the attempt (`Attempt.phases`) its time
 * counts to. attempt.ts drives it with real sockets; test/unit/attempt-states.test.ts walks it.
 * Pure: no I/O, no clock.
 *
 *   INIT ──upstream──▶ POOL_WAIT ──socket-new──▶ CONNECTING ──connected──▶ SENDING_REQUEST
 *    │                    │                        └─connected-tls─▶ TLS ──secured──┘   │
 *    │                    └──socket-reused──────────────────────────────────────────────┤
 *    │                                                                       request-sent│
 *    ├─stand-in-hang─▶ AWAITING_RESPONSE ◀────────────────────────────────────────────────┘
 *    │                    │ response
 *    └─stand-in-answer─▶ RECEIVING_BODY ──body-end──▶ COMPLETE
 *   any state but the last two ──fail / client-gone──▶ FAILED
 *
 * Between two attempts the exchange is in RETRY_WAIT: wait.ts's `backoff` owns that timer and
 * ends it early when the client leaves; the next attempt starts again from INIT.
 */

export type AttemptState = 'INIT' | 'POOL_WAIT' | 'CONNECTING' | 'TLS' | 'SENDING_REQUEST' | 'AWAITING_RESPONSE' | 'RECEIVING_BODY' | 'COMPLETE' | 'FAILED'

export type AttemptEvent =
  /** Nothing stands in: the request goes to the upstream (a connection is asked of the pool). */
  | 'upstream'
  /** A stand-in (fault, hook, mock, recording) answered with a response. */
  | 'stand-in-answer'
  /** A stand-in (a timeout fault) answers nothing: the response clock runs out. */
  | 'stand-in-hang'
  /** The pool gave a connection that must be opened first. */
  | 'socket-new'
  /** The pool gave an open keep-alive connection. */
  | 'socket-reused'
  /** TCP connected, to an http:// target. */
  | 'connected'
  /** TCP connected, to an https:// target: the TLS handshake follows. */
  | 'connected-tls'
  /** The TLS handshake finished. */
  | 'secured'
  /** The whole request (head and body) was handed to the connection. */
  | 'request-sent'
  /** Response headers arrived (possibly before the request was all sent: an early answer, RFC 9112 §9.6). */
  | 'response'
  /** The response body was delivered to the client. */
  | 'body-end'
  /** The attempt failed: a timeout, a reset, a refused connection, a stand-in's reset or refusal. */
  | 'fail'
  /** The client went away. */
  | 'client-gone'

const ENDS: Partial<Record<AttemptEvent, AttemptState>> = { fail: 'FAILED', 'client-gone': 'FAILED' }

export const TRANSITIONS: Readonly<Record<AttemptState, Readonly<Partial<Record<AttemptEvent, AttemptState>>>>> = {
  INIT: { upstream: 'POOL_WAIT', 'stand-in-answer': 'RECEIVING_BODY', 'stand-in-hang': 'AWAITING_RESPONSE', ...ENDS },
  POOL_WAIT: { 'socket-new': 'CONNECTING', 'socket-reused': 'SENDING_REQUEST', ...ENDS },
  CONNECTING: { connected: 'SENDING_REQUEST', 'connected-tls': 'TLS', ...ENDS },
  TLS: { secured: 'SENDING_REQUEST', ...ENDS },
  SENDING_REQUEST: { 'request-sent': 'AWAITING_RESPONSE', response: 'RECEIVING_BODY', ...ENDS },
  AWAITING_RESPONSE: { response: 'RECEIVING_BODY', ...ENDS },
  // Once the status went out, a failure is the body's (the client is cut); the attempt had its answer.
  RECEIVING_BODY: { 'body-end': 'COMPLETE', fail: 'COMPLETE', 'client-gone': 'COMPLETE' },
  COMPLETE: {},
  FAILED: {},
}

/** The state after `event`, or undefined when the event does not apply there (a late event, ignored). */
export function nextState(state: AttemptState, event: AttemptEvent): AttemptState | undefined {
  return TRANSITIONS[state][event]
}

export function isSettled(state: AttemptState): boolean {
  return state === 'RECEIVING_BODY' || state === 'COMPLETE' || state === 'FAILED'
}

/** The route's limits a state's timer is set from. */
export interface AttemptLimits {
  /** connectMs: waiting for a pooled connection, opening one, its TLS handshake. */
  readonly connectMs: number
  /** The response-headers deadline for this attempt (timeoutMs, or less near the retry budget). */
  readonly timeoutMs: number
  /** An injected latency or hang holds INIT: the response clock runs from the start (it stands in for a slow upstream). */
  readonly held: boolean
  /** The request says `Expect: 100-continue` and its body streams: waiting for the go-ahead is waiting for the upstream's answer. */
  readonly expectContinue: boolean
}

/** The timer a state owns and what its running out means; undefined: none (its timers are the body pump's, or none). */
export interface StateTimer {
  readonly ms: number
  readonly failure: 'pool-exhausted' | 'connect-timeout' | 'timeout'
}

export function timerOf(state: AttemptState, limits: AttemptLimits): StateTimer | undefined {
  switch (state) {
    case 'INIT':
      return limits.held ? { ms: limits.timeoutMs, failure: 'timeout' } : undefined
    case 'POOL_WAIT':
      return { ms: limits.connectMs, failure: 'pool-exhausted' }
    case 'CONNECTING':
    case 'TLS':
      return { ms: limits.connectMs, failure: 'connect-timeout' }
    case 'AWAITING_RESPONSE':
      return { ms: limits.timeoutMs, failure: 'timeout' }
    case 'SENDING_REQUEST':
      // Until the upstream's 100 Continue (or refusal) or the first body byte (RFC 9110 §10.1.1).
      return limits.expectContinue ? { ms: limits.timeoutMs, failure: 'timeout' } : undefined
    default:
      // SENDING_REQUEST otherwise: the body pump's two clocks (the client's uploadIdleMs, the upstream's
      // reading against timeoutMs). RECEIVING_BODY: respond's idleMs. The rest: none.
      return undefined
  }
}

/** Which phase a state's time counts to; undefined for INIT (unless held, when it is the wait) and the ends. */
export function phaseOf(state: AttemptState, held: boolean): keyof AttemptPhases | undefined {
  switch (state) {
    case 'INIT':
      return held ? 'wait' : undefined
    case 'POOL_WAIT':
      return 'poolWait'
    case 'CONNECTING':
      return 'connect'
    case 'TLS':
      return 'tls'
    case 'SENDING_REQUEST':
      return 'upload'
    case 'AWAITING_RESPONSE':
      return 'wait'
    case 'RECEIVING_BODY':
      return 'receive'
    default:
      return undefined
  }
}
