import { describe, expect, it } from 'vitest'
import { NO_PHASES } from '../helpers/transaction.js'
import type { AttemptView } from '../../src/inspector/api.js'
import type { RouteSnapshot } from '../../src/metrics/route-metrics.js'
import { attemptTone, layoutAttempts } from '../../inspector/src/lib/attempt-timeline.js'
import { formatCounts, statusColumns, totalOf } from '../../inspector/src/lib/metrics-view.js'
import { tagTone } from '../../inspector/src/lib/tags.js'

const attempt = (fields: Partial<AttemptView>): AttemptView => ({
  n: 1,
  target: 'http://localhost:3000',
  startMs: 0,
  durationMs: 10,
  backoffMs: 0,
  retryOf: null,
  outcome: 'response',
  status: 200,
  errorCode: null,
  by: null,
  phases: NO_PHASES,
  ...fields,
})

describe('attemptTone: how an attempt ended, at a glance', () => {
  it.each<{ case: string; attempt: Partial<AttemptView>; tone: string }>([
    { case: 'a response from the upstream', attempt: {}, tone: 'ok' },
    { case: 'a 503 from the upstream', attempt: { status: 503 }, tone: 'error' },
    { case: 'a reset', attempt: { outcome: 'reset', status: null, errorCode: 'ECONNRESET' }, tone: 'error' },
    { case: 'still in flight', attempt: { outcome: null, status: null }, tone: 'error' },
    { case: 'an injected fault, whatever its status', attempt: { by: 'fault', status: 503 }, tone: 'fault' },
    { case: 'a mock answered', attempt: { by: 'mock' }, tone: 'stand-in' },
  ])('$case → $tone', ({ attempt: fields, tone }) => {
    expect(attemptTone(attempt(fields))).toBe(tone)
  })
})

describe('layoutAttempts: bars on one scale', () => {
  it('places each attempt and the backoff before it', () => {
    const { scaleMs, bars } = layoutAttempts(
      [attempt({ n: 1, startMs: 0, durationMs: 100, outcome: 'reset', status: null }), attempt({ n: 2, startMs: 300, durationMs: 100, backoffMs: 200 })],
      400,
    )
    expect(scaleMs).toBe(400)
    expect(bars.map(({ leftPct, widthPct, backoffLeftPct, backoffWidthPct, tone }) => ({ leftPct, widthPct, backoffLeftPct, backoffWidthPct, tone }))).toEqual([
      { leftPct: 0, widthPct: 25, backoffLeftPct: 0, backoffWidthPct: 0, tone: 'error' },
      { leftPct: 75, widthPct: 25, backoffLeftPct: 25, backoffWidthPct: 50, tone: 'ok' },
    ])
  })

  it('an attempt past the transaction duration stretches the scale', () => {
    expect(layoutAttempts([attempt({ startMs: 50, durationMs: 150 })], 100).scaleMs).toBe(200)
  })

  it('a zero-length attempt is still visible', () => {
    expect(layoutAttempts([attempt({ durationMs: 0 })], 100).bars[0]!.widthPct).toBe(0.5)
  })

  it('no duration at all does not divide by zero', () => {
    expect(layoutAttempts([attempt({ durationMs: 0 })], 0).bars[0]).toMatchObject({ leftPct: 0, widthPct: 0.5 })
  })
})

describe('tagTone', () => {
  it.each([
    ['fault 5xx 503', 'fault'],
    ['retry', 'retry'],
    ['replay', 'replay'],
    ['mock', 'mock'],
    ['hook', 'hook'],
    ['upstream_timeout', 'error'],
    ['h2', 'other'],
  ])('%s → %s', (tag, tone) => {
    expect(tagTone(tag)).toBe(tone)
  })
})

describe('metrics table', () => {
  const route = (name: string, statusClasses: Record<string, number>, fields: Partial<RouteSnapshot> = {}): RouteSnapshot => ({
    route: name,
    requests: Object.values(statusClasses).reduce((a, b) => a + b, 0),
    statusClasses,
    errors: {},
    faults: {},
    retries: 0,
    latencyMs: { p50: null, p95: null, p99: null, max: null, mean: null, count: 0 },
    ...fields,
  })

  it('status columns: every class seen, none last', () => {
    expect(statusColumns([route('a', { none: 1, '5xx': 1 }), route('b', { '2xx': 3 })])).toEqual(['2xx', '5xx', 'none'])
  })

  it('counts: most frequent first, then by name', () => {
    expect(formatCounts({ reset: 1, timeout: 3, abort: 1 })).toBe('timeout 3, abort 1, reset 1')
    expect(formatCounts({})).toBe('')
  })

  it('totals add requests, retries and classes', () => {
    expect(totalOf([route('a', { '2xx': 2 }, { retries: 1 }), route('b', { '2xx': 1, '5xx': 1 })])).toEqual({ requests: 4, retries: 1, statusClasses: { '2xx': 3, '5xx': 1 } })
  })
})
