import { describe, expect, it } from 'vitest'
import { createTargetPool } from '../../src/proxy/route/target-pool.js'

const a = new URL('http://localhost:3001')
const b = new URL('http://localhost:3002')
const c = new URL('http://localhost:3003')

/** The next `count` picks at a fixed time, as ports. */
function picks(pool: ReturnType<typeof createTargetPool>, count: number, nowMs: number): string[] {
  return Array.from({ length: count }, () => pool.pick(nowMs).port)
}

describe('createTargetPool: round-robin', () => {
  it('cycles through the targets in declared order', () => {
    expect(picks(createTargetPool([a, b, c]), 7, 0)).toEqual(['3001', '3002', '3003', '3001', '3002', '3003', '3001'])
  })

  it('a single target is always picked', () => {
    expect(picks(createTargetPool([a]), 3, 0)).toEqual(['3001', '3001', '3001'])
  })

  it('exposes its targets', () => {
    expect(createTargetPool([a, b]).targets).toEqual([a, b])
  })
})

describe('createTargetPool: passive ejection', () => {
  it.each([
    { nowMs: 1_000, expected: ['3001', '3003', '3001', '3003'], why: 'just after ejection: skipped' },
    { nowMs: 9_999, expected: ['3001', '3003', '3001', '3003'], why: 'one ms before the ejection ends: still skipped' },
    { nowMs: 10_000, expected: ['3001', '3002', '3003', '3001'], why: 'the ejection time has passed: back in rotation' },
    { nowMs: 60_000, expected: ['3001', '3002', '3003', '3001'], why: 'long after: back in rotation' },
  ])('by default (10 s), a target ejected at 0, picks at $nowMs → $expected ($why)', ({ nowMs, expected }) => {
    const pool = createTargetPool([a, b, c])
    pool.eject(b, 0)
    expect(picks(pool, 4, nowMs)).toEqual(expected)
  })

  it('honours a custom ejection time', () => {
    const pool = createTargetPool([a, b], 50)
    pool.eject(a, 100)
    expect(picks(pool, 2, 149)).toEqual(['3002', '3002'])
    expect(picks(pool, 2, 150)).toEqual(['3001', '3002'])
  })

  it('a second ejection extends the first', () => {
    const pool = createTargetPool([a, b])
    pool.eject(a, 0)
    pool.eject(a, 5_000)
    expect(picks(pool, 2, 12_000)).toEqual(['3002', '3002'])
    expect(picks(pool, 2, 15_000)).toEqual(['3001', '3002'])
  })

  it('with every target ejected, still returns one, keeping the rotation', () => {
    const pool = createTargetPool([a, b, c])
    pool.eject(a, 0)
    pool.eject(b, 0)
    pool.eject(c, 0)
    const chosen = picks(pool, 3, 1)
    expect(new Set(chosen)).toEqual(new Set(['3001', '3002', '3003']))
  })

  it('a single target is never ejected', () => {
    const pool = createTargetPool([a])
    pool.eject(a, 0)
    expect(pool.pick(1)).toBe(a)
  })

  it('ejecting the only other target of two leaves the pool on the remaining one', () => {
    const pool = createTargetPool([a, b])
    pool.eject(b, 0)
    expect(picks(pool, 3, 1)).toEqual(['3001', '3001', '3001'])
  })
})
