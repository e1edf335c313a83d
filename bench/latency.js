// Latency at 1 connection (no queueing): p50 and p99 of small requests, each subject in turn.
import { load } from './lib/load.js'
import { quantile } from './lib/stats.js'
import { alternate, LABELS } from './lib/subjects.js'
import { compareRows, fmt } from './lib/table.js'

export async function benchLatency({ upstreamUrl, subjects, rounds, durationS, warmupS }) {
  const results = await alternate(subjects, rounds, upstreamUrl, async (subject) => {
    await load(`${subject.url}/small`, { connections: 1, durationS: warmupS })
    const run = await load(`${subject.url}/small`, { connections: 1, durationS, latencies: true })
    const sorted = run.latenciesMs.sort((a, b) => a - b)
    return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), failures: run.failures }
  })
  const common = { labels: LABELS, format: fmt.ms, compare: 'delta' }
  return [
    ...compareRows('latency p50, 1 conn', results, {
      ...common,
      value: (sample) => sample.p50,
      targets: { devproxy: { text: '≤ +0.30 ms', ok: (delta) => delta <= 0.3 } },
    }),
    ...compareRows('latency p99, 1 conn', results, {
      ...common,
      value: (sample) => sample.p99,
      targets: { devproxy: { text: '≤ +1.00 ms', ok: (delta) => delta <= 1 } },
    }),
  ]
}
