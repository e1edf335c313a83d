/**
 * A latency histogram in fixed memory, for p50/p95/p99 and Prometheus buckets.
 *
 * Why quantiles rather than an average: latency is long-tailed. Two 30 s upstream timeouts
 * among a hundred 10 ms answers move the mean to ~600 ms, a latency no request had, and hide
 * both the usual answer and the bad one; p50 stays at 10 ms and p99 shows the 30 s. And why
 * buckets rather than the samples: a proxy left running for a day sees millions of requests,
 * and a sorted list of them would grow without bound.
 *
 * The buckets are log-linear, as in HdrHistogram: values are counted in 0.01 ms steps; below
 * 1.28 ms each step has its own bucket, and above it every power of two is split into 64 equal
 * buckets, so a bucket is never wider than 1/64 of the values in it. 1,331 buckets cover
 * 0.01 ms to 10 min in about 10 kB, whatever the traffic.
 *
 * A bucket holds the values above its lower edge up to and including its upper edge, as a
 * Prometheus `le` bucket does: so a Prometheus bound that is a bucket edge is counted exactly.
 */

/** The resolution: 0.01 ms (10 µs). */
const UNITS_PER_MS = 100
/** Each power of two is split into 2^6 = 64 linear buckets (HdrHistogram's sub-buckets). */
const SUB_BUCKET_BITS = 6
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS
/** The largest value told apart from larger ones: 10 minutes. Longer samples share the top bucket. */
export const MAX_TRACKABLE_MS = 600_000
const MAX_UNITS = MAX_TRACKABLE_MS * UNITS_PER_MS

/**
 * The largest error of {@link LatencyHistogram.quantile}: half a bucket, which is at most
 * 1/128 (0.78 %) of the value, or {@link ABSOLUTE_ERROR_MS} for values under 0.64 ms.
 * Samples over {@link MAX_TRACKABLE_MS} are told apart only by `maxMs`.
 */
export const RELATIVE_ERROR = 1 / (2 * SUB_BUCKETS)
/** Half the 0.01 ms resolution: the error bound where {@link RELATIVE_ERROR} would be smaller. */
export const ABSOLUTE_ERROR_MS = 0.5 / UNITS_PER_MS

/** Which bucket holds step `units` (0 ≤ units ≤ MAX_UNITS): see unitsOf. O(1). */
function bucketOf(units: number): number {
  if (units < SUB_BUCKETS) return units
  const magnitude = 31 - Math.clz32(units) // floor(log2(units)), ≥ SUB_BUCKET_BITS here
  const shift = magnitude - SUB_BUCKET_BITS
  // units >>> shift keeps the top 7 bits: 64..127, the sub-bucket plus the leading 1.
  return (shift << SUB_BUCKET_BITS) + (units >>> shift)
}

/** The steps a bucket holds, `lowUnits` up to `lowUnits + widthUnits` exclusive: the inverse of bucketOf. */
function bucketRange(index: number): { lowUnits: number; widthUnits: number } {
  if (index < 2 * SUB_BUCKETS) return { lowUnits: index, widthUnits: 1 }
  const shift = (index >>> SUB_BUCKET_BITS) - 1
  return { lowUnits: ((index & (SUB_BUCKETS - 1)) + SUB_BUCKETS) << shift, widthUnits: 1 << shift }
}

/**
 * The 0.01 ms step a value falls in: step k holds (k, k + 1] × 0.01 ms, so a value on a step's
 * edge (1 ms, 2.5 ms) closes a step rather than opening one; 0 joins step 0.
 */
function unitsOf(valueMs: number): number {
  return Math.min(Math.max(Math.ceil(valueMs * UNITS_PER_MS) - 1, 0), MAX_UNITS)
}

const BUCKET_COUNT = bucketOf(MAX_UNITS) + 1

/** What a reader of a histogram may use: everything but `record`. */
export interface ReadonlyHistogram {
  /** Samples recorded. */
  readonly count: number
  /** The sum of the samples, exact (not rebuilt from buckets): for a mean or Prometheus `_sum`. */
  readonly sumMs: number
  /** The largest sample, exact; 0 when empty. */
  readonly maxMs: number
  /** The smallest sample, exact; 0 when empty. */
  readonly minMs: number
  quantile(q: number): number
  cumulative(boundsMs: readonly number[]): number[]
}

export class LatencyHistogram implements ReadonlyHistogram {
  // Float64Array: counts stay exact up to 2^53, where a Uint32Array would wrap at 4 billion.
  private readonly buckets = new Float64Array(BUCKET_COUNT)
  count = 0
  sumMs = 0
  maxMs = 0
  minMs = 0

  /**
   * Counts one sample. O(1), allocates nothing. A negative, NaN or infinite value is a bug in
   * whoever measured it; it is dropped rather than thrown, since this runs inside the proxy's
   * request path, where a metrics fault must not fail a request.
   */
  record(valueMs: number): void {
    if (!(valueMs >= 0 && valueMs < Infinity)) return
    this.buckets[bucketOf(unitsOf(valueMs))]! += 1
    if (this.count === 0 || valueMs < this.minMs) this.minMs = valueMs
    if (valueMs > this.maxMs) this.maxMs = valueMs
    this.count += 1
    this.sumMs += valueMs
  }

  /**
   * The q-quantile (q in [0, 1]: 0.5 for the median, 0.99 for p99) by nearest rank: the value of
   * the ⌈q·count⌉-th smallest sample, to within {@link RELATIVE_ERROR} (or
   * {@link ABSOLUTE_ERROR_MS} under 0.64 ms). Quantile 0 and 1 are the exact min and max. NaN
   * when nothing was recorded: there is no latency to report, and 0 would read as "instant".
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be between 0 and 1 (got ${q}): 0.99 for p99`)
    if (this.count === 0) return Number.NaN
    if (q === 0) return this.minMs
    if (q === 1) return this.maxMs
    const rank = Math.max(1, Math.ceil(q * this.count))
    let seen = 0
    for (let index = 0; index < BUCKET_COUNT; index++) {
      seen += this.buckets[index]!
      if (seen >= rank) {
        const { lowUnits, widthUnits } = bucketRange(index)
        // The bucket holds (low, low + width] × 0.01 ms: see unitsOf.
        const middleMs = (lowUnits + widthUnits / 2) / UNITS_PER_MS
        // The exact extremes are known: a bucket's middle may lie outside them.
        return Math.min(Math.max(middleMs, this.minMs), this.maxMs)
      }
    }
    return this.maxMs
  }

  /**
   * For each bound (ms, ascending), how many samples are ≤ it: Prometheus `le` buckets. A
   * bound on a bucket edge is exact: every multiple of 0.01 ms up to 1.28 ms, and 2.5, 5 and
   * 10 ms among the usual ones. A bound inside a bucket counts that whole bucket: no sample
   * ≤ the bound is ever missed, and one over it is counted only if within the bucket's width
   * (at most 1/64 of the bound above 1.28 ms, 0.01 ms below), an error no larger than the
   * quantiles'.
   */
  cumulative(boundsMs: readonly number[]): number[] {
    const counts: number[] = []
    let index = 0
    let seen = 0
    for (const boundMs of boundsMs) {
      if (counts.length > 0 && !(boundMs > boundsMs[counts.length - 1]!)) {
        throw new RangeError(`histogram bounds must be strictly ascending (got ${boundsMs.join(', ')})`)
      }
      const last = boundMs >= 0 ? bucketOf(unitsOf(boundMs)) : -1
      for (; index <= last; index++) seen += this.buckets[index]!
      counts.push(seen)
    }
    return counts
  }

  /** Forgets every sample. */
  clear(): void {
    this.buckets.fill(0)
    this.count = 0
    this.sumMs = 0
    this.maxMs = 0
    this.minMs = 0
  }
}
