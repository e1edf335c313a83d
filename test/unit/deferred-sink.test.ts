import { describe, expect, it } from 'vitest'
import { createDeferredSink } from '../../src/cli/deferred-sink.js'
import type { Transaction, TransactionSink } from '../../src/proxy/transaction/transaction.js'

const tx = (id: string) => ({ id }) as unknown as Readonly<Transaction>

function recordingSink(seen: string[]): TransactionSink {
  return Object.assign((t: Readonly<Transaction>) => void seen.push(`finished ${t.id}`), {
    beforeDelivery: (t: Readonly<Transaction>) => void seen.push(`delivering ${t.id}`),
  })
}

describe('createDeferredSink: what arrives before the real sink exists is not lost', () => {
  it('passes on what came before attach, in order (deliveries too), then everything as it comes', () => {
    const deferred = createDeferredSink()
    deferred.sink.beforeDelivery!(tx('a'))
    deferred.sink(tx('b'))
    deferred.sink(tx('a'))
    const seen: string[] = []
    deferred.attach(recordingSink(seen))
    expect(seen).toEqual(['delivering a', 'finished b', 'finished a'])
    deferred.sink.beforeDelivery!(tx('c'))
    deferred.sink(tx('c'))
    expect(seen.slice(3)).toEqual(['delivering c', 'finished c'])
  })

  it('never attached (the proxy did not start): nothing is passed anywhere', () => {
    const deferred = createDeferredSink()
    expect(() => deferred.sink(tx('a'))).not.toThrow()
  })
})
