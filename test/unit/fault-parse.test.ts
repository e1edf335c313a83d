import { describe, expect, it } from 'vitest'
import { FaultSpecError, parseDuration, parseFaultHeader, parseFaultString, parseLatency, parseRate, specsFromFlags, type FaultFlags } from '../../src/faults/parse.js'

function rejection(run: () => unknown): FaultSpecError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(FaultSpecError)
    return error as FaultSpecError
  }
  throw new Error('expected a FaultSpecError')
}

describe('parseRate: 30% or 0.3', () => {
  it.each([
    ['30%', 0.3],
    ['0.3', 0.3],
    ['.5', 0.5],
    ['100%', 1],
    ['0', 0],
    ['1', 1],
    ['12.5%', 0.125],
  ])('%s → %s', (text, expected) => {
    expect(parseRate(text, '--5xx')).toBeCloseTo(expected, 10)
  })

  it.each([
    ['30', '--5xx: "30" is not a rate; write 30%'],
    ['150%', '--5xx: "150%" is not a rate; write 30% or 0.3'],
    ['-0.1', 'is not a rate'],
    ['lots', 'is not a rate'],
  ])('%s is refused: %s', (text, message) => {
    expect(rejection(() => parseRate(text, '--5xx')).message).toContain(message)
  })
})

describe('durations and delays', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['2', 2_000],
    ['1.5s', 1_500],
  ])('parseDuration(%s) = %s ms', (text, ms) => {
    expect(parseDuration(text, '--for')).toBe(ms)
  })

  it('refuses a duration without a number', () => {
    expect(rejection(() => parseDuration('soon', '--for')).message).toBe('--for: "soon" is not a duration; write e.g. 30s, 5m or 500ms')
  })

  it.each([
    ['300', [300, 300]],
    ['200-800', [200, 800]],
    ['200 - 800', [200, 800]],
  ])('parseLatency(%s)', (text, expected) => {
    expect(parseLatency(text, '--latency')).toEqual(expected)
  })

  it('refuses a backwards range', () => {
    expect(rejection(() => parseLatency('800-200', '--latency')).message).toContain('is not a delay')
  })
})

describe('specsFromFlags: devproxy fault flags → faults', () => {
  it.each([
    { flags: { '5xx': '30%' }, specs: [{ kind: '5xx', rate: 0.3 }] },
    { flags: { status: '429,503', rate: '50%', retryAfter: '2' }, specs: [{ kind: 'status', statuses: [429, 503], rate: 0.5, retryAfterS: 2 }] },
    { flags: { status: '429' }, specs: [{ kind: 'status', statuses: [429], rate: 1 }] },
    { flags: { latency: '200-800' }, specs: [{ kind: 'latency', latencyMs: [200, 800], rate: 1 }] },
    { flags: { latency: '300', rate: '0.1' }, specs: [{ kind: 'latency', latencyMs: [300, 300], rate: 0.1 }] },
    { flags: { timeout: '10%' }, specs: [{ kind: 'timeout', rate: 0.1 }] },
    { flags: { reset: '1' }, specs: [{ kind: 'reset', rate: 1 }] },
    { flags: { truncate: '20%' }, specs: [{ kind: 'truncate', rate: 0.2 }] },
    { flags: { throttle: '64' }, specs: [{ kind: 'throttle', kbps: 64 }] },
    {
      flags: { '5xx': '100%', route: 'api', path: '/api/**', method: 'post', first: 2, seed: 7, for: '30s', at: 'client' },
      specs: [{ kind: '5xx', rate: 1, route: 'api', path: '/api/**', method: 'POST', first: 2, seed: 7, forMs: 30_000, at: 'client' }],
    },
    {
      flags: { '5xx': '10%', latency: '100', route: 'api' },
      specs: [
        { kind: '5xx', rate: 0.1, route: 'api' },
        { kind: 'latency', latencyMs: [100, 100], rate: 1, route: 'api' },
      ],
    },
    { flags: {}, specs: [] },
  ] as Array<{ flags: FaultFlags; specs: unknown[] }>)('$flags', ({ flags, specs }) => {
    expect(specsFromFlags(flags)).toEqual(specs)
  })

  it.each([
    { flags: { rate: '30%' }, message: '--rate goes with --status or --latency' },
    { flags: { reset: '0.1', retryAfter: '2' }, message: '--retry-after goes with --status or --5xx' },
    { flags: { status: '42' }, message: '--status: "42" is not a list of status codes' },
    { flags: { '5xx': '1', first: '0' }, message: '--first: "0" must be a whole number of at least 1' },
    { flags: { '5xx': '1', at: 'server' }, message: '--at must be upstream or client (got "server")' },
    { flags: { throttle: 'fast' }, message: '--throttle: "fast" is not a speed in KB/s such as 64' },
  ] as Array<{ flags: FaultFlags; message: string }>)('$message', ({ flags, message }) => {
    expect(rejection(() => specsFromFlags(flags)).message).toContain(message)
  })
})

describe("parseFaultString: start --fault '5xx 30%'", () => {
  it.each([
    ['5xx 30%', [{ kind: '5xx', rate: 0.3 }]],
    ['reset 10% --route api', [{ kind: 'reset', rate: 0.1, route: 'api' }]],
    ['status 429 --rate 50% --retry-after 2', [{ kind: 'status', statuses: [429], rate: 0.5, retryAfterS: 2 }]],
    ['latency 200-800 route=api', [{ kind: 'latency', latencyMs: [200, 800], rate: 1, route: 'api' }]],
    ['--timeout 1 --first 2', [{ kind: 'timeout', rate: 1, first: 2 }]],
  ])('%s', (text, specs) => {
    expect(parseFaultString(text)).toEqual(specs)
  })

  it.each([
    ['chaos 30%', 'the first word must be a fault kind: 5xx, status, latency, timeout, reset, truncate, throttle'],
    ['5xx', "5xx needs a value, e.g. '5xx 30%'"],
    ['5xx 30% --colour red', '"--colour" is not an option with a value'],
    ['5xx 30% --route', '"--route" is not an option with a value'],
  ])('%s is refused', (text, message) => {
    expect(rejection(() => parseFaultString(text)).message).toContain(message)
  })
})

describe('parseFaultHeader: x-devproxy-fault', () => {
  it.each([
    ['503', { kind: 'status', statuses: [503] }],
    ['429', { kind: 'status', statuses: [429] }],
    ['5xx', { kind: '5xx' }],
    ['reset', { kind: 'reset' }],
    ['Timeout', { kind: 'timeout' }],
    ['truncate', { kind: 'truncate' }],
    ['latency=300', { kind: 'latency', latencyMs: [300, 300] }],
    ['throttle=64', { kind: 'throttle', kbps: 64 }],
    ['chaos', undefined],
    ['latency=', undefined],
    ['999', undefined],
  ])('%s', (value, spec) => {
    expect(parseFaultHeader(value)).toEqual(spec)
  })
})
