// Small responses over 32 keep-alive connections: requests per second, each subject in turn.
import { load } from './lib/load.js'
import { alternate, LABELS } from './lib/subjects.js'
import { compareRows, fmt } from './lib/table.js'

const CONNECTIONS = 32

export async function benchThroughput({ upstreamUrl, subjects, rounds, durationS, warmupS }) {
  const results = await alternate(subjects, rounds, upstreamUrl, async (subject) => {
    // A fresh process: let the JIT and the connection pools settle before counting.
    await load(`${subject.url}/small`, { connections: CONNECTIONS, durationS: warmupS })
    return load(`${subject.url}/small`, { connections: CONNECTIONS, durationS })
  })
  return compareRows(`small responses, keep-alive, ${CONNECTIONS} conns`, results, {
    labels: LABELS,
    value: (sample) => sample.requestsPerSecond,
    format: fmt.perSecond,
    targets: {
      devproxy: { text: '≥ 0.90×', ok: (ratio) => ratio >= 0.9 },
      recording: { text: '≥ 0.70×', ok: (ratio) => ratio >= 0.7 },
    },
  })
}
