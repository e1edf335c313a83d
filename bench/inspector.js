// The inspector (issue 20): throughput with a browser's inspector open and connected, against the
// same proxy with none. Two `devproxy start --target` processes, kept up; one has an inspector
// client logged in (the printed one-time URL, its session cookie) and reading the live stream
// (`/v1/inspector/stream`: every transaction, batched, and metrics each second), as an open tab
// does. Small responses over 32 keep-alive connections, loaded in turn (the first one
// alternating), `rounds` times; the row is the median of the per-round ratios, with their range
// and the CPU per request. `node bench/inspector.js [rounds=16] [seconds=1]` runs it alone.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { startChild } from './lib/children.js'
import { load } from './lib/load.js'
import { startNginx } from './lib/nginx.js'
import { median } from './lib/stats.js'
import { cpuMs, DEVPROXY_NODE_FLAGS, ROOT } from './lib/subjects.js'
import { fmt, formatTable, row } from './lib/table.js'

const CONNECTIONS = 32
const INSPECTOR = /inspector: (http:\/\/127\.0\.0\.1:\d+\/inspector\/login\?token=\S+)/

async function startDevproxy(name, upstreamUrl) {
  const dir = mkdtempSync(join(tmpdir(), `devproxy-bench-${name}-`))
  const outFile = join(dir, 'stdout.log')
  const child = await startChild({ args: [join(ROOT, 'bin/run.js'), 'start', '--target', upstreamUrl, '--port', '0', '--no-watch'], nodeFlags: DEVPROXY_NODE_FLAGS, cwd: dir, outFile })
  return { name, url: child.url, pid: child.pid, dir, outFile, stop: async () => (await child.stop(), rmSync(dir, { recursive: true, force: true })) }
}

/** Logs in with the banner's URL and reads the live stream until `close()`; counts what arrives. */
async function openInspector(subject) {
  let match
  for (let i = 0; i < 200 && !(match = INSPECTOR.exec(readFileSync(subject.outFile, 'utf8'))); i++) await new Promise((resolve) => setTimeout(resolve, 10))
  if (!match) throw new Error('no inspector URL in the banner')
  const login = new URL(match[1])
  const cookie = await new Promise((resolve, reject) =>
    http.get(login, (res) => {
      res.resume()
      const set = res.headers['set-cookie']?.[0]
      if (res.statusCode !== 303 || !set) reject(new Error(`login answered ${res.statusCode}`))
      else resolve(set.split(';')[0])
    }).on('error', reject),
  )
  const state = { bytes: 0, request: undefined }
  await new Promise((resolve, reject) => {
    state.request = http.get(new URL('/v1/inspector/stream', login), { headers: { cookie, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`))
      res.on('data', (chunk) => (state.bytes += chunk.length))
      resolve()
    })
    state.request.on('error', (error) => (state.closed ? undefined : reject(error)))
  })
  return { bytes: () => state.bytes, close: () => ((state.closed = true), state.request.destroy()) }
}

export async function benchInspector({ upstreamUrl, rounds, durationS, warmupS, progress }) {
  const subjects = [await startDevproxy('closed', upstreamUrl), await startDevproxy('open', upstreamUrl)]
  const samples = { closed: { rps: [], cpuUs: [] }, open: { rps: [], cpuUs: [] } }
  let inspector
  try {
    inspector = await openInspector(subjects[1])
    for (const subject of subjects) await load(`${subject.url}/small`, { connections: CONNECTIONS, durationS: warmupS })
    for (let round = 0; round < rounds; round++) {
      for (const subject of round % 2 === 0 ? subjects : [...subjects].reverse()) {
        const before = cpuMs(subject.pid)
        const result = await load(`${subject.url}/small`, { connections: CONNECTIONS, durationS })
        samples[subject.name].rps.push(result.requestsPerSecond)
        samples[subject.name].cpuUs.push(((cpuMs(subject.pid) - before) * 1000) / result.requests)
      }
      progress?.(`round ${round + 1}: closed ${Math.round(samples.closed.rps.at(-1))} req/s, open ${Math.round(samples.open.rps.at(-1))} req/s (stream ${inspector.bytes()} B so far)\n`)
    }
    if (inspector.bytes() === 0) throw new Error('the inspector stream sent nothing: not connected?')
  } finally {
    inspector?.close()
    await Promise.all(subjects.map((subject) => subject.stop()))
  }
  const ratios = samples.open.rps.map((rps, i) => rps / samples.closed.rps[i])
  const ratio = median(ratios)
  const cpu = (s) => median(s.cpuUs).toFixed(0)
  return [
    row(
      `inspector open and connected (live stream read), small responses, keep-alive, ${CONNECTIONS} conns, in turn (median of ${rounds} rounds); baseline: the same proxy with no inspector open`,
      `${fmt.perSecond(median(samples.open.rps))} (${cpu(samples.open)} µs CPU/req; per round ${fmt.ratio(Math.min(...ratios))}–${fmt.ratio(Math.max(...ratios))})`,
      `${fmt.perSecond(median(samples.closed.rps))} (${cpu(samples.closed)} µs CPU/req)`,
      fmt.ratio(ratio),
      '≥ 0.9×',
      ratio >= 0.9,
    ),
  ]
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [rounds = 16, seconds = 1] = process.argv.slice(2, 4).map(Number)
  const dir = mkdtempSync(join(tmpdir(), 'devproxy-bench-'))
  const upstream = await startNginx(join(dir, 'nginx'))
  const started = performance.now()
  let rows
  try {
    rows = await benchInspector({ upstreamUrl: upstream.url, rounds, durationS: seconds, warmupS: 1, progress: (line) => process.stderr.write(line) })
  } finally {
    await upstream.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  console.log(`devproxy inspector: \`node bench/inspector.js ${rounds} ${seconds}\`, ${new Date().toISOString()}, node ${process.version}, took ${((performance.now() - started) / 1000).toFixed(0)} s`)
  console.log('')
  console.log(formatTable(rows))
  process.exitCode = rows.some((r) => r.pass === false) ? 1 : 0
}
