import { describe, expect, it } from 'vitest'
import { chooseAction } from '../../src/faults/decide.js'
import { effectsOf } from '../../src/faults/plan.js'
import { createFaultRegistry } from '../../src/faults/registry.js'
import type { FaultContext, FaultSpec } from '../../src/faults/types.js'
import { validateFaultSpec } from '../../src/faults/validate-spec.js'

const ctx = (overrides: Partial<FaultContext> = {}): FaultContext => ({ route: 'api', path: '/api/users', method: 'GET', scope: 'upstream', nowMs: 1_000, ...overrides })

describe('the fault registry decides per attempt', () => {
  it('a seeded 30% over 2,000 attempts lands within ±3 points, and the same seed gives the same draws', () => {
    const draws = (seed: number) => {
      const registry = createFaultRegistry()
      registry.add({ kind: '5xx', rate: 0.3, seed }, 'api', 0)
      return Array.from({ length: 2_000 }, () => registry.decide(ctx()).length)
    }
    const first = draws(42)
    const rate = first.reduce((a, b) => a + b, 0) / first.length
    expect(rate).toBeGreaterThanOrEqual(0.27)
    expect(rate).toBeLessThanOrEqual(0.33)
    expect(draws(42)).toEqual(first)
    expect(draws(43)).not.toEqual(first)
  })

  it.each([0.05, 0.5, 0.9])('rate %s over 2,000 seeded draws is within ±3 points', (rate) => {
    const registry = createFaultRegistry()
    registry.add({ kind: 'reset', rate, seed: 1 }, 'api', 0)
    const hits = Array.from({ length: 2_000 }, () => registry.decide(ctx()).length).reduce((a, b) => a + b, 0)
    expect(Math.abs(hits / 2_000 - rate)).toBeLessThanOrEqual(0.03)
  })

  it('--first N faults the first N matching attempts, then none', () => {
    const registry = createFaultRegistry()
    registry.add({ kind: 'reset', first: 2 }, 'api', 0)
    expect([1, 2, 3, 4].map(() => registry.decide(ctx()).length)).toEqual([1, 1, 0, 0])
    // Drawn is not injected: a fault counts as injected once it acts (effectsOf below).
    expect(registry.list(0)[0]).toMatchObject({ matched: 4, injected: 0 })
  })

  it.each([
    { spec: { route: 'web' }, context: {}, fires: false },
    { spec: { route: 'api' }, context: {}, fires: true },
    { spec: { method: 'post' }, context: {}, fires: false },
    { spec: { method: 'post' }, context: { method: 'POST' }, fires: true },
    { spec: { path: '/api/*' }, context: {}, fires: true },
    { spec: { path: '/api/*' }, context: { path: '/api/users/1' }, fires: false },
    { spec: { path: '/api/**' }, context: { path: '/api/users/1' }, fires: true },
    { spec: { at: 'client' as const }, context: {}, fires: false },
    { spec: { at: 'client' as const }, context: { scope: 'client' as const }, fires: true },
    { spec: {}, context: { scope: 'client' as const }, fires: false },
  ])('selectors $spec on $context → $fires', ({ spec, context, fires }) => {
    const registry = createFaultRegistry()
    registry.add({ kind: 'timeout', ...spec }, 'api', 0)
    expect(registry.decide(ctx(context)).length).toBe(fires ? 1 : 0)
  })

  it('--for expires a fault by itself', () => {
    const registry = createFaultRegistry()
    registry.add({ kind: 'reset', forMs: 500 }, 'api', 1_000)
    expect(registry.decide(ctx({ nowMs: 1_499 }))).toHaveLength(1)
    expect(registry.decide(ctx({ nowMs: 1_500 }))).toHaveLength(0)
    expect(registry.list(1_500)).toEqual([])
  })

  it('remove, clear, and config faults replaced on reload while others stay', () => {
    const registry = createFaultRegistry()
    const added = registry.add({ kind: 'reset' }, 'api', 0)
    registry.setConfigFaults([{ kind: '5xx', rate: 0.1 }], 0)
    expect(registry.list(0).map((f) => [f.kind, f.source])).toEqual([
      ['reset', 'api'],
      ['5xx', 'config'],
    ])
    registry.setConfigFaults([{ kind: 'latency', latencyMs: [1, 1] }], 0)
    expect(registry.list(0).map((f) => f.kind)).toEqual(['reset', 'latency'])
    expect(registry.remove(added.id)).toBe(true)
    expect(registry.remove(added.id)).toBe(false)
    expect(registry.clear()).toBe(1)
    expect(registry.list(0)).toEqual([])
  })
})

describe('chooseAction: what a fault that fired does', () => {
  const fixed = (value: number) => () => value
  it.each([
    { spec: { kind: '5xx' as const }, draw: 0, action: { kind: 'respond', status: 500 } },
    { spec: { kind: '5xx' as const }, draw: 0.99, action: { kind: 'respond', status: 504 } },
    { spec: { kind: 'status' as const, statuses: [429, 503], retryAfterS: 2 }, draw: 0.6, action: { kind: 'respond', status: 503, retryAfterS: 2 } },
    { spec: { kind: 'latency' as const, latencyMs: [200, 800] as const }, draw: 0.5, action: { kind: 'delay', ms: 500 } },
    { spec: { kind: 'timeout' as const }, draw: 0, action: { kind: 'hang' } },
    { spec: { kind: 'reset' as const }, draw: 0, action: { kind: 'reset' } },
    { spec: { kind: 'truncate' as const }, draw: 0, action: { kind: 'truncate' } },
    { spec: { kind: 'throttle' as const, kbps: 64 }, draw: 0, action: { kind: 'throttle', bytesPerSecond: 65_536 } },
  ])('$spec.kind, draw $draw', ({ spec, draw, action }) => {
    expect(chooseAction(spec, fixed(draw))).toMatchObject(action)
  })
})

describe('validateFaultSpec: faults arriving as data (config, control API)', () => {
  it.each([
    { spec: { kind: '5xx', rate: 0.3 }, issues: [] },
    { spec: { kind: 'status', statuses: [429], retryAfterS: 1, route: 'api', path: '/api/**', method: 'GET', first: 1, seed: 0, forMs: 1000, at: 'client' }, issues: [] },
    { spec: { kind: '5xxx' }, issues: [{ path: 'faults[0].kind', message: expect.stringContaining('must be one of "5xx"'), suggestion: 'did you mean "5xx"?' }] },
    { spec: { kind: '5xx', rate: 30 }, issues: [{ path: 'faults[0].rate', message: 'must be a rate from 0 to 1 (0.3 = 30%) (got 30)' }] },
    { spec: { kind: 'status' }, issues: [{ path: 'faults[0].statuses', message: 'is required for kind "status"', suggestion: expect.any(String) }] },
    { spec: { kind: 'latency', latencyMs: [800, 200] }, issues: [{ path: 'faults[0].latencyMs', message: expect.stringContaining('must be [ms, ms]') }] },
    { spec: { kind: 'reset', rte: 0.1 }, issues: [{ path: 'faults[0]', message: '"rte" is not a known option', suggestion: 'did you mean "rate"?' }] },
    { spec: { rate: 0.1 }, issues: [{ path: 'faults[0].kind', message: expect.stringContaining('(got nothing)') }] },
    { spec: { kind: 'reset', path: 'api/*' }, issues: [{ path: 'faults[0].path', message: expect.stringContaining('must be a path glob starting with "/"') }] },
  ])('$spec', ({ spec, issues }) => {
    expect(validateFaultSpec(spec, 'faults[0]')).toEqual(issues)
  })
})

describe('effectsOf: which of the faults drawn for one attempt act', () => {
  const drawn = (...specs: FaultSpec[]) => {
    const registry = createFaultRegistry()
    for (const spec of specs) registry.add({ seed: 1, ...spec }, 'api', 0)
    return effectsOf(registry.decide(ctx()))
  }
  it.each([
    { name: 'a 5xx, then a 429: the 5xx answers, the 429 is superseded', specs: [{ kind: '5xx' }, { kind: 'status', statuses: [429] }], fired: [['answer', '5xx']], answer: 'respond' },
    { name: 'a 429, then a reset: the 429 answers', specs: [{ kind: 'status', statuses: [429] }, { kind: 'reset' }], fired: [['answer', 'status']], answer: 'respond' },
    { name: 'a latency and a 5xx: the delay holds, the 5xx answers', specs: [{ kind: 'latency', latencyMs: [5, 5] }, { kind: '5xx' }], fired: [['delay', 'latency'], ['answer', '5xx']], answer: 'respond' },
    { name: 'two latencies add up, both act', specs: [{ kind: 'latency', latencyMs: [5, 5] }, { kind: 'latency', latencyMs: [7, 7] }], fired: [['delay', 'latency'], ['delay', 'latency']], answer: undefined },
    { name: 'a timeout, then a 5xx: the hang answers', specs: [{ kind: 'timeout' }, { kind: '5xx' }], fired: [['answer', 'timeout']], answer: 'hang' },
    { name: 'a reset and a truncate: the truncate acts only if a body goes out', specs: [{ kind: 'reset' }, { kind: 'truncate' }], fired: [['answer', 'reset'], ['body', 'truncate']], answer: 'reset' },
  ] satisfies Array<{ name: string; specs: FaultSpec[]; fired: string[][]; answer: string | undefined }>)('$name', ({ specs, fired, answer }) => {
    const effects = drawn(...specs)
    expect(effects.fired.map((f) => [f.role, f.label])).toEqual(fired)
    expect(effects.answer?.kind).toBe(answer)
  })

  it('a fault counts as injected when the proxy reports it acted, not when drawn', () => {
    const registry = createFaultRegistry()
    registry.add({ kind: '5xx' }, 'api', 0)
    registry.add({ kind: 'status', statuses: [429] }, 'api', 0)
    const effects = effectsOf(registry.decide(ctx()))
    for (const fired of effects.fired) fired.count()
    expect(registry.list(0).map((f) => [f.kind, f.matched, f.injected])).toEqual([['5xx', 1, 1], ['status', 1, 0]])
  })
})
