// A/B of proxy builds in one run, for changes smaller than the noise between runs:
//   node bench/ab.js [rounds=30] [seconds=1] [subject ...]
// Subjects: startNamed in lib/subjects.js, any but `direct` (it has no process to measure).
// Every subject is started once and stays up; each round loads each in turn (the order reversed
// every other round) with 32 connections for `seconds`. Slow drifts of a shared machine then
// hit all subjects alike, which fresh processes run minutes apart do not. Prints, per subject,
// its req/s, the median of its per-round ratio to the first subject, and the proxy's and the
// upstream's CPU per request over all rounds (/proc, Linux).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startChild } from './lib/children.js'
import { load } from './lib/load.js'
import { median } from './lib/stats.js'
import { cpuMs, ROOT, startNamed } from './lib/subjects.js'

const [rounds = 30, seconds = 1] = process.argv.slice(2, 4).map(Number)
const names = process.argv.slice(4).length > 0 ? process.argv.slice(4) : ['baseline', 'devproxy', 'recording']
const dir = mkdtempSync(join(tmpdir(), 'devproxy-ab-'))
const upstream = await startChild({ args: [join(ROOT, 'bench/upstream.js')], cwd: dir, outFile: join(dir, 'upstream.log') })
const subjects = []
try {
  for (const name of names) subjects.push({ name, process: await startNamed(name, upstream.url, dir), rps: [], requests: 0, cpuMs: 0, upstreamCpuMs: 0 })
  for (const subject of subjects) await load(`${subject.process.url}/small`, { connections: 32, durationS: 2 })
  for (let round = 0; round < rounds; round++) {
    for (const subject of round % 2 === 0 ? subjects : [...subjects].reverse()) {
      const before = cpuMs(subject.process.pid)
      const upstreamBefore = cpuMs(upstream.pid)
      const result = await load(`${subject.process.url}/small`, { connections: 32, durationS: seconds })
      subject.cpuMs += cpuMs(subject.process.pid) - before
      subject.upstreamCpuMs += cpuMs(upstream.pid) - upstreamBefore
      subject.requests += result.requestsPerSecond * seconds
      subject.rps.push(result.requestsPerSecond)
      if (result.failures > 0) console.error(`${subject.name}: ${result.failures} failures`)
    }
  }
} finally {
  await Promise.all(subjects.map((subject) => subject.process.stop()))
  await upstream.stop()
  rmSync(dir, { recursive: true, force: true })
}

const first = subjects[0]
for (const subject of subjects) {
  const ratio = median(subject.rps.map((rps, round) => rps / first.rps[round]))
  console.log(
    `${subject.name.padEnd(14)} ${Math.round(subject.requests / (rounds * seconds))} req/s  ${ratio.toFixed(3)}× (median per round)  ` +
      `proxy ${((subject.cpuMs * 1000) / subject.requests).toFixed(1)} µs CPU/request, upstream ${((subject.upstreamCpuMs * 1000) / subject.requests).toFixed(1)}`,
  )
}
