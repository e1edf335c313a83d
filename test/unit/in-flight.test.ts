import { describe, expect, it } from 'vitest'
import { createInFlight } from '../../src/proxy/transaction/in-flight.js'
import type { Transaction } from '../../src/proxy/transaction/transaction.js'

const tx = (id: string) => ({ id }) as Transaction

describe('in-flight register (transaction/in-flight.ts)', () => {
  it('holds what entered until it leaves, in any order', () => {
    const inFlight = createInFlight()
    const [a, b, c] = [tx('a'), tx('b'), tx('c')]
    const slots = [a, b, c].map((one) => inFlight.enter(one))
    expect(inFlight.size).toBe(3)
    inFlight.leave(slots[1]!)
    expect([...inFlight].map((one) => one.id).sort()).toEqual(['a', 'c'])
    expect(inFlight.size).toBe(2)
    inFlight.leave(slots[0]!)
    inFlight.leave(slots[2]!)
    expect([...inFlight]).toEqual([])
    expect(inFlight.size).toBe(0)
  })

  it('reuses a freed slot instead of growing', () => {
    const inFlight = createInFlight()
    const first = inFlight.enter(tx('a'))
    inFlight.enter(tx('b'))
    inFlight.leave(first)
    expect(inFlight.enter(tx('c'))).toBe(first)
    expect([...inFlight].map((one) => one.id).sort()).toEqual(['b', 'c'])
  })
})
