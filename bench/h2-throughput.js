// HTTP/2 throughput with h2load (Debian's nghttp2-client): small responses over 8 TLS
// connections of 10 concurrent streams each, devproxy --https against Node's http2 server in
// front of http-proxy-3 (baseline-h2-proxy.js), side by side in rounds (lib/in-turn.js: both
// processes up for the whole step, loaded in turn, the order reversed every other round); the
// row is the median of the per-round ratios, with p99 latency and CPU per request.
import { join } from 'node:path'
import { median } from './lib/stats.js'
import { cpuNote, inTurn } from './lib/in-turn.js'
import { h2load } from './lib/load.js'
import { DEVPROXY_NODE_FLAGS, ROOT, startInOwnDir } from './lib/subjects.js'
import { compareRows, fmt, row } from './lib/table.js'
import { missingTools } from './lib/tools.js'

const CONNECTIONS = 8
const STREAMS = 10
const TITLE = `h2 small responses, ${CONNECTIONS} conns × ${STREAMS} streams (h2load)`

export async function benchH2Throughput({ upstreamUrl, rounds, durationS, warmupS }) {
  const missing = missingTools(['h2load'])
  if (missing) return [row(`${TITLE}: not run (${missing})`, '—', '—', '', '≥ 0.90×', false)]
  const url = (subject) => `${subject.url}/small`
  const options = { connections: CONNECTIONS, streams: STREAMS }
  const results = await inTurn(['baseline', 'devproxy'], {
    rounds,
    start: (name) => start(name, upstreamUrl),
    warmup: (subject) => h2load(url(subject), { ...options, durationS: warmupS }),
    measure: (subject) => h2load(url(subject), { ...options, durationS }),
  })
  const note = (samples) => [`p99 ${fmt.ms(median(samples.map((sample) => sample.p99Ms)))}`, cpuNote(samples)].filter(Boolean).join(', ')
  return compareRows(TITLE, results, {
    labels: { devproxy: 'devproxy --https' },
    value: (sample) => sample.requestsPerSecond,
    format: fmt.perSecond,
    perRound: true,
    note,
    baselineNote: note,
    targets: { devproxy: { text: '≥ 0.90×', ok: (ratio) => ratio >= 0.9 } },
  })
}

function start(name, upstreamUrl) {
  return name === 'baseline'
    ? startInOwnDir(name, { label: 'h2-baseline', args: [join(ROOT, 'bench/baseline-h2-proxy.js'), upstreamUrl] })
    : startInOwnDir(name, {
        label: 'h2-devproxy',
        args: [join(ROOT, 'bin/run.js'), 'start', '--https', '--target', upstreamUrl, '--port', '0', '--no-watch'],
        nodeFlags: DEVPROXY_NODE_FLAGS,
        // Its own CA, made at start (off the measured time), never the user's.
        env: (dir) => ({ DEVPROXY_DATA_DIR: join(dir, 'data') }),
        timeoutMs: 20_000,
      })
}
