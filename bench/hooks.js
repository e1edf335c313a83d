// Route hooks (issue 19): what a trivial `onRequest` costs, and a mocked route. Small responses
// over 32 keep-alive connections, as in throughput.js.
//
// The hook's cost is measured inside one process: `devproxy start` on a config with two routes
// that differ only in the hook, `/plain` (`target` alone) and `/hooked` (the same with
// `onRequest(ctx) { ctx.headers['x-trace'] = '1' }`), both `stripPrefix`, each loaded in its
// turn. Measured across two processes, the comparison read the processes more than the hook:
// processes on the same config differ by up to 10–25% in CPU per request for a whole run (what
// V8 compiled, and how, during warm-up), wider than the 5% the target reads (bench/RESULTS.md,
// issue 19). In one process both routes run on the same compiled code and heap: what differs
// is the hook.
//
// The references are processes of their own, as in throughput.js: bare http-proxy-3, `devproxy
// start` with the route without hooks alone, and `mock: { json }` in place of the target. A set
// of the four processes is started, brought to a steady state (loaded long enough for V8's
// first full collections to be behind it, as in a proxy that has been running a while), its
// five subjects loaded in turn `rounds` times (the first one rotating), and stopped; `sets` such
// sets, one after the other. Each row is the median of the per-round ratios to the subject it
// is compared with: both sides of a ratio are measured seconds apart, so a slow drift of the
// shared machine hits them alike (bench/ab.js), and fresh sets keep one lucky or unlucky process
// from deciding a row. The cell adds the range of those ratios, the proxy's CPU per request over
// all rounds (/proc) and the median per-round ratio of it. `node bench/hooks.js [sets=6]
// [rounds=2] [seconds=2]` runs it alone (the full run's settings; each round on stderr); run.js
// runs it as part of the table.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { startChild } from './lib/children.js'
import { load } from './lib/load.js'
import { median } from './lib/stats.js'
import { cpuMs, DEVPROXY_NODE_FLAGS, ROOT } from './lib/subjects.js'
import { fmt, formatTable, row } from './lib/table.js'

const CONNECTIONS = 32
/** The upstream's /small body, so the mocked route answers the same bytes. */
const SMALL = { ok: true, msg: 'hello' }

const plainRoute = (target) => `{ name: 'plain', path: '/plain', stripPrefix: true, target: ${JSON.stringify(target)} }`
const hookedRoute = (target) => `{ name: 'hooked', path: '/hooked', stripPrefix: true, target: ${JSON.stringify(target)}, onRequest(ctx) { ctx.headers['x-trace'] = '1' } }`

/** The routes of each devproxy process; the rest of the config is the same. */
const PROCESSES = {
  baseline: undefined,
  unhooked: (target) => [`{ name: 'api', path: '/', target: ${JSON.stringify(target)} }`],
  twoRoutes: (target) => [plainRoute(target), hookedRoute(target)],
  mocked: () => [`{ name: 'api', path: '/', mock: { json: ${JSON.stringify(SMALL)} } }`],
}

/** What is loaded: a process, and the path asked of it. */
const SUBJECTS = [
  { name: 'baseline', process: 'baseline', path: '/small' },
  { name: 'unhooked', process: 'unhooked', path: '/small' },
  { name: 'plain', process: 'twoRoutes', path: '/plain/small' },
  { name: 'hooked', process: 'twoRoutes', path: '/hooked/small' },
  { name: 'mocked', process: 'mocked', path: '/small' },
]

/** Loaded in rounds, each process in its turn; plain and hooked are loaded in pairs instead. */
const REFERENCES = ['baseline', 'unhooked', 'mocked']

/** A process in a temp directory of its own, stdout to a file: the baseline, or `devproxy start --config proxy.config.mjs` with its routes. */
async function startHookProcess(name, upstreamUrl) {
  const dir = mkdtempSync(join(tmpdir(), `devproxy-bench-${name}-`))
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []
  const outFile = join(dir, 'stdout.log')
  let args = [join(ROOT, 'bench/baseline-proxy.js'), upstreamUrl]
  if (name !== 'baseline') {
    writeFileSync(join(dir, 'proxy.config.mjs'), `export default {\n  routes: [\n    ${PROCESSES[name](upstreamUrl).join(',\n    ')},\n  ],\n}\n`)
    args = [join(ROOT, 'bin/run.js'), 'start', '--config', 'proxy.config.mjs', '--port', '0', '--no-watch']
  }
  const nodeFlags = [...(name === 'baseline' ? [] : DEVPROXY_NODE_FLAGS), ...profile]
  const child = await startChild({ args, nodeFlags, cwd: dir, outFile })
  return {
    name,
    url: child.url,
    pid: child.pid,
    log: () => readFileSync(outFile, 'utf8'),
    async stop() {
      await child.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Seconds of load that put a subject past its first full collections (devproxy runs with a
 * 64 MB initial heap: under this load its first mark-compact comes ~3.5 s in, then one every
 * ~4 s, `--trace-gc`). An earlier version forced a collection with a heap snapshot instead; a
 * snapshot leaves V8 tracking object moves for the rest of the process, and every later
 * scavenge pays for it: 2,440 req/s before the snapshot, 1,250–1,750 after, same process
 * (/tmp experiment, 2026-12-02). The rows then measured that damage, not the hooks.
 */
const STEADY_STATE_S = 5

/** One request: what each subject answers, checked before it is measured. */
async function check(subject) {
  const { status, body } = await new Promise((resolve, reject) => {
    get(subject.url, { agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (chunk) => (text += chunk)).on('end', () => resolve({ status: res.statusCode, body: text }))
    }).on('error', reject)
  })
  if (status !== 200) throw new Error(`${subject.name}: GET ${subject.url} answered ${status}: ${body.slice(0, 200)}`)
  // Every subject answers the upstream's /small, the mocked one included.
  if (JSON.stringify(JSON.parse(body)) !== JSON.stringify(SMALL)) throw new Error(`${subject.name}: GET ${subject.url} answered ${body.slice(0, 200)}`)
}

/** Loads `subject` for `durationS` and adds what it did to `into`. */
async function measure(subject, durationS, into) {
  const before = cpuMs(subject.pid)
  const result = await load(subject.url, { connections: CONNECTIONS, durationS })
  const spentMs = cpuMs(subject.pid) - before
  into.cpuMs += spentMs
  into.requests += result.requestsPerSecond * durationS
  into.rps.push(result.requestsPerSecond)
  into.cpuUs.push((spentMs * 1000) / (result.requestsPerSecond * durationS))
  into.failures += result.failures
}

/**
 * `rounds` rounds of the references (each subject `durationS`, in turn) and `pairs` pairs of the
 * two routes of one process (each `pairS`, back to back, which first alternating) per set.
 */
export async function benchHooks({ upstreamUrl, sets, rounds, durationS, pairs, pairS = 1, warmupS, progress }) {
  const names = SUBJECTS.map((subject) => subject.name)
  const samples = Object.fromEntries(names.map((name) => [name, { rps: [], cpuUs: [], requests: 0, cpuMs: 0, failures: 0 }]))
  for (let set = 0; set < sets; set++) {
    const processes = {}
    try {
      for (const name of Object.keys(PROCESSES)) processes[name] = await startHookProcess(name, upstreamUrl)
      const subjects = Object.fromEntries(SUBJECTS.map((subject) => [subject.name, { ...subject, url: `${processes[subject.process].url}${subject.path}`, pid: processes[subject.process].pid }]))
      for (const subject of Object.values(subjects)) await check(subject)
      for (const subject of Object.values(subjects)) await load(subject.url, { connections: CONNECTIONS, durationS: Math.max(warmupS, STEADY_STATE_S) })
      // The hook ran on its route alone: devproxy tags the log line of a request a hook saw `[hook]`.
      await new Promise((resolve) => setTimeout(resolve, 100))
      const lines = processes.twoRoutes.log().split('\n')
      if (!lines.some((line) => line.includes('/hooked/small') && line.includes('[hook]'))) throw new Error('hooked: no log line tagged [hook]: did onRequest run?')
      if (lines.some((line) => line.includes('/plain/small') && line.includes('[hook]'))) throw new Error('plain: log lines tagged [hook]')

      const references = REFERENCES.map((name) => subjects[name])
      for (let round = 0; round < rounds; round++) {
        const turn = set * rounds + round
        for (const subject of references.map((_, i) => references[(i + turn) % references.length])) await measure(subject, durationS, samples[subject.name])
        progress?.(`set ${set + 1} round ${round + 1}: ${REFERENCES.map((name) => `${name} ${Math.round(samples[name].rps.at(-1))} req/s ${samples[name].cpuUs.at(-1).toFixed(0)} µs`).join(', ')}\n`)
      }
      for (let pair = 0; pair < pairs; pair++) {
        const order = pair % 2 === 0 ? [subjects.plain, subjects.hooked] : [subjects.hooked, subjects.plain]
        for (const subject of order) await measure(subject, pairS, samples[subject.name])
      }
      const last = (name) => samples[name].rps.slice(-pairs)
      progress?.(`set ${set + 1} pairs: hooked/plain ${last('hooked').map((rps, i) => (rps / last('plain')[i]).toFixed(2)).join(' ')}\n`)
    } finally {
      await Promise.all(Object.values(processes).map((child) => child.stop()))
    }
  }

  const compare = (name, against, label, target) => {
    const mine = samples[name]
    const other = samples[against]
    const ratios = mine.rps.map((rps, round) => rps / other.rps[round])
    const ratio = median(ratios)
    const cpuRatio = median(mine.cpuUs.map((us, round) => us / other.cpuUs[round]))
    const cpu = (subject) => ((subject.cpuMs * 1000) / subject.requests).toFixed(0)
    const failures = mine.failures + other.failures
    const spread = `per round ${fmt.ratio(Math.min(...ratios))}–${fmt.ratio(Math.max(...ratios))}; CPU/req ${fmt.ratio(cpuRatio)}`
    return row(
      label,
      `${fmt.perSecond(median(mine.rps))} (${cpu(mine)} µs CPU/req; ${spread})${failures > 0 ? ` (${failures} failures)` : ''}`,
      `${fmt.perSecond(median(other.rps))} (${cpu(other)} µs CPU/req)`,
      fmt.ratio(ratio),
      target?.text ?? '',
      failures > 0 ? false : target ? target.ok(ratio) : undefined,
    )
  }
  const title = `route hooks, small responses, keep-alive, ${CONNECTIONS} conns`
  const inTurn = `in turn (median of ${sets} process sets × ${rounds} rounds)`
  return [
    compare('unhooked', 'baseline', `${title}, ${inTurn} — devproxy route without hooks (config file); baseline: bare http-proxy-3 (reference)`),
    compare(
      'hooked',
      'plain',
      `${title}, one process, ${pairS} s each back to back (median of ${sets} processes × ${pairs} pairs) — trivial onRequest (ctx.headers['x-trace'] = '1'); baseline: the same route without it`,
      { text: '≥ 0.95×', ok: (ratio) => ratio >= 0.95 },
    ),
    compare('mocked', 'baseline', `${title}, ${inTurn} — mocked route (mock: { json }, no upstream); baseline: bare http-proxy-3 (reference)`),
  ]
}

// Run alone: `node bench/hooks.js [sets] [rounds] [seconds] [pairs]` (default: the full run's), with its own upstream.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [sets = 6, rounds = 2, seconds = 2, pairs = 10] = process.argv.slice(2, 6).map(Number)
  const dir = mkdtempSync(join(tmpdir(), 'devproxy-bench-'))
  const upstream = await startChild({ args: [join(ROOT, 'bench/upstream.js')], cwd: dir, outFile: join(dir, 'upstream.log') })
  const started = performance.now()
  let rows
  try {
    rows = await benchHooks({ upstreamUrl: upstream.url, sets, rounds, durationS: seconds, pairs, warmupS: 2, progress: (line) => process.stderr.write(line) })
  } finally {
    await upstream.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  console.log(`devproxy route hooks: \`node bench/hooks.js ${sets} ${rounds} ${seconds} ${pairs}\`, ${new Date().toISOString()}, node ${process.version}, took ${((performance.now() - started) / 1000).toFixed(0)} s`)
  console.log('')
  console.log(formatTable(rows))
  process.exitCode = rows.some((r) => r.pass === false) ? 1 : 0
}
