import type { Transaction } from './transaction.js'

/**
 * The transactions being served now (for shutdown and the inspector's resend): slots in one
 * array, cleared when a transaction leaves and reused by the next.
 *
 * Not a Set. A Set that lives as long as the proxy sits in V8's old generation, and V8 allocates
 * its rehashed tables there too; every table it drops (one every few dozen requests) still
 * points at the transactions it held, and until the next full collection the young collections
 * take those pointers for live ones. So every transaction, with its headers and attempts,
 * survived two young collections and was promoted: ~1 KB of old-generation garbage a request,
 * its marking on the helper threads and 2–3 ms scavenges (bench/RESULTS.md, issue 29).
 */
export interface InFlight extends Iterable<Transaction> {
  /** `tx` is in flight: returns its slot, to hand to `leave` once when it is not. */
  enter(tx: Transaction): number
  leave(slot: number): void
  readonly size: number
}

export function createInFlight(): InFlight {
  const slots: Array<Transaction | undefined> = []
  const free: number[] = []
  let size = 0
  return {
    enter(tx) {
      const slot = free.length > 0 ? free.pop()! : slots.length
      slots[slot] = tx
      size++
      return slot
    },
    leave(slot) {
      slots[slot] = undefined
      free.push(slot)
      size--
    },
    get size() {
      return size
    },
    *[Symbol.iterator]() {
      for (const tx of slots) if (tx !== undefined) yield tx
    },
  }
}
