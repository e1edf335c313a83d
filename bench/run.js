// `npm run bench` (full, ~15 minutes), `npm run bench -- --quick` (a smoke run of a few
// minutes), or `-- --only h2,latency` (the steps so named): the same table either way. Runs the
// built dist/ against nginx as the upstream (lib/nginx.js; bench/upstream.js for the server-sent events, which nginx cannot stamp), with
// load from wrk and h2load in their own processes (lib/load.js). The load rows (throughput,
// latency, h2) keep every subject's process up and load them in turn, the order reversed every
// other round, and take the median of the per-round ratios to the bare http-proxy-3 baseline
// (lib/in-turn.js); the download, SSE and idle-connection rows start a fresh process per round
// (peak memory is a process's). The trivial onRequest's ratio is against the same route without
// the hook, in the same process (hooks.js); the moonshot's against the dev server reached
// directly (moonshot.js: page loads in Chromium; not run, and saying why, without Chromium and
// certutil). Needs wrk, nginx and curl (h2load for the h2 row), from Debian: it says which are
// missing. Progress goes to stderr, the table to stdout (paste it into RESULTS.md).
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchDownload } from './download.js'
import { benchH2Throughput } from './h2-throughput.js'
import { benchHooks } from './hooks.js'
import { benchInspector } from './inspector.js'
import { benchIdleConnections } from './idle-connections.js'
import { benchLatency } from './latency.js'
import { benchMoonshot, MOONSHOT_LOADS } from './moonshot.js'
import { benchInterceptedHttps, benchTunnelDownload } from './outbound.js'
import { startChild } from './lib/children.js'
import { startNginx } from './lib/nginx.js'
import { recordingBuilt, ROOT, unavailable } from './lib/subjects.js'
import { fmt, formatTable, row } from './lib/table.js'
import { missingTools } from './lib/tools.js'
import { benchReload } from './reload.js'
import { benchSse } from './sse.js'
import { benchStartup } from './startup.js'
import { benchThroughput } from './throughput.js'

const quick = process.argv.includes('--quick')
// `--only h2,latency`: the steps whose names contain one of these words (for work on a few rows;
// the full table is the one that goes into RESULTS.md).
const onlyAt = process.argv.indexOf('--only')
const only = onlyAt === -1 ? undefined : (process.argv[onlyAt + 1] ?? '').split(',').filter(Boolean)
// --quick keeps every row, with shorter runs, fewer rounds (and a 256 MiB download): a smoke run.
// wrk takes whole seconds: its loads last at least 1 s. The full run warms each process up 5 s,
// past its first full collections (hooks.js STEADY_STATE_S). `loadRounds`: rounds of the in-turn load
// rows (even, so every pair of subjects runs ABBA as often as BAAB); `rounds`: fresh-process rows.
const PLAN = quick
  ? { rounds: 3, loadRounds: 2, loadS: 1, warmupS: 1, latencyS: 1, downloadBytes: 2 ** 28, sseS: 0.7, startupRuns: 5, reloads: 10, idleHoldMs: 1_000, moonshotLoads: MOONSHOT_LOADS.quick, hookSets: 3, hookRounds: 2, hookS: 1, hookPairs: 4, inspectorRounds: 8 }
  : { rounds: 3, loadRounds: 6, loadS: 4, warmupS: 5, latencyS: 3, downloadBytes: 2 ** 30, sseS: 4, startupRuns: 10, reloads: 40, idleHoldMs: 3_000, moonshotLoads: MOONSHOT_LOADS.full, hookSets: 6, hookRounds: 2, hookS: 2, hookPairs: 10, inspectorRounds: 16 }

if (!existsSync(join(ROOT, 'dist/commands/start.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` (npm ci does) first.')
  process.exit(1)
}
if (!recordingBuilt()) unavailable.set('recording', 'not built yet')

const missing = missingTools(['wrk', 'nginx', 'curl'])
if (missing) {
  console.error(`bench: ${missing} (wrk drives the load, nginx is the upstream, curl downloads).`)
  process.exit(1)
}
const h2Missing = missingTools(['h2load'])
if (h2Missing) console.error(`bench: ${h2Missing}; the h2 row will say it was not run.`)

const dir = mkdtempSync(join(tmpdir(), 'devproxy-bench-'))
const upstream = await startNginx(join(dir, 'nginx'))
// Server-sent events stamped with the sender's clock: only the Node upstream sends them.
const eventsUpstream = await startChild({ args: [join(ROOT, 'bench/upstream.js')], cwd: dir, outFile: join(dir, 'upstream.log') })
const common = { upstreamUrl: upstream.url, rounds: PLAN.rounds }
const inTurn = { upstreamUrl: upstream.url, rounds: PLAN.loadRounds }
const rows = []
const runStarted = performance.now()

async function step(name, measure) {
  if (only !== undefined && !only.some((word) => name.includes(word))) return
  const started = performance.now()
  process.stderr.write(`bench: ${name}…`)
  try {
    rows.push(...(await measure()))
  } catch (error) {
    // One broken benchmark must not cost the others' results: it shows as a failed row.
    // On one line: a multi-line message (a child's stderr) would break the table.
    rows.push(row(`${name}: did not finish (${String(error?.message ?? error).replace(/\s*\n\s*/g, ' ')})`, '—', '—', '', 'finishes', false))
  }
  process.stderr.write(` ${((performance.now() - started) / 1000).toFixed(0)} s\n`)
}

try {
  await step('small responses, 32 connections', () =>
    benchThroughput({ ...inTurn, subjects: ['direct', 'baseline', 'devproxy', 'verbose', 'recording'], durationS: PLAN.loadS, warmupS: PLAN.warmupS }))
  // Hooked / unhooked / mocked routes: sets of processes loaded in turn (hooks.js), not the rounds above.
  await step('route hooks and mocks, 32 connections', () =>
    benchHooks({ upstreamUrl: upstream.url, sets: PLAN.hookSets, rounds: PLAN.hookRounds, durationS: PLAN.hookS, pairs: PLAN.hookPairs, warmupS: PLAN.warmupS }))
  await step('inspector open and connected, 32 connections', () =>
    benchInspector({ upstreamUrl: upstream.url, rounds: PLAN.inspectorRounds, durationS: PLAN.loadS > 1 ? 2 : 1, warmupS: PLAN.warmupS }))
  await step('h2 small responses (h2load)', () => benchH2Throughput({ ...inTurn, durationS: PLAN.loadS, warmupS: PLAN.warmupS }))
  await step('latency, 1 connection', () =>
    benchLatency({ ...inTurn, subjects: ['direct', 'baseline', 'devproxy'], durationS: PLAN.latencyS, warmupS: PLAN.warmupS }))
  await step(`${PLAN.downloadBytes / 2 ** 20} MiB download`, () =>
    benchDownload({ ...common, subjects: ['direct', 'baseline', 'devproxy', 'bodyDiffs', 'recording'], bytes: PLAN.downloadBytes, path: upstream.file(PLAN.downloadBytes) }))
  await step(`${PLAN.downloadBytes / 2 ** 20} MiB through a blind CONNECT tunnel`, () =>
    benchTunnelDownload({ ...common, bytes: PLAN.downloadBytes, path: upstream.file(PLAN.downloadBytes) }))
  await step('intercepted HTTPS (hey)', () => benchInterceptedHttps({ ...inTurn, durationS: PLAN.loadS, warmupS: PLAN.warmupS }))
  await step('server-sent events', () => benchSse({ ...common, upstreamUrl: eventsUpstream.url, subjects: ['direct', 'baseline', 'devproxy', 'recording'], durationS: PLAN.sseS }))
  await step('start-up', () => benchStartup({ upstreamUrl: upstream.url, runs: PLAN.startupRuns }))
  await step('config reload', async () => {
    const reload = await benchReload({ iterations: PLAN.reloads })
    return [
      row(`${reload.name} (median of ${reload.reload.n}, debounce ${reload.debounceMs} ms; p95 ${fmt.ms(reload.reload.p95)})`, fmt.ms(reload.reload.median), '—', '', '< 300 ms', reload.reload.median < 300),
      row('… of which loading + validating the config (reference)', fmt.ms(reload.load.median), '—', '', '', undefined),
    ]
  })
  await step('5,000 idle connections', () => benchIdleConnections({ ...common, subjects: ['baseline', 'devproxy'], count: 5_000, holdMs: PLAN.idleHoldMs }))
  await step('moonshot: 500-module app in Chromium, direct vs devproxy --https', () => benchMoonshot({ loads: PLAN.moonshotLoads }))
} finally {
  await upstream.stop()
  await eventsUpstream.stop()
  rmSync(dir, { recursive: true, force: true })
}

const command = quick ? 'npm run bench -- --quick' : 'npm run bench'
console.log(`devproxy benchmarks: \`${command}\`, ${new Date().toISOString()}, node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}, ${PLAN.loadRounds} rounds in turn (load rows) / ${PLAN.rounds} (fresh-process rows), upstream nginx, load wrk/h2load, took ${((performance.now() - runStarted) / 1000).toFixed(0)} s`)
console.log('')
console.log(formatTable(rows))
const failed = rows.filter((r) => r.pass === false).length
console.log('')
console.log(failed === 0 ? 'All targets met.' : `${failed} target(s) missed.`)
process.exitCode = failed === 0 ? 0 : 1
