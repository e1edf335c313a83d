import { describe, expect, it } from 'vitest'
import { ABSOLUTE_ERROR_MS, LatencyHistogram, MAX_TRACKABLE_MS, RELATIVE_ERROR } from '../../src/metrics/histogram.js'
import { createMetrics, NO_ROUTE } from '../../src/metrics/route-metrics.js'
import { createRandom } from '../../src/proxy/exchange/random.js'
import type { Transaction } from '../../src/proxy/transaction/transaction.js'
import { fakeTransaction } from '../helpers/transaction.js'

/** Seeded, so a failing distribution fails the same way every run. */
const seeded = (seed: number) => createRandom(seed)

/** The nearest-rank quantile the histogram approximates: the ⌈q·n⌉-th smallest value. */
function exactQuantile(sorted: readonly number[], q: number): number {
  if (q === 0) return sorted[0]!
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!
}

const histogramOf = (values: readonly number[]) => {
  const histogram = new LatencyHistogram()
  for (const value of values) histogram.record(value)
  return histogram
}

const random = seeded(19)
const sample = (n: number, draw: () => number) => Array.from({ length: n }, draw)

describe('LatencyHistogram: quantiles within the stated error, in fixed memory', () => {
  it.each([
    { data: 'uniform 0–1000 ms', values: sample(50_000, () => random() * 1_000) },
    { data: 'log-normal around 20 ms (a typical API)', values: sample(50_000, () => Math.exp(3 + random() * 2 - random() * 2)) },
    { data: 'sub-millisecond (a local upstream)', values: sample(20_000, () => random() * 0.9) },
    { data: '99 % fast, 1 % upstream timeouts at 30 s', values: sample(20_000, () => (random() < 0.01 ? 30_000 : 5 + random() * 20)) },
    { data: 'one value repeated', values: sample(1_000, () => 42.42) },
    { data: 'a handful of samples', values: [3, 1, 4, 1, 5, 9, 2, 6] },
    { data: 'spanning 0.01 ms to 10 min', values: sample(20_000, () => 0.01 * 60_000_000 ** random()) },
  ])('$data: every quantile within max(RELATIVE_ERROR × value, ABSOLUTE_ERROR_MS) of the exact one', ({ values }) => {
    const histogram = histogramOf(values)
    const sorted = [...values].sort((a, b) => a - b)

    for (const q of [0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1]) {
      const exact = exactQuantile(sorted, q)
      const allowed = Math.max(exact * RELATIVE_ERROR, ABSOLUTE_ERROR_MS) + 1e-9
      expect(Math.abs(histogram.quantile(q) - exact), `q=${q}: exact ${exact}, got ${histogram.quantile(q)}`).toBeLessThanOrEqual(allowed)
    }
  })

  it('states an error under the 2 % asked for: half a bucket, 1/128', () => {
    expect(RELATIVE_ERROR).toBeLessThan(0.02)
    expect(RELATIVE_ERROR).toBe(1 / 128)
  })

  it('keeps count, sum, min and max exact, not rebuilt from buckets', () => {
    const histogram = histogramOf([12.3, 0.004, 450.5, 7])

    expect(histogram).toMatchObject({ count: 4, minMs: 0.004, maxMs: 450.5 })
    expect(histogram.sumMs).toBeCloseTo(469.804, 9)
    expect(histogram.quantile(0)).toBe(0.004)
    expect(histogram.quantile(1)).toBe(450.5)
  })

  it('shows what a mean hides: two 30 s timeouts among a hundred 10 ms answers', () => {
    const histogram = histogramOf([...Array<number>(100).fill(10), 30_000, 30_000])

    expect(histogram.sumMs / histogram.count).toBeCloseTo(598, 0)
    expect(histogram.quantile(0.5)).toBeCloseTo(10, 1)
    expect(histogram.quantile(0.99)).toBeCloseTo(30_000, -2)
  })

  it('samples over 10 minutes share the top bucket; max stays exact and quantiles never pass it', () => {
    const histogram = histogramOf([MAX_TRACKABLE_MS * 2, MAX_TRACKABLE_MS * 3])

    expect(histogram.maxMs).toBe(MAX_TRACKABLE_MS * 3)
    expect(histogram.quantile(0.5)).toBeGreaterThanOrEqual(MAX_TRACKABLE_MS * 2)
    expect(histogram.quantile(0.5)).toBeLessThanOrEqual(MAX_TRACKABLE_MS * 3)
  })

  it('is empty until something is recorded: quantiles are NaN, not a 0 that reads as "instant"', () => {
    const histogram = new LatencyHistogram()

    expect(histogram).toMatchObject({ count: 0, sumMs: 0, maxMs: 0 })
    expect(histogram.quantile(0.5)).toBeNaN()
  })

  it.each([Number.NaN, -1, Infinity])('drops %s rather than throwing in the request path', (value) => {
    const histogram = histogramOf([5, value])

    expect(histogram).toMatchObject({ count: 1, sumMs: 5, maxMs: 5 })
  })

  it.each([-0.1, 1.5, Number.NaN])('refuses quantile(%s): q is between 0 and 1', (q) => {
    expect(() => new LatencyHistogram().quantile(q)).toThrow(/between 0 and 1/)
  })

  it('clear() forgets everything', () => {
    const histogram = histogramOf([1, 2, 3])
    histogram.clear()

    expect(histogram).toMatchObject({ count: 0, sumMs: 0, maxMs: 0, minMs: 0 })
    expect(histogram.cumulative([1_000])).toEqual([0])
  })
})

describe('LatencyHistogram.cumulative: Prometheus le buckets', () => {
  it('counts samples ≤ each bound, a sample on the bound included', () => {
    const histogram = histogramOf([0, 0.5, 1, 1.01, 2.5, 2.52, 5, 10, 10.1])

    expect(histogram.cumulative([1, 2.5, 5, 10, 100])).toEqual([3, 5, 7, 8, 9])
  })

  it('never misses a sample ≤ a bound, and counts one above it only within a bucket width (1/64)', () => {
    const values = sample(50_000, () => 0.01 * 60_000_000 ** random())
    const histogram = histogramOf(values)
    const bounds = [0.5, 1, 2.5, 7.3, 25, 50, 100, 250, 333, 1_000, 2_500, 10_000, 30_000, 100_000]

    histogram.cumulative(bounds).forEach((count, i) => {
      const bound = bounds[i]!
      expect(count).toBeGreaterThanOrEqual(values.filter((v) => v <= bound).length)
      expect(count).toBeLessThanOrEqual(values.filter((v) => v <= bound * (1 + 1 / 64)).length)
    })
  })

  it('is monotone, and a bound past every sample counts them all', () => {
    const histogram = histogramOf(sample(5_000, () => random() * 2_000))
    const counts = histogram.cumulative([1, 10, 100, 1_000, 1_999, Infinity])

    expect([...counts].sort((a, b) => a - b)).toEqual(counts)
    expect(counts.at(-1)).toBe(5_000)
  })

  it('refuses bounds out of order', () => {
    expect(() => new LatencyHistogram().cumulative([10, 5])).toThrow(/strictly ascending/)
  })
})


/** Three attempts' worth of policy, one attempt made, unless `tries` says otherwise. */
const transaction = (overrides: Parameters<typeof fakeTransaction>[0] = {}) => fakeTransaction({ tries: 1, maxAttempts: 3, ...overrides })

function counted(txs: readonly Transaction[]) {
  const metrics = createMetrics({ clock: () => Date.UTC(2024, 4, 6, 14, 3, 9) })
  for (const tx of txs) metrics.sink(tx)
  return metrics
}

describe('createMetrics: counts per route from finished transactions', () => {
  it('a snapshot of a small known set: plain JSON, routes sorted, counts sorted by key', () => {
    const metrics = counted([
      transaction({ status: 200, durationMs: 10 }),
      transaction({ status: 201, durationMs: 20 }),
      transaction({ status: 503, durationMs: 30, faults: ['5xx 503'] }),
      transaction({ status: 504, durationMs: 40, tries: 3, error: { type: 'upstream_timeout', message: 'm' }, ending: 'error' }),
      transaction({ route: 'web', status: undefined, durationMs: 5, ending: 'client-aborted' }),
      transaction({ route: undefined, status: 404, durationMs: 0.2, error: { type: 'no_route', message: 'm' }, tries: 0 }),
    ])

    const snapshot = metrics.snapshot()
    expect(snapshot).toEqual({
      since: '2024-05-06T14:03:09.000Z',
      routes: [
        {
          route: '(no route)',
          requests: 1,
          statusClasses: { '4xx': 1 },
          errors: { no_route: 1 },
          faults: {},
          retries: 0,
          latencyMs: { p50: 0.2, p95: 0.2, p99: 0.2, max: 0.2, mean: 0.2, count: 1 },
        },
        {
          route: 'api',
          requests: 4,
          statusClasses: { '2xx': 2, '5xx': 2 },
          errors: { upstream_timeout: 1 },
          faults: { '5xx': 1 },
          retries: 2,
          latencyMs: { p50: expect.closeTo(20, 0) as number, p95: expect.closeTo(40, 0) as number, p99: expect.closeTo(40, 0) as number, max: 40, mean: 25, count: 4 },
        },
        {
          route: 'web',
          requests: 1,
          statusClasses: { none: 1 },
          errors: {},
          faults: {},
          retries: 0,
          latencyMs: { p50: 5, p95: 5, p99: 5, max: 5, mean: 5, count: 1 },
        },
      ],
    })
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot)
    expect(Object.keys(counted([transaction({ status: undefined }), transaction({ status: 500 }), transaction()]).snapshot().routes[0]!.statusClasses)).toEqual(['2xx', '5xx', 'none'])
  })

  it(`counts a request no route matched under ${NO_ROUTE}`, () => {
    expect(counted([transaction({ route: undefined })]).routes().map((r) => r.route)).toEqual([NO_ROUTE])
  })

  it.each([
    { status: 101, statusClass: '1xx' },
    { status: 204, statusClass: '2xx' },
    { status: 304, statusClass: '3xx' },
    { status: 429, statusClass: '4xx' },
    { status: 599, statusClass: '5xx' },
    { status: undefined, statusClass: 'none' },
  ])('status $status counts as $statusClass', ({ status, statusClass }) => {
    expect(counted([transaction({ status })]).snapshot().routes[0]?.statusClasses).toEqual({ [statusClass]: 1 })
  })

  it.each([
    { faults: ['reset'], kinds: { reset: 1 } },
    { faults: ['latency 300ms', '5xx 503'], kinds: { '5xx': 1, latency: 1 } },
    { faults: ['throttle 16KB/s', 'truncate'], kinds: { throttle: 1, truncate: 1 } },
    { faults: ['418'], kinds: { status: 1 } },
    { faults: ['reset', 'reset', 'reset'], kinds: { reset: 3 } },
  ])('faults $faults count by kind: $kinds', ({ faults, kinds }) => {
    expect(counted([transaction({ faults })]).snapshot().routes[0]?.faults).toEqual(kinds)
  })

  it.each([
    { tries: 0, retries: 0, why: 'no upstream attempt (replay hit, no route): no retry' },
    { tries: 1, retries: 0, why: 'one attempt: no retry' },
    { tries: 4, retries: 3, why: 'four attempts: three retries' },
  ])('retries are attempts beyond the first — $why', ({ tries, retries }) => {
    expect(counted([transaction({ tries })]).snapshot().routes[0]?.retries).toBe(retries)
  })

  it('counts a WebSocket as a request but keeps its connection lifetime out of latency', () => {
    const [route] = counted([transaction({ durationMs: 12 }), transaction({ kind: 'websocket', status: 101, durationMs: 600_000 })]).snapshot().routes

    expect(route).toMatchObject({ requests: 2, statusClasses: { '1xx': 1, '2xx': 1 }, latencyMs: { count: 1, max: 12 } })
  })

  it('reports latency as null, not 0, for a route with no HTTP request', () => {
    const [route] = counted([transaction({ kind: 'websocket', status: 101 })]).snapshot().routes

    expect(route?.latencyMs).toEqual({ p50: null, p95: null, p99: null, max: null, mean: null, count: 0 })
  })

  it('exposes live histograms per route for the Prometheus text', () => {
    const [route] = counted([transaction({ durationMs: 3 }), transaction({ durationMs: 7 })]).routes()

    expect(route?.latency).toMatchObject({ count: 2, sumMs: 10, maxMs: 7 })
  })

  it('reset() forgets every route and restarts `since`', () => {
    let nowMs = Date.UTC(2024, 0, 1)
    const metrics = createMetrics({ clock: () => nowMs })
    metrics.sink(transaction())
    nowMs = Date.UTC(2024, 0, 2)
    metrics.reset()

    expect(metrics.snapshot()).toEqual({ routes: [], since: '2024-01-02T00:00:00.000Z' })
    metrics.sink(transaction())
    expect(metrics.snapshot().routes).toHaveLength(1)
  })
})
