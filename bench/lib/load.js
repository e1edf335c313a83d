// Load from autocannon (keep-alive HTTP/1.1, in this process), bounded in time.
import autocannon from 'autocannon'

/**
 * `connections` clients request `url` back to back for `durationS` seconds. Returns 2xx
 * requests per second, everything that went wrong, and, with `latencies`, each 2xx
 * response's latency in ms (autocannon's histogram keeps whole milliseconds; these keep the fraction).
 */
export async function load(url, { connections, durationS, latencies = false }) {
  const latenciesMs = []
  const instance = autocannon({ url, connections, duration: durationS, timeout: 10 })
  if (latencies) instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTimeMs)
  })
  const result = await instance
  return {
    requestsPerSecond: result['2xx'] / result.duration,
    failures: result.errors + result.timeouts + result.non2xx,
    latenciesMs,
  }
}
