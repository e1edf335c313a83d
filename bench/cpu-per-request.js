// Proxy CPU per small request, for profiling work between full runs:
//   node bench/cpu-per-request.js [rounds=3] [seconds=4] [subject ...]
// Subjects: see startNamed in bench/lib/subjects.js (baseline, devproxy, recording, `dp:-q`,
// `copy:/tmp/v1:record --out b.har` for a patched build): A/B runs in one go. Each round runs every
// subject on a fresh process: 1 s warm-up, then wrk with 32 connections for `seconds` (whole
// seconds), in front of nginx (lib/nginx.js); the proxy's user+system CPU comes from /proc
// (Linux). Prints medians and ratios to the first subject. For ratios that separate changes of
// a few percent, bench/ab.js (processes kept up, loaded in turn) is the better tool.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { load } from './lib/load.js'
import { startNginx } from './lib/nginx.js'
import { cpuMs, startNamed } from './lib/subjects.js'

const [rounds = 3, seconds = 4] = process.argv.slice(2, 4).map(Number)
const names = process.argv.slice(4).length > 0 ? process.argv.slice(4) : ['baseline', 'devproxy', 'recording']
const dir = mkdtempSync(join(tmpdir(), 'devproxy-cpu-'))
const upstream = await startNginx(join(dir, 'nginx'))

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
        samples[name].cpuUs.push((cpu * 1000) / result.requests)
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
