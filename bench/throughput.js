// Small responses over 32 keep-alive connections (wrk): requests per second and p99 latency, the
// subjects side by side (lib/in-turn.js: each process up for the whole step, loaded in turn, the
// order reversed every other round), each row the median of its per-round ratios to the
// baseline, with the proxy's CPU per request (/proc) over all rounds.
import { cpuNote, subjectsInTurn } from './lib/in-turn.js'
import { load } from './lib/load.js'
import { LABELS } from './lib/subjects.js'
import { compareRows, fmt } from './lib/table.js'

const CONNECTIONS = 32

export async function benchThroughput({ upstreamUrl, subjects, rounds, durationS, warmupS }) {
  const url = (subject) => `${subject.url}/small`
  const results = await subjectsInTurn(subjects, upstreamUrl, {
    rounds,
    warmup: (subject) => load(url(subject), { connections: CONNECTIONS, durationS: warmupS }),
    measure: (subject) => load(url(subject), { connections: CONNECTIONS, durationS }),
  })
  const common = { labels: LABELS, perRound: true, note: cpuNote, baselineNote: cpuNote }
  return [
    ...compareRows(`small responses, keep-alive, ${CONNECTIONS} conns`, results, {
      ...common,
      value: (sample) => sample.requestsPerSecond,
      format: fmt.perSecond,
      targets: {
        devproxy: { text: '≥ 1.00×', ok: (ratio) => ratio >= 1 },
        recording: { text: '≥ 0.70×', ok: (ratio) => ratio >= 0.7 },
      },
    }),
    ...compareRows(`latency p99, ${CONNECTIONS} conns`, results, {
      ...common,
      note: undefined,
      baselineNote: undefined,
      value: (sample) => sample.p99Ms,
      format: fmt.ms,
      targets: { devproxy: { text: '≤ 1.50×', ok: (ratio) => ratio <= 1.5 } },
    }),
  ]
}
