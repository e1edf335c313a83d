// Load from separate processes: wrk for HTTP/1.1 (keep-alive), h2load for HTTP/2 (Debian's wrk
// and nghttp2-client). A load generator inside the harness's Node process capped near 5k req/s
// on 2 cores (25k direct to nginx where wrk reaches 146k), so a proxy's row measured the load
// generator as much as the proxy (issue 29).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runTool } from './children.js'
import { quantile } from './stats.js'
import { tool } from './tools.js'

const WRK_REPORT = fileURLToPath(new URL('wrk-report.lua', import.meta.url))
/** A request that takes longer than this counts as failed (wrk --timeout; h2load -N, its inactivity timeout). */
const TIMEOUT_S = 10

/**
 * `connections` keep-alive HTTP/1.1 clients GET `url` back to back for `durationS` seconds
 * (wrk, one thread; wrk takes whole seconds, so this rounds, to at least 1). Returns requests
 * answered below 400 per second (`requests` of them over `seconds`), every failure (non-2xx/3xx
 * answers and socket errors), and latency percentiles in ms as wrk reports them (they include
 * wrk's coordinated-omission correction: a stall of one response adds samples for the
 * responses it held up).
 */
export async function load(url, { connections, durationS }) {
  const seconds = Math.max(1, Math.round(durationS))
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, `--timeout`, `${TIMEOUT_S}s`, '-s', WRK_REPORT, url]
  const { stdout } = await runTool(tool('wrk'), args)
  const line = /^wrk-report (\{.*\})$/m.exec(stdout)
  if (!line) throw new Error(`wrk printed no report: ${stdout.trim().split('\n').slice(-3).join(' ')}`)
  const report = JSON.parse(line[1])
  const measuredS = report.durationUs / 1e6
  const requests = report.requests - report.status
  return {
    requestsPerSecond: requests / measuredS,
    requests,
    seconds: measuredS,
    failures: report.status + report.connect + report.read + report.write + report.timeout,
    p50Ms: report.p50Us / 1000,
    p90Ms: report.p90Us / 1000,
    p99Ms: report.p99Us / 1000,
    maxMs: report.maxUs / 1000,
  }
}

/** `2.01s`, `566us`, `12.5ms` (h2load's durations) in seconds. */
function seconds(text) {
  const [, value, unit] = /^([\d.]+)(us|ms|s)$/.exec(text) ?? []
  if (value === undefined) return NaN
  return Number(value) / { us: 1e6, ms: 1e3, s: 1 }[unit]
}

/**
 * HTTP/2 load: `connections` TLS connections of `streams` concurrent streams each GET `url` for
 * `durationS` seconds (h2load -c -m -D). Same shape as `load`: succeeded (2xx or 3xx) requests
 * per second, failures (h2load's `failed`: 4xx/5xx answers, reset streams, errors and timeouts),
 * and p50/p99 latency in ms from h2load's per-request log (request sent → end of response; no
 * correction).
 */
export async function h2load(url, { connections, streams, durationS }) {
  const dir = mkdtempSync(join(tmpdir(), 'devproxy-bench-h2load-'))
  try {
    const log = join(dir, 'requests.tsv')
    const args = ['-c', String(connections), '-m', String(streams), '-D', `${Math.max(1, Math.round(durationS * 1000))}ms`, '-N', `${TIMEOUT_S}s`, `--log-file=${log}`, url]
    const { stdout, stderr } = await runTool(tool('h2load'), args)
    const out = stdout + stderr
    const finished = /finished in ([\d.]+(?:us|ms|s)),/.exec(out)
    const requests = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed,/.exec(out)
    if (!finished || !requests) throw new Error(`h2load printed no result: ${out.trim().split('\n').slice(-3).join(' ')}`)
    const measuredS = seconds(finished[1])
    const succeeded = Number(requests[1])
    // Columns: start (µs since the epoch), status, µs until the end of the response.
    const latenciesUs = readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => Number(line.split('\t')[2]))
      .sort((a, b) => a - b)
    return {
      requestsPerSecond: succeeded / measuredS,
      requests: succeeded,
      seconds: measuredS,
      failures: Number(requests[2]),
      p50Ms: latenciesUs.length > 0 ? quantile(latenciesUs, 0.5) / 1000 : NaN,
      p99Ms: latenciesUs.length > 0 ? quantile(latenciesUs, 0.99) / 1000 : NaN,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
