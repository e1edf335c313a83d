import { describe, expect, it } from 'vitest'
import { DURATION_BUCKETS_MS, escapeLabelValue, formatPrometheus, PROMETHEUS_CONTENT_TYPE } from '../../src/metrics/prometheus.js'
import { createMetrics } from '../../src/metrics/route-metrics.js'
import type { Transaction } from '../../src/proxy/transaction/transaction.js'
import { fakeTransaction } from '../helpers/transaction.js'

const transaction = fakeTransaction

function exposition(txs: readonly Transaction[]): string {
  const metrics = createMetrics()
  for (const tx of txs) metrics.sink(tx)
  return formatPrometheus(metrics)
}

const retried = (n: number) => Array.from({ length: n }, () => ({}) as Transaction['attempts'][number])

interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

interface Family {
  readonly type: string
  readonly help: string
  readonly samples: Sample[]
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const LABEL = '([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"'
const VALUE = '[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]Inf|NaN'
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?\\})? (${VALUE})$`)

const unescape = (value: string) => value.replace(/\\([\\"n])/g, (_, c: string) => (c === 'n' ? '\n' : c))

/**
 * A strict reading of text format 0.0.4, for what formatPrometheus writes: every line is HELP,
 * TYPE or a sample; HELP and TYPE come once per family, before its samples; a family's samples
 * are together and carry its name (plus _bucket, _sum, _count for a histogram).
 */
function parseExposition(text: string): Map<string, Family> {
  expect(text.endsWith('\n'), 'the last line ends in a line feed').toBe(true)
  const families = new Map<string, Family>()
  let current: string | undefined
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line)
    if (meta) {
      const [, keyword, name, rest] = meta as unknown as [string, string, string, string]
      if (keyword === 'HELP') {
        expect(families.has(name), `${name} is described once`).toBe(false)
        families.set(name, { type: 'untyped', help: rest, samples: [] })
        current = name
      } else {
        expect(name, 'TYPE follows its HELP').toBe(current)
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(rest)
        families.set(name, { ...families.get(name)!, type: rest })
      }
      continue
    }
    const match = SAMPLE_LINE.exec(line)
    expect(match, `a valid sample line: ${JSON.stringify(line)}`).not.toBeNull()
    const name = match![1]!
    const family = families.get(current!)!
    const allowed = family.type === 'histogram' ? ['_bucket', '_sum', '_count'].map((suffix) => current + suffix) : [current]
    expect(allowed, `${name} sits in its own family`).toContain(name)
    const labels: Record<string, string> = {}
    for (const [, label, value] of (match![2] ?? '').matchAll(new RegExp(LABEL, 'g'))) {
      expect(labels, `label ${label!} appears once`).not.toHaveProperty(label!)
      labels[label!] = unescape(value!)
    }
    family.samples.push({ name, labels, value: Number(match![match!.length - 1]!.replace('Inf', 'Infinity')) })
  }
  return families
}

/** Checks what Prometheus requires of a histogram, per series: le ascending and ending in +Inf, counts cumulative, +Inf = _count. */
function checkHistogram(family: Family): void {
  const routes = new Set(family.samples.map((s) => s.labels.route))
  for (const route of routes) {
    const series = family.samples.filter((s) => s.labels.route === route)
    const buckets = series.filter((s) => s.name.endsWith('_bucket'))
    const bounds = buckets.map((s) => Number(s.labels.le!.replace('Inf', 'Infinity')))
    expect(bounds.at(-1), `${route}: the last bucket is +Inf`).toBe(Infinity)
    expect([...bounds].sort((a, b) => a - b), `${route}: le ascending`).toEqual(bounds)
    const counts = buckets.map((s) => s.value)
    expect([...counts].sort((a, b) => a - b), `${route}: counts cumulative`).toEqual(counts)
    expect(counts.at(-1), `${route}: +Inf equals _count`).toBe(series.find((s) => s.name.endsWith('_count'))?.value)
    expect(series.some((s) => s.name.endsWith('_sum')), `${route}: has _sum`).toBe(true)
  }
}

describe('formatPrometheus: text exposition format 0.0.4', () => {
  it('writes a small known set exactly', () => {
    const text = exposition([
      transaction({ status: 200, durationMs: 1 }),
      transaction({ status: 503, durationMs: 40, faults: ['5xx 503'] }),
      transaction({ status: 504, durationMs: 2_000, attempts: retried(3), error: { type: 'upstream_timeout', message: 'm' } }),
      transaction({ route: undefined, status: 404, durationMs: 0.5, error: { type: 'no_route', message: 'm' } }),
    ])

    expect(text).toBe(
      [
        '# HELP devproxy_requests_total Requests finished, by route and class of the status sent to the client (none: no status was sent).',
        '# TYPE devproxy_requests_total counter',
        'devproxy_requests_total{route="(no route)",status_class="4xx"} 1',
        'devproxy_requests_total{route="api",status_class="2xx"} 1',
        'devproxy_requests_total{route="api",status_class="5xx"} 2',
        '# HELP devproxy_errors_total Requests that ended in a devproxy error, by route and error type.',
        '# TYPE devproxy_errors_total counter',
        'devproxy_errors_total{route="(no route)",type="no_route"} 1',
        'devproxy_errors_total{route="api",type="upstream_timeout"} 1',
        '# HELP devproxy_faults_injected_total Faults injected, by route and fault kind.',
        '# TYPE devproxy_faults_injected_total counter',
        'devproxy_faults_injected_total{route="api",kind="5xx"} 1',
        '# HELP devproxy_retries_total Upstream attempts beyond the first, by route.',
        '# TYPE devproxy_retries_total counter',
        'devproxy_retries_total{route="(no route)"} 0',
        'devproxy_retries_total{route="api"} 2',
        '# HELP devproxy_request_duration_seconds HTTP request duration, accept to finish, by route (WebSocket connections are not counted).',
        '# TYPE devproxy_request_duration_seconds histogram',
        ...[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1].map((count, i) => `devproxy_request_duration_seconds_bucket{route="(no route)",le="${LE[i]}"} ${count}`),
        'devproxy_request_duration_seconds_sum{route="(no route)"} 0.0005',
        'devproxy_request_duration_seconds_count{route="(no route)"} 1',
        ...[1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3].map((count, i) => `devproxy_request_duration_seconds_bucket{route="api",le="${LE[i]}"} ${count}`),
        'devproxy_request_duration_seconds_sum{route="api"} 2.041',
        'devproxy_request_duration_seconds_count{route="api"} 3',
        '',
      ].join('\n'),
    )
  })

  it('has a family for every metric, with HELP and TYPE, even before any request', () => {
    const families = parseExposition(formatPrometheus(createMetrics()))

    expect([...families].map(([name, { type, samples }]) => [name, type, samples.length])).toEqual([
      ['devproxy_requests_total', 'counter', 0],
      ['devproxy_errors_total', 'counter', 0],
      ['devproxy_faults_injected_total', 'counter', 0],
      ['devproxy_retries_total', 'counter', 0],
      ['devproxy_request_duration_seconds', 'histogram', 0],
    ])
  })

  it.each([
    { value: 'plain', escaped: 'plain' },
    { value: 'a"b', escaped: 'a\\"b' },
    { value: 'C:\\api', escaped: 'C:\\\\api' },
    { value: 'two\nlines', escaped: 'two\\nlines' },
    { value: '\\"\n', escaped: '\\\\\\"\\n' },
  ])('escapes the label value $value as $escaped', ({ value, escaped }) => {
    expect(escapeLabelValue(value)).toBe(escaped)
  })

  it('escapes route names in every family, and they read back unchanged', () => {
    const route = 'odd "route"\\with\na newline'
    const families = parseExposition(exposition([transaction({ route, error: { type: 'upstream_reset', message: 'm' }, faults: ['reset'] })]))

    for (const [name, family] of families) {
      expect(family.samples.length, name).toBeGreaterThan(0)
      for (const sample of family.samples) expect(sample.labels.route).toBe(route)
    }
  })

  it('parses strictly for many routes, and each histogram is cumulative with +Inf = _count', () => {
    const txs = Array.from({ length: 500 }, (_, i) =>
      transaction({
        route: ['api', 'web', 'auth', undefined][i % 4],
        kind: i % 50 === 0 ? 'websocket' : 'http',
        status: i % 7 === 0 ? undefined : [200, 301, 404, 502][i % 4],
        durationMs: (i * 7919) % 40_000,
        faults: i % 9 === 0 ? ['latency 50ms'] : [],
        error: i % 11 === 0 ? { type: 'upstream_reset', message: 'm' } : undefined,
        attempts: retried(i % 3),
      }),
    )
    const families = parseExposition(exposition(txs))
    const duration = families.get('devproxy_request_duration_seconds')!

    checkHistogram(duration)
    const sum = (name: string) => [...families.get(name)!.samples].reduce((total, s) => total + s.value, 0)
    expect(sum('devproxy_requests_total')).toBe(500)
    const httpCount = txs.filter((tx) => tx.kind === 'http').length
    expect(duration.samples.filter((s) => s.name.endsWith('_count')).reduce((total, s) => total + s.value, 0)).toBe(httpCount)
  })

  it('gives le bounds from 1 ms to 30 s in seconds, as Prometheus expects durations', () => {
    const les = parseExposition(exposition([transaction()])).get('devproxy_request_duration_seconds')!.samples.flatMap((s) => s.labels.le ?? [])

    expect(les).toEqual(LE)
    expect(DURATION_BUCKETS_MS).toHaveLength(LE.length - 1)
  })

  it('names the content type of format 0.0.4', () => {
    expect(PROMETHEUS_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8')
  })
})

const LE = ['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '30', '+Inf']
