/** Median and tail of a list of samples (ms). */
export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b)
  return { n: sorted.length, median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: sorted[sorted.length - 1] }
}

/** The q-quantile (nearest rank) of samples already sorted ascending. */
export function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

/** The middle sample, or the mean of the two middle ones: with an even count (rounds in ABBA order), the upper one alone would lean every median up. */
export function median(samples) {
  const sorted = [...samples].sort((a, b) => a - b)
  const middle = sorted.length / 2
  return sorted.length % 2 === 1 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2
}
