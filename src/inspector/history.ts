import { endpointKey } from '../diff/endpoint.js'
import type { Transaction } from '../proxy/index.js'

/**
 * The finished transactions the inspector can show: a ring bounded by count and by the bytes
 * of their captured bodies, the oldest falling off first. Appending is O(1) and does nothing
 * but keep a reference: no copy, no key computed, no index. Lookups (a click in the UI) pay
 * instead: a scan of the ring. An index by id (a Map) cost ~1 KB of promoted garbage a request:
 * V8 allocates a long-lived Map's rehashed tables in the old generation, and each table it drops
 * still points at the transactions it held, so every transaction outlived the young collections
 * until the next full one (bench/RESULTS.md, issue 29).
 */

/** Default for {@link HistoryOptions.maxCount}. */
export const DEFAULT_HISTORY_COUNT = 10_000
/** Default for {@link HistoryOptions.maxBytes}: 64 MiB. */
export const DEFAULT_HISTORY_BYTES = 64 * 1024 * 1024
/**
 * What the inspector keeps until a browser first opens it. Each transaction kept outlives the
 * young generation and is marked at every full collection: holding 10,000 cost 4–8% of the
 * proxy's CPU per request with nobody looking (bench/RESULTS.md, issue 20), 1,000 still 5 µs a
 * request (8–10% of the throughput, issue 29): at a few thousand requests a second the young
 * generation is collected every few hundred, so a ring longer than that promotes every
 * transaction to the old generation, which then has to mark and sweep it. 250 die young.
 */
export const UNWATCHED_HISTORY_COUNT = 250

export interface HistoryOptions {
  /** Transactions kept. Default: 10,000. */
  readonly maxCount?: number
  /** Captured body bytes kept, all transactions together. Default: 64 MiB. */
  readonly maxBytes?: number
  /** Transactions kept until `watch()` (at most maxCount). Default: maxCount. */
  readonly unwatchedCount?: number
}

export interface TransactionHistory {
  readonly maxCount: number
  readonly maxBytes: number
  /** From now on keep up to maxCount (someone is looking); until then, at most unwatchedCount. */
  watch(): void
  /** Transactions held now. */
  readonly size: number
  /** Their captured body bytes, as given to `append`. */
  readonly bytes: number
  /**
   * Keeps `tx`, whose captured bodies weigh `bytes`, dropping the oldest until both caps hold
   * (the newest stays, even alone over `maxBytes`).
   */
  append(tx: Readonly<Transaction>, bytes: number): void
  /** The transaction with this id, if still held: a scan, newest first. */
  get(id: string): Readonly<Transaction> | undefined
  /** The latest transaction before `tx` of the same endpoint (method, route, path: endpoint.ts), if still held. */
  previousOf(tx: Readonly<Transaction>): Readonly<Transaction> | undefined
  /** Oldest first. */
  values(): IterableIterator<Readonly<Transaction>>
}

interface Slot {
  readonly tx: Readonly<Transaction>
  readonly bytes: number
  /** Its append number: it lives in `slots[seq % maxCount]`. */
  readonly seq: number
}

export function createHistory(options: HistoryOptions = {}): TransactionHistory {
  const maxCount = options.maxCount ?? DEFAULT_HISTORY_COUNT
  const maxBytes = options.maxBytes ?? DEFAULT_HISTORY_BYTES
  if (!(Number.isInteger(maxCount) && maxCount > 0)) throw new RangeError(`the history's maxCount must be a positive integer (got ${maxCount})`)
  if (!(maxBytes >= 0)) throw new RangeError(`the history's maxBytes must be a number of bytes, 0 or more (got ${maxBytes})`)
  // Held now: at most maxCount, so the ring below (indexed by maxCount) stays valid.
  let held = Math.max(1, Math.min(maxCount, options.unwatchedCount ?? maxCount))
  const slots: Array<Slot | undefined> = []
  // Slots oldest..next-1 are held.
  let oldest = 0
  let next = 0
  let bytes = 0

  const dropOldest = () => {
    const slot = slots[oldest % maxCount]!
    slots[oldest % maxCount] = undefined
    bytes -= slot.bytes
    oldest++
  }

  /** The newest held slot that `matches`. */
  const newest = (matches: (slot: Slot) => boolean): Slot | undefined => {
    for (let seq = next - 1; seq >= oldest; seq--) {
      const slot = slots[seq % maxCount]!
      if (matches(slot)) return slot
    }
    return undefined
  }

  return {
    maxCount,
    maxBytes,
    get size() {
      return next - oldest
    },
    get bytes() {
      return bytes
    },
    watch() {
      held = maxCount
    },
    append(tx, weight) {
      while (next - oldest >= held) dropOldest()
      const slot: Slot = { tx, bytes: weight, seq: next }
      slots[next % maxCount] = slot
      bytes += weight
      next++
      while (bytes > maxBytes && next - oldest > 1) dropOldest()
    },
    get: (id) => newest((slot) => slot.tx.id === id)?.tx,
    previousOf(tx) {
      const slot = newest((held) => held.tx === tx)
      if (slot === undefined) return undefined
      const key = endpointKey(tx.method, tx.route, tx.url)
      for (let seq = slot.seq - 1; seq >= oldest; seq--) {
        const other = slots[seq % maxCount]!.tx
        // The cheap comparisons first: most transactions differ in method or route.
        if (other.method === tx.method && other.route === tx.route && other.kind === tx.kind && endpointKey(other.method, other.route, other.url) === key) return other
      }
      return undefined
    },
    *values() {
      // A snapshot of the range: appends while iterating do not disturb it.
      const end = next
      for (let seq = oldest; seq < end; seq++) {
        const slot = slots[seq % maxCount]
        if (slot !== undefined && slot.seq === seq) yield slot.tx
      }
    },
  }
}
