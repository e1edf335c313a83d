import { describe, expect, it } from 'vitest'
import { DEFAULT_RETRY } from '../../src/config/defaults.js'
import type { ResolvedRetry } from '../../src/config/types.js'
import { createRandom } from '../../src/proxy/exchange/random.js'
import { backoffDelayMs, decideRetry, matchCondition, parseRetryAfterMs, type AttemptOutcome, type RetryInput } from '../../src/proxy/exchange/retry-policy.js'

const policy = (overrides: Partial<ResolvedRetry> = {}): ResolvedRetry => ({ ...DEFAULT_RETRY, attempts: 3, ...overrides })
const fixed = (value: number) => () => value
const NOW = Date.parse('2026-11-23T10:00:00Z')

const failure = (f: 'connect-failure' | 'reset' | 'timeout' | 'malformed'): AttemptOutcome => ({ kind: 'failure', failure: f })
const status = (s: number, retryAfter?: string): AttemptOutcome => ({ kind: 'response', status: s, retryAfter })

function decide(overrides: Partial<RetryInput>) {
  return decideRetry({
    policy: policy(),
    method: 'GET',
    attempt: 1,
    outcome: failure('reset'),
    elapsedMs: 0,
    previousDelayMs: 0,
    bodyReplayable: true,
    nowMs: NOW,
    random: fixed(0.5),
    ...overrides,
  })
}

describe('matchCondition: which `on` entry an outcome meets', () => {
  it.each([
    { on: ['connect-failure'], outcome: failure('connect-failure'), expected: 'connect-failure' },
    { on: ['reset'], outcome: failure('reset'), expected: 'reset' },
    { on: ['reset'], outcome: failure('malformed'), expected: 'malformed' },
    { on: ['timeout'], outcome: failure('timeout'), expected: 'timeout' },
    { on: ['reset'], outcome: failure('timeout'), expected: undefined },
    { on: ['5xx'], outcome: status(500), expected: '500' },
    { on: ['5xx'], outcome: status(599), expected: '599' },
    { on: ['5xx'], outcome: status(429), expected: undefined },
    { on: ['gateway-error'], outcome: status(503), expected: '503' },
    { on: ['gateway-error'], outcome: status(500), expected: undefined },
    { on: ['429'], outcome: status(429), expected: '429' },
    { on: [409], outcome: status(409), expected: '409' },
    { on: ['5xx'], outcome: status(200), expected: undefined },
  ] as const)('$on with $outcome → $expected', ({ on, outcome, expected }) => {
    expect(matchCondition(on, outcome)).toBe(expected)
  })
})

describe('decideRetry: the safety rules', () => {
  it.each([
    { case: 'a reset on GET is retried', input: {}, expected: { retry: true, reason: 'reset' } },
    { case: 'a 200 is never retried', input: { outcome: status(200) }, expected: { retry: false, reason: undefined } },
    { case: 'a condition not in `on` is not retried', input: { outcome: status(404) }, expected: { retry: false, reason: undefined } },
    { case: 'attempts: 1 means no retry, silently', input: { policy: policy({ attempts: 1 }) }, expected: { retry: false, reason: undefined } },
    { case: 'the last attempt is not retried', input: { attempt: 3 }, expected: { retry: false, reason: 'all 3 attempts used' } },
    {
      case: 'POST after a reset: may have reached the upstream',
      input: { method: 'POST' },
      expected: { retry: false, reason: 'POST is not retried once the request may have reached the upstream' },
    },
    { case: 'POST after a timeout: same', input: { method: 'POST', outcome: failure('timeout') }, expected: { retry: false } },
    { case: 'POST after a 503: same', input: { method: 'POST', outcome: status(503) }, expected: { retry: false } },
    { case: 'POST after a connect failure: nothing was sent', input: { method: 'POST', outcome: failure('connect-failure') }, expected: { retry: true, reason: 'connect-failure' } },
    { case: 'PUT and DELETE are idempotent', input: { method: 'DELETE' }, expected: { retry: true } },
    { case: 'a method left out of `methods`', input: { method: 'PUT', policy: policy({ methods: ['GET'] }) }, expected: { retry: false } },
    {
      case: 'a body over the replay cap',
      input: { method: 'PUT', bodyReplayable: false },
      expected: { retry: false, reason: 'request body over the 1048576-byte replay cap' },
    },
    {
      case: 'the budget would be spent by the backoff',
      input: { policy: policy({ budgetMs: 1_000, jitter: 'none' }), elapsedMs: 950 },
      expected: { retry: false, reason: 'retry budget of 1000 ms spent' },
    },
    { case: 'within the budget', input: { policy: policy({ budgetMs: 1_000, jitter: 'none' }), elapsedMs: 800 }, expected: { retry: true, delayMs: 100 } },
  ] as const)('$case', ({ input, expected }) => {
    expect(decide(input as Partial<RetryInput>)).toMatchObject(expected)
  })
})

describe('decideRetry: Retry-After on 429 and 503', () => {
  const on429 = policy({ on: ['429', '5xx'] })
  it.each([
    { case: 'seconds, under maxMs: waits exactly that', outcome: status(503, '1'), expected: { retry: true, delayMs: 1_000 } },
    { case: 'on a 429', outcome: status(429, '0'), expected: { retry: true, delayMs: 0 } },
    { case: 'an HTTP date', outcome: status(503, 'Mon, 23 Nov 2026 10:00:01 GMT'), expected: { retry: true, delayMs: 1_000 } },
    { case: 'a date in the past: at once', outcome: status(503, 'Mon, 23 Nov 2026 09:00:00 GMT'), expected: { retry: true, delayMs: 0 } },
    {
      case: 'longer than maxMs: no retry',
      outcome: status(503, '30'),
      expected: { retry: false, reason: 'Retry-After asks for 30000 ms, more than maxMs (2000)' },
    },
    { case: 'garbage: ignored, normal backoff', outcome: status(503, 'soon'), expected: { retry: true, delayMs: 50 } },
    { case: 'not on a 500', outcome: status(500, '1'), expected: { retry: true, delayMs: 50 } },
  ])('$case', ({ outcome, expected }) => {
    expect(decide({ policy: on429, outcome })).toMatchObject(expected)
  })

  it('is ignored when retryAfter is false', () => {
    expect(decide({ policy: policy({ retryAfter: false }), outcome: status(503, '30') })).toMatchObject({ retry: true, delayMs: 50 })
  })
})

describe('backoffDelayMs: exponential, capped, jittered', () => {
  const base = { baseMs: 100, maxMs: 1_000 }
  it.each([
    { jitter: 'none', retry: 1, random: 0.5, expected: 100 },
    { jitter: 'none', retry: 2, random: 0.5, expected: 200 },
    { jitter: 'none', retry: 4, random: 0.5, expected: 800 },
    { jitter: 'none', retry: 5, random: 0.5, expected: 1_000 },
    { jitter: 'none', retry: 30, random: 0.5, expected: 1_000 },
    { jitter: 'full', retry: 3, random: 0, expected: 0 },
    { jitter: 'full', retry: 3, random: 0.5, expected: 200 },
    { jitter: 'full', retry: 3, random: 0.999, expected: 400 },
    { jitter: 'equal', retry: 3, random: 0, expected: 200 },
    { jitter: 'equal', retry: 3, random: 0.5, expected: 300 },
    { jitter: 'decorrelated', retry: 1, random: 0, expected: 100 },
    { jitter: 'decorrelated', retry: 1, random: 0.5, expected: 200 },
  ] as const)('$jitter, retry $retry, draw $random → $expected ms', ({ jitter, retry, random, expected }) => {
    expect(backoffDelayMs({ ...base, jitter }, retry, 0, fixed(random))).toBe(expected)
  })

  it('decorrelated grows from the previous delay and stays under maxMs', () => {
    expect(backoffDelayMs({ ...base, jitter: 'decorrelated' }, 2, 300, fixed(0.5))).toBe(500)
    expect(backoffDelayMs({ ...base, jitter: 'decorrelated' }, 3, 900, fixed(0.99))).toBe(1_000)
  })

  it('every jitter stays within [0, maxMs] over many seeded draws', () => {
    const random = createRandom(42)
    for (const jitter of ['full', 'equal', 'decorrelated', 'none'] as const) {
      let previous = 0
      for (let retry = 1; retry <= 12; retry++) {
        const delay = backoffDelayMs({ ...base, jitter }, retry, previous, random)
        expect(delay).toBeGreaterThanOrEqual(0)
        expect(delay).toBeLessThanOrEqual(1_000)
        previous = delay
      }
    }
  })

  it('a seed makes the schedule reproducible', () => {
    const schedule = (seed: number) => {
      const random = createRandom(seed)
      return [1, 2, 3, 4].map((retry) => backoffDelayMs({ ...base, jitter: 'full' }, retry, 0, random))
    }
    expect(schedule(7)).toEqual(schedule(7))
    expect(schedule(7)).not.toEqual(schedule(8))
  })
})

describe('parseRetryAfterMs (RFC 9110 §10.2.3)', () => {
  it.each([
    { value: '0', expected: 0 },
    { value: '120', expected: 120_000 },
    { value: ' 3 ', expected: 3_000 },
    { value: 'Mon, 23 Nov 2026 10:00:05 GMT', expected: 5_000 },
    { value: '-1', expected: undefined },
    { value: '1.5', expected: undefined },
    { value: 'tomorrow', expected: undefined },
    { value: '', expected: undefined },
  ])('$value → $expected', ({ value, expected }) => {
    expect(parseRetryAfterMs(value, NOW)).toBe(expected)
  })
})
