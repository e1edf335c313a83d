// A/B of proxy builds in one run, for changes smaller than the noise between runs:
//   node bench/ab.js [rounds=30] [seconds=1] [subject ...]
// Subjects: startNamed in lib/subjects.js, any but `direct` (it has no process to measure).
// Every subject is started once and stays up; each round loads each in turn (the order reversed
// every other round: lib/in-turn.js) with wrk, 32 connections for `seconds` (whole seconds), in
// front of nginx (lib/nginx.js). Slow drifts of a shared machine then hit all subjects alike,
// which fresh processes run minutes apart do not. Prints, per subject, its req/s, the median of
// its per-round ratio to the first subject, p99, and the proxy's and the upstream's CPU per
// request over all rounds (/proc, Linux).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cpuPerRequestUs, inTurn } from './lib/in-turn.js'
import { load } from './lib/load.js'
import { startNginx } from './lib/nginx.js'
import { median } from './lib/stats.js'
import { startNamed } from './lib/subjects.js'

const [rounds = 30, seconds = 1] = process.argv.slice(2, 4).map(Number)
const names = process.argv.slice(4).length > 0 ? process.argv.slice(4) : ['baseline', 'devproxy', 'recording']
const dir = mkdtempSync(join(tmpdir(), 'devproxy-ab-'))
const upstream = await startNginx(join(dir, 'nginx'))
// The same name twice (two processes of one build) is two subjects.
const labels = names.map((name, i) => (names.indexOf(name) === i ? name : `${name} #${i + 1}`))
let results
try {
  results = await inTurn(labels, {
    rounds,
    start: async (label) => ({ ...(await startNamed(names[labels.indexOf(label)], upstream.url, dir)), name: label }),
    warmup: (subject) => load(`${subject.url}/small`, { connections: 32, durationS: 2 }),
    measure: async (subject) => {
      const result = await load(`${subject.url}/small`, { connections: 32, durationS: seconds })
      if (result.failures > 0) console.error(`${subject.name}: ${result.failures} failures`)
      return result
    },
    upstreamPid: upstream.pid,
  })
} finally {
  await upstream.stop()
  rmSync(dir, { recursive: true, force: true })
}

const first = results[labels[0]]
for (const label of labels) {
  const samples = results[label]
  const ratio = median(samples.map((sample, round) => sample.requestsPerSecond / first[round].requestsPerSecond))
  const requests = samples.reduce((sum, sample) => sum + sample.requests, 0)
  const secondsLoaded = samples.reduce((sum, sample) => sum + sample.seconds, 0)
  console.log(
    `${label.padEnd(14)} ${Math.round(requests / secondsLoaded)} req/s  ${ratio.toFixed(3)}× (median per round)  ` +
      `p99 ${median(samples.map((sample) => sample.p99Ms)).toFixed(2)} ms  ` +
      `proxy ${cpuPerRequestUs(samples).toFixed(1)} µs CPU/request, upstream ${cpuPerRequestUs(samples, 'upstreamCpuMs').toFixed(1)}`,
  )
}
