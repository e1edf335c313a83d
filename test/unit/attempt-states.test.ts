import { describe, expect, it } from 'vitest'
import {
  isSettled,
  nextState,
  phaseOf,
  timerOf,
  TRANSITIONS,
  type AttemptEvent,
  type AttemptLimits,
  type AttemptState,
} from '../../src/proxy/exchange/attempt-states.js'

/** Walks the table from INIT along `events`; throws at an event the table refuses. */
function walk(events: readonly AttemptEvent[]): AttemptState[] {
  const states: AttemptState[] = ['INIT']
  for (const event of events) {
    const next = nextState(states.at(-1)!, event)
    if (next === undefined) throw new Error(`${states.at(-1)} refuses ${event}`)
    states.push(next)
  }
  return states
}

const LIMITS: AttemptLimits = { connectMs: 1000, timeoutMs: 5000, held: false, expectContinue: false }
const STATES = Object.keys(TRANSITIONS) as AttemptState[]

describe('the attempt state table (issue 29; the C++ engine ProxyTransaction names)', () => {
  it('a new plain connection: pool wait → connect → send → wait → body', () => {
    expect(walk(['upstream', 'socket-new', 'connected', 'request-sent', 'response', 'body-end'])).toEqual([
      'INIT',
      'POOL_WAIT',
      'CONNECTING',
      'SENDING_REQUEST',
      'AWAITING_RESPONSE',
      'RECEIVING_BODY',
      'COMPLETE',
    ])
  })

  it('a new connection to an https:// target passes through TLS', () => {
    expect(walk(['upstream', 'socket-new', 'connected-tls', 'secured', 'request-sent', 'response'])).toEqual([
      'INIT',
      'POOL_WAIT',
      'CONNECTING',
      'TLS',
      'SENDING_REQUEST',
      'AWAITING_RESPONSE',
      'RECEIVING_BODY',
    ])
  })

  it('a reused keep-alive connection skips connecting and TLS', () => {
    expect(walk(['upstream', 'socket-reused', 'request-sent', 'response'])).toEqual(['INIT', 'POOL_WAIT', 'SENDING_REQUEST', 'AWAITING_RESPONSE', 'RECEIVING_BODY'])
  })

  it('an early response while the body is still sent (RFC 9112 §9.6) goes straight to the body', () => {
    expect(walk(['upstream', 'socket-reused', 'response'])).toEqual(['INIT', 'POOL_WAIT', 'SENDING_REQUEST', 'RECEIVING_BODY'])
  })

  it('a stand-in answers from INIT; a hang waits for the response clock', () => {
    expect(walk(['stand-in-answer', 'body-end'])).toEqual(['INIT', 'RECEIVING_BODY', 'COMPLETE'])
    expect(walk(['stand-in-hang', 'fail'])).toEqual(['INIT', 'AWAITING_RESPONSE', 'FAILED'])
  })

  it('every state before the response fails on a failure or the client leaving', () => {
    for (const state of ['INIT', 'POOL_WAIT', 'CONNECTING', 'TLS', 'SENDING_REQUEST', 'AWAITING_RESPONSE'] as const) {
      expect(nextState(state, 'fail'), state).toBe('FAILED')
      expect(nextState(state, 'client-gone'), state).toBe('FAILED')
      expect(isSettled(state), state).toBe(false)
    }
  })

  it('once the status went out a failure is the body’s: the attempt had its answer', () => {
    expect(nextState('RECEIVING_BODY', 'fail')).toBe('COMPLETE')
    expect(nextState('RECEIVING_BODY', 'client-gone')).toBe('COMPLETE')
    expect(isSettled('RECEIVING_BODY')).toBe(true)
  })

  it('the ends take no event: a late one is refused, not acted on', () => {
    const events = new Set(STATES.flatMap((state) => Object.keys(TRANSITIONS[state]) as AttemptEvent[]))
    for (const state of ['COMPLETE', 'FAILED'] as const) {
      for (const event of events) expect(nextState(state, event), `${state} ${event}`).toBeUndefined()
    }
    // A response cannot arrive before a connection was asked for, nor TLS finish on a plain one.
    expect(nextState('INIT', 'response')).toBeUndefined()
    expect(nextState('CONNECTING', 'secured')).toBeUndefined()
    expect(nextState('AWAITING_RESPONSE', 'request-sent')).toBeUndefined()
  })

  it('every state is reachable from INIT', () => {
    const seen = new Set<AttemptState>(['INIT'])
    const queue: AttemptState[] = ['INIT']
    while (queue.length > 0) {
      for (const next of Object.values(TRANSITIONS[queue.shift()!])) {
        if (!seen.has(next)) {
          seen.add(next)
          queue.push(next)
        }
      }
    }
    expect([...seen].sort()).toEqual([...STATES].sort())
  })
})

describe('the timer each state owns', () => {
  it('pool wait, connect and TLS are bounded by connectMs; waiting for the response by timeoutMs', () => {
    expect(timerOf('POOL_WAIT', LIMITS)).toEqual({ ms: 1000, failure: 'pool-exhausted' })
    expect(timerOf('CONNECTING', LIMITS)).toEqual({ ms: 1000, failure: 'connect-timeout' })
    expect(timerOf('TLS', LIMITS)).toEqual({ ms: 1000, failure: 'connect-timeout' })
    expect(timerOf('AWAITING_RESPONSE', LIMITS)).toEqual({ ms: 5000, failure: 'timeout' })
  })

  it('sending the body has the body pump’s clocks, unless the request waits for 100 Continue (RFC 9110 §10.1.1)', () => {
    expect(timerOf('SENDING_REQUEST', LIMITS)).toBeUndefined()
    expect(timerOf('SENDING_REQUEST', { ...LIMITS, expectContinue: true })).toEqual({ ms: 5000, failure: 'timeout' })
  })

  it('an injected latency or hang starts the response clock in INIT', () => {
    expect(timerOf('INIT', LIMITS)).toBeUndefined()
    expect(timerOf('INIT', { ...LIMITS, held: true })).toEqual({ ms: 5000, failure: 'timeout' })
  })

  it('the body and the ends own no timer here (respond’s idle clock covers the body)', () => {
    for (const state of ['RECEIVING_BODY', 'COMPLETE', 'FAILED'] as const) expect(timerOf(state, LIMITS), state).toBeUndefined()
  })
})

describe('which phase a state’s time counts to (Attempt.phases, HAR timings)', () => {
  it('names one phase per state of the walk, in the order of the waterfall', () => {
    const walked = walk(['upstream', 'socket-new', 'connected-tls', 'secured', 'request-sent', 'response'])
    expect(walked.map((state) => phaseOf(state, false))).toEqual([undefined, 'poolWait', 'connect', 'tls', 'upload', 'wait', 'receive'])
  })

  it('a held INIT (injected latency) counts as waiting for the response', () => {
    expect(phaseOf('INIT', true)).toBe('wait')
    expect(phaseOf('COMPLETE', true)).toBeUndefined()
    expect(phaseOf('FAILED', false)).toBeUndefined()
  })
})
