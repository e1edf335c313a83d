/**
 * The views of an attempt's phases (issue 29 item 2): `--json` attempts, HAR `timings` (HAR 1.2:
 * blocked/dns/connect/ssl -1 when they do not apply, send/wait/receive ≥ 0, ssl counted in
 * connect, `time` the sum of the parts that apply but ssl) with `_devproxy.phases`, replay's
 * reading of a recording's time to headers, and the inspector's detail and waterfall layout.
 * One table of four transactions: all phases, a reused connection, a mock, a retry.
 */
import { createRequire } from 'node:module'
import type { Timings } from 'har-format'
import { describe, expect, it } from 'vitest'
import { PHASE_NAMES, type PhaseName } from '../../src/inspector/api.js'
import { buildDetail } from '../../src/inspector/detail.js'
import { toTransactionJson } from '../../src/log/format-json.js'
import { buildHarEntry, DEFAULT_REDACT } from '../../src/record/har-entry.js'
import { recordedHeadersMs } from '../../src/record/har-timings.js'
import { formatPhaseMs, layoutAttempts } from '../../inspector/src/lib/attempt-timeline.js'
import { ALL_PHASES, MOCK_ONLY_WAIT, PHASED_TRANSACTIONS, RETRY_WITH_BACKOFF, REUSED_CONNECTION } from '../helpers/phased-transactions.js'
import { fakeAttempt, fakeTransaction } from '../helpers/transaction.js'

const validateHar = createRequire(import.meta.url)('har-validator').har as (har: unknown) => Promise<unknown>
const entryOf = (tx: Parameters<typeof buildHarEntry>[0]) => buildHarEntry(tx, { redact: new Set(DEFAULT_REDACT), request: undefined, response: undefined })
const P = (timed: Partial<Record<PhaseName, number>>) => ({ poolWait: null, connect: null, tls: null, upload: null, wait: null, receive: null, ...timed })

describe('--json: each attempt carries its phases, null where not timed', () => {
  it.each([
    { tx: ALL_PHASES, phases: [P({ poolWait: 1.5, connect: 2, tls: 6, upload: 0.5, wait: 20, receive: 8 })] },
    { tx: REUSED_CONNECTION, phases: [P({ poolWait: 0.25, upload: 0.25, wait: 4, receive: 1 })] },
    { tx: MOCK_ONLY_WAIT, phases: [P({ wait: 0.75 })] },
    { tx: RETRY_WITH_BACKOFF, phases: [P({ connect: 1, upload: 0.25, wait: 50 }), P({ connect: 1.25, upload: 0.25, wait: 10, receive: 2 })] },
  ])('$tx.id', ({ tx, phases }) => {
    const line = JSON.parse(JSON.stringify(toTransactionJson(tx))) as ReturnType<typeof toTransactionJson>
    expect(line.attempts.map((attempt) => attempt.phases)).toEqual(phases)
    // Every field is there, in the order they happen, whether timed or not.
    for (const attempt of line.attempts) expect(Object.keys(attempt.phases)).toEqual([...PHASE_NAMES])
  })

  it('an attempt never timed has all six null; times are rounded as durationMs is', () => {
    const tx = fakeTransaction({ tries: 1 })
    expect(toTransactionJson(tx).attempts[0]!.phases).toEqual(P({}))
    const fine = fakeTransaction({ attempts: [fakeAttempt(1, { phases: P({ wait: 1.23456 }) })] })
    expect(toTransactionJson(fine).attempts[0]!.phases.wait).toBe(1.23)
  })
})

describe('HAR timings from the answering attempt\'s phases', () => {
  it.each<{ tx: typeof ALL_PHASES; timings: Required<Omit<Timings, 'comment'>>; time: number }>([
    // blocked = 0.5 before the attempt + 1.5 pool wait; connect = 2 TCP + 6 TLS, ssl = 6.
    { tx: ALL_PHASES, timings: { blocked: 2, dns: -1, connect: 8, ssl: 6, send: 0.5, wait: 20, receive: 8 }, time: 38.5 },
    // No new connection: connect and ssl do not apply.
    { tx: REUSED_CONNECTION, timings: { blocked: 0.75, dns: -1, connect: -1, ssl: -1, send: 0.25, wait: 4, receive: 1 }, time: 6 },
    // Nothing sent, nothing received from an upstream: 0 there (HAR: send/wait/receive are never -1).
    { tx: MOCK_ONLY_WAIT, timings: { blocked: 0.25, dns: -1, connect: -1, ssl: -1, send: 0, wait: 0.75, receive: 0 }, time: 1 },
    // The first attempt (51.25 ms) and the 100 ms backoff are blocked time before the second began.
    { tx: RETRY_WITH_BACKOFF, timings: { blocked: 151.75, dns: -1, connect: 1.25, ssl: -1, send: 0.25, wait: 10, receive: 2 }, time: 165.25 },
  ])('$tx.id', async ({ tx, timings, time }) => {
    const entry = entryOf(tx)
    expect(entry.timings).toEqual(timings)
    expect(entry.time).toBe(time)
    // time is the parts that apply added up, ssl left out (HAR 1.2: it is inside connect).
    const { blocked, dns, connect, send, wait, receive } = entry.timings
    const applying = [blocked, dns, connect].filter((ms): ms is number => ms !== undefined && ms >= 0)
    expect([...applying, send ?? 0, wait, receive ?? 0].reduce((a, b) => a + b, 0)).toBeCloseTo(entry.time, 9)
    await expect(validateHar({ log: { version: '1.2', creator: { name: 'devproxy', version: '0' }, pages: [], entries: [entry] } })).resolves.toBeTruthy()
  })

  it('_devproxy.phases: every attempt\'s phases by number; attempts stays the count', () => {
    const entry = entryOf(RETRY_WITH_BACKOFF)
    expect(entry._devproxy.attempts).toBe(2)
    expect(entry._devproxy.phases).toEqual([
      { n: 1, ...P({ connect: 1, upload: 0.25, wait: 50 }) },
      { n: 2, ...P({ connect: 1.25, upload: 0.25, wait: 10, receive: 2 }) },
    ])
  })

  it('attempts not timed: no _devproxy.phases, and the estimate stays (wait to the headers, receive the rest)', () => {
    const entry = entryOf(fakeTransaction({ startMs: 100, attempts: [fakeAttempt(1, { startMs: 101, durationMs: 20.5 })], durationMs: 30.25 }))
    expect(entry._devproxy).not.toHaveProperty('phases')
    expect(entry.timings).toEqual({ blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait: 21.5, receive: 8.75 })
    expect(entry.time).toBe(30.25)
  })
})

describe('recordedHeadersMs: how long a recording took to its headers (replay --pace recorded)', () => {
  it.each<{ case: string; timings: Partial<Timings> | undefined; ms: number }>([
    { case: 'an entry timed from phases: all that came before receive', timings: entryOf(RETRY_WITH_BACKOFF).timings, ms: 151.75 + 1.25 + 0.25 + 10 },
    { case: 'an entry written before phases were timed: its wait', timings: { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait: 21.5, receive: 8.75 }, ms: 21.5 },
    { case: "a browser's: dns and connect counted, ssl not twice", timings: { blocked: 3, dns: 1, connect: 5, ssl: 2, send: 1, wait: 10, receive: 40 }, ms: 20 },
    { case: 'only the required three', timings: { send: 0, wait: 7, receive: 1 }, ms: 7 },
    { case: 'none', timings: undefined, ms: 0 },
  ])('$case → $ms', ({ timings, ms }) => {
    expect(recordedHeadersMs(timings)).toBeCloseTo(ms, 9)
  })

  it('is what the transaction took from its start to the answering attempt\'s response headers', () => {
    const last = RETRY_WITH_BACKOFF.attempts.at(-1)!
    expect(recordedHeadersMs(entryOf(RETRY_WITH_BACKOFF).timings)).toBeCloseTo(last.startMs + last.durationMs - RETRY_WITH_BACKOFF.startMs, 9)
  })
})

describe('the inspector: phases in the detail, a waterfall per attempt', () => {
  it.each(PHASED_TRANSACTIONS)('the detail carries each attempt\'s phases as they are: $case', ({ tx }) => {
    const detail = buildDetail(tx, undefined, {})
    expect(detail.attempts.map((attempt) => attempt.phases)).toEqual(tx.attempts.map((attempt) => attempt.phases))
  })

  const segments = (tx: typeof ALL_PHASES) => {
    const detail = buildDetail(tx, undefined, {})
    return layoutAttempts(detail.attempts, detail.summary.durationMs)
  }

  it('all phases: end to end from the attempt\'s start, each as wide as it took', () => {
    const { scaleMs, bars } = segments(ALL_PHASES)
    expect(scaleMs).toBe(38.5)
    const pct = (ms: number) => (ms / 38.5) * 100
    expect(bars[0]!.phases.map(({ name, startMs, ms }) => [name, startMs, ms])).toEqual([
      ['poolWait', 0.5, 1.5],
      ['connect', 2, 2],
      ['tls', 4, 6],
      ['upload', 10, 0.5],
      ['wait', 10.5, 20],
      ['receive', 30.5, 8],
    ])
    for (const phase of bars[0]!.phases) {
      expect(phase.leftPct).toBeCloseTo(pct(phase.startMs), 9)
      expect(phase.widthPct).toBeCloseTo(pct(phase.ms), 9)
    }
  })

  it('a reused connection: no connect or TLS bar; upload starts where the pool wait ended', () => {
    const [bar] = segments(REUSED_CONNECTION).bars
    expect(bar!.phases.map(({ name, startMs }) => [name, startMs])).toEqual([
      ['poolWait', 0.5],
      ['upload', 0.75],
      ['wait', 1],
      ['receive', 5],
    ])
  })

  it('a mock: one bar, its wait', () => {
    const [bar] = segments(MOCK_ONLY_WAIT).bars
    expect(bar!.phases.map(({ name, startMs, ms }) => [name, startMs, ms])).toEqual([['wait', 0.25, 0.75]])
  })

  it('a retry: each attempt on its own row, the backoff gap before the second', () => {
    const { scaleMs, bars } = segments(RETRY_WITH_BACKOFF)
    expect(scaleMs).toBe(165.25)
    const pct = (ms: number) => (ms / 165.25) * 100
    expect(bars.map((bar) => bar.phases.map((phase) => phase.name))).toEqual([
      ['connect', 'upload', 'wait'],
      ['connect', 'upload', 'wait', 'receive'],
    ])
    // The first ends at 0.5 + 51.25 ms; the hatched backoff runs from 51.75 to the second's start.
    const second = bars[1]!
    expect(second.backoffLeftPct).toBeCloseTo(pct(51.75), 9)
    expect(second.backoffWidthPct).toBeCloseTo(pct(100), 9)
    expect(second.phases[0]!.leftPct).toBeCloseTo(pct(151.75), 9)
    expect(second.phases.at(-1)!.leftPct + second.phases.at(-1)!.widthPct).toBeCloseTo(100, 9)
  })

  it('a phase too short to see at the scale still gets a sliver to hover', () => {
    const tx = fakeTransaction({ attempts: [fakeAttempt(1, { durationMs: 1000, phases: P({ poolWait: 0.01, wait: 1000 }) })], durationMs: 1000 })
    expect(layoutAttempts(buildDetail(tx, undefined, {}).attempts, 1000).bars[0]!.phases[0]!.widthPct).toBe(0.3)
  })

  it('an attempt never timed keeps its single bar', () => {
    expect(layoutAttempts(buildDetail(fakeTransaction({ tries: 1 }), undefined, {}).attempts, 10).bars[0]!.phases).toEqual([])
  })

  it.each([
    [0.25, '0.3ms'],
    [1.5, '1.5ms'],
    [9.94, '9.9ms'],
    [20, '20ms'],
    [1500, '1.50s'],
  ])('formatPhaseMs(%s) = %s', (ms, text) => {
    expect(formatPhaseMs(ms)).toBe(text)
  })
})
