import type { ResolvedRetry, RetryCondition } from '../../config/types.js'
import type { UpstreamFailure } from '../http/error-map.js'
import type { Random } from './random.js'

/**
 * Whether to try again after an attempt, and how long to wait first. Pure: the random source
 * and the clock are passed in, so the schedule is unit-tested by table.
 */

export type AttemptOutcome =
  | { readonly kind: 'response'; readonly status: number; readonly retryAfter?: string | undefined }
  | { readonly kind: 'failure'; readonly failure: UpstreamFailure }

export interface RetryInput {
  readonly policy: ResolvedRetry
  readonly method: string
  /** The attempt that just ended, 1-based. */
  readonly attempt: number
  readonly outcome: AttemptOutcome
  /** Since the first attempt started. */
  readonly elapsedMs: number
  /** The backoff waited before this attempt (0 for the first); decorrelated jitter grows from it. */
  readonly previousDelayMs: number
  /** False when the request body was too large to keep for a second send. */
  readonly bodyReplayable: boolean
  /** Wall clock, for a `Retry-After` given as a date. */
  readonly nowMs: number
  readonly random: Random
}

export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number; readonly reason: string }
  /** `reason` says why a retryable failure was not retried; undefined when nothing called for one. */
  | { readonly retry: false; readonly reason: string | undefined }

export function decideRetry(input: RetryInput): RetryDecision {
  const { policy, outcome } = input
  const condition = matchCondition(policy.on, outcome)
  if (condition === undefined) return { retry: false, reason: undefined }
  if (input.attempt >= policy.attempts) {
    return { retry: false, reason: policy.attempts > 1 ? `all ${policy.attempts} attempts used` : undefined }
  }
  // RFC 9110 §9.2.2: only idempotent requests may be repeated once the upstream may have
  // acted on them. A failed connect sent nothing, so any method may try again.
  const nothingSent = outcome.kind === 'failure' && (outcome.failure === 'connect-failure' || outcome.failure === 'connect-timeout')
  if (!nothingSent && !policy.methods.includes(input.method)) {
    return { retry: false, reason: `${input.method} is not retried once the request may have reached the upstream` }
  }
  if (!input.bodyReplayable) {
    return { retry: false, reason: `request body over the ${policy.maxReplayBodyBytes}-byte replay cap` }
  }
  let delayMs = backoffDelayMs(policy, input.attempt, input.previousDelayMs, input.random)
  const serverDelay = retryAfterDelay(policy, outcome, input.nowMs)
  if (serverDelay !== undefined) {
    if (serverDelay > policy.maxMs) {
      return { retry: false, reason: `Retry-After asks for ${serverDelay} ms, more than maxMs (${policy.maxMs})` }
    }
    delayMs = serverDelay
  }
  if (policy.budgetMs !== undefined && input.elapsedMs + delayMs >= policy.budgetMs) {
    return { retry: false, reason: `retry budget of ${policy.budgetMs} ms spent` }
  }
  return { retry: true, delayMs, reason: condition }
}

/** The condition in `on` that this outcome meets, as it is shown in the log (`reset`, `503`). */
export function matchCondition(on: readonly RetryCondition[], outcome: AttemptOutcome): string | undefined {
  if (outcome.kind === 'failure') {
    const conditions: Record<UpstreamFailure, readonly RetryCondition[]> = {
      'connect-failure': ['connect-failure'],
      // Envoy counts a connect timeout as a connect failure; it is a timeout as well.
      'connect-timeout': ['connect-failure', 'timeout'],
      reset: ['reset'],
      malformed: ['reset'],
      // A failed handshake fails the same way again; a full pool is not relieved by asking again.
      tls: [],
      'pool-exhausted': [],
      timeout: ['timeout'],
    }
    return conditions[outcome.failure].some((c) => on.includes(c)) ? outcome.failure : undefined
  }
  const status = outcome.status
  const matches =
    on.includes(status) ||
    (on.includes('429') && status === 429) ||
    (on.includes('gateway-error') && (status === 502 || status === 503 || status === 504)) ||
    (on.includes('5xx') && status >= 500 && status <= 599)
  return matches ? String(status) : undefined
}

/**
 * Exponential backoff before retry number `retry` (1 = the first retry), capped at maxMs, with
 * the policy's jitter ("Exponential Backoff and Jitter", AWS Architecture Blog, 2015).
 */
export function backoffDelayMs(policy: Pick<ResolvedRetry, 'baseMs' | 'maxMs' | 'jitter'>, retry: number, previousDelayMs: number, random: Random): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** (retry - 1))
  switch (policy.jitter) {
    case 'none':
      return Math.round(exponential)
    case 'full':
      return Math.round(random() * exponential)
    case 'equal':
      return Math.round(exponential / 2 + (random() * exponential) / 2)
    case 'decorrelated': {
      const previous = Math.max(policy.baseMs, previousDelayMs)
      return Math.round(Math.min(policy.maxMs, policy.baseMs + random() * (previous * 3 - policy.baseMs)))
    }
  }
}

function retryAfterDelay(policy: ResolvedRetry, outcome: AttemptOutcome, nowMs: number): number | undefined {
  if (!policy.retryAfter || outcome.kind !== 'response' || (outcome.status !== 429 && outcome.status !== 503)) return undefined
  return outcome.retryAfter === undefined ? undefined : parseRetryAfterMs(outcome.retryAfter, nowMs)
}

/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date; anything else is ignored. */
export function parseRetryAfterMs(value: string, nowMs: number): number | undefined {
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const date = Date.parse(text)
  if (Number.isNaN(date) || !/[a-z]/i.test(text)) return undefined
  return Math.max(0, date - nowMs)
}
