/** Median and tail of a list of samples (ms). */
export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
  return { n: sorted.length, median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] }
}
