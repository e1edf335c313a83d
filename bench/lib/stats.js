/** Median and tail of a list of samples (ms). */
export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b)
  return { n: sorted.length, median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: sorted[sorted.length - 1] }
}

/** The q-quantile (nearest rank) of samples already sorted ascending. */
export function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

export function median(samples) {
  return quantile([...samples].sort((a, b) => a - b), 0.5)
}
