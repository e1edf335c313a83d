// Latency at 1 connection (no queueing): p50 and p99 of small requests (wrk), the subjects side
// by side in rounds (lib/in-turn.js), each row the median of its per-round differences.
import { subjectsInTurn } from './lib/in-turn.js'
import { load } from './lib/load.js'
import { LABELS } from './lib/subjects.js'
import { compareRows, fmt } from './lib/table.js'

export async function benchLatency({ upstreamUrl, subjects, rounds, durationS, warmupS }) {
  const url = (subject) => `${subject.url}/small`
  const results = await subjectsInTurn(subjects, upstreamUrl, {
    rounds,
    warmup: (subject) => load(url(subject), { connections: 1, durationS: warmupS }),
    measure: (subject) => load(url(subject), { connections: 1, durationS }),
  })
  const common = { labels: LABELS, format: fmt.ms, compare: 'delta', perRound: true }
  return [
    ...compareRows('latency p50, 1 conn', results, {
      ...common,
      value: (sample) => sample.p50Ms,
      targets: { devproxy: { text: '≤ +0.30 ms', ok: (delta) => delta <= 0.3 } },
    }),
    ...compareRows('latency p99, 1 conn', results, {
      ...common,
      value: (sample) => sample.p99Ms,
      targets: { devproxy: { text: '≤ +1.00 ms', ok: (delta) => delta <= 1 } },
    }),
  ]
}
