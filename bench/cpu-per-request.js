// Proxy CPU per small request, for profiling work between full runs:
//   node bench/cpu-per-request.js [rounds=3] [seconds=4] [subject ...]
// Subjects: see startNamed in bench/lib/subjects.js (baseline, devproxy, recording, `dp:-q`,
// `copy:/tmp/v1:record --out b.har` for a patched build): A/B runs in one go. Each round runs every
// subject on a fresh process: 1 s warm-up, then 32 connections for `seconds`; the proxy's
// user+system CPU comes from /proc (Linux). Prints medians and ratios to the first subject.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startChild } from './lib/children.js'
import { load } from './lib/load.js'
import { cpuMs, ROOT, startNamed } from './lib/subjects.js'

const [rounds = 3, seconds = 4] = process.argv.slice(2, 4).map(Number)
const names = process.argv.slice(4).length > 0 ? process.argv.slice(4) : ['baseline', 'devproxy', 'recording']
const dir = mkdtempSync(join(tmpdir(), 'devproxy-cpu-'))
const upstream = await startChild({ args: [join(ROOT, 'bench/upstream.js')], cwd: dir, outFile: join(dir, 'upstream.log') })

const samples = Object.fromEntries(names.map((name) => [name, { rps: [], cpuUs: [] }]))
try {
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const subject = await startNamed(name, upstream.url, dir)
      try {
        const url = `${subject.url}/small`
        await load(url, { connections: 32, durationS: 1 })
        const before = cpuMs(subject.pid)
        const result = await load(url, { connections: 32, durationS: seconds })
        const cpu = cpuMs(subject.pid) - before
        samples[name].rps.push(result.requestsPerSecond)
        samples[name].cpuUs.push((cpu * 1000) / (result.requestsPerSecond * seconds))
        if (result.failures > 0) console.error(`${name}: ${result.failures} failures`)
      } finally {
        await subject.stop()
      }
    }
  }
} finally {
  await upstream.stop()
  rmSync(dir, { recursive: true, force: true })
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const first = samples[names[0]]
for (const name of names) {
  const { rps, cpuUs } = samples[name]
  console.log(
    `${name.padEnd(12)} ${Math.round(median(rps))} req/s (${(median(rps) / median(first.rps)).toFixed(2)}×)  ` +
      `${median(cpuUs).toFixed(1)} µs CPU/request (${(median(cpuUs) / median(first.cpuUs)).toFixed(2)}× the CPU)`,
  )
}
