// The moonshot: a Vite-style app of 500 unbundled ES modules (lib/module-app.js) loads in
// Chromium at least as fast through `devproxy start --https` (h2, one connection) as from the
// dev server directly (HTTP/1.1, six connections per origin, modules queueing behind them).
//
// Each load is cold: a fresh browser context (empty cache, no connection or TLS session to
// reuse), timed from navigation start to the last module evaluated (`window.__done`). Loads
// alternate between the two, the order flipped every other pair; one warm-up load each is not
// counted (devproxy issues its leaf certificate and warms up there). The browser trusts
// devproxy's CA through its NSS database, as `devproxy trust` makes a user's; no certificate
// check is skipped. Every load is checked: all modules evaluated, each fetched over the
// protocol claimed.
//
//   node bench/moonshot.js [--quick] [--loads N] [--devproxy PATH/bin/run.js]
// (BENCH_CPU_PROF=DIR writes the proxy's CPU profile there, as for the other rows)
// prints the rows as a table; `npm run bench` runs it as one of its steps.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { launchBrowser, missingBrowserReason } from '../test/helpers/chromium.js'
import { startChild } from './lib/children.js'
import { summarize } from './lib/stats.js'
import { nodeFlagsOf, ROOT } from './lib/subjects.js'
import { fmt, formatTable, row } from './lib/table.js'

/** Counted loads of each subject: `npm run bench` and `npm run bench -- --quick`. */
export const MOONSHOT_LOADS = { full: 15, quick: 5 }
const TITLE = 'moonshot: 500-module app, cold load in Chromium'
const TARGET = { text: '≤ 1.00×', ok: (ratio) => ratio <= 1 }

/** One cold load of `url` in a fresh context: ms to the graph evaluated, and what the page fetched over which protocol. */
async function coldLoad(browser, url) {
  const context = await browser.newContext()
  // Resource Timing keeps 250 entries by default; the check below wants one per module.
  await context.addInitScript(() => performance.setResourceTimingBufferSize(100_000))
  try {
    const page = await context.newPage()
    // A module that fails to load stops the graph without an exception: the failures say why.
    const failures = []
    page.on('requestfailed', (request) => failures.push(`${request.url()}: ${request.failure()?.errorText}`))
    page.on('response', (response) => response.status() >= 400 && failures.push(`${response.url()}: ${response.status()}`))
    page.on('pageerror', (error) => failures.push(error.message))
    // The load event waits for module scripts, their whole graph fetched and evaluated.
    await page.goto(url)
    const measured = await page.evaluate(() => {
      const navigation = performance.getEntriesByType('navigation')[0]
      const protocols = {}
      for (const entry of [navigation, ...performance.getEntriesByType('resource')]) protocols[entry.nextHopProtocol] = (protocols[entry.nextHopProtocol] ?? 0) + 1
      return { ms: window.__done, modules: window.__modules, protocols, newTls: navigation.secureConnectionStart > 0 }
    })
    return { ...measured, failures }
  } finally {
    await context.close()
  }
}

function check(sample, { modules, protocol, tls }, label) {
  if (sample.failures.length > 0) throw new Error(`${label}: ${sample.failures.length} failed (${sample.failures.slice(0, 3).join('; ')})`)
  const expected = { [protocol]: modules + 1 }
  if (typeof sample.ms !== 'number' || sample.modules !== modules || JSON.stringify(sample.protocols) !== JSON.stringify(expected) || sample.newTls !== tls) {
    throw new Error(`${label}: expected ${modules} modules evaluated (window.__done set), fetched ${JSON.stringify(expected)}, ${tls ? 'a new' : 'no'} TLS handshake; got ${sample.modules} modules, ${JSON.stringify(sample.protocols)}, newTls ${sample.newTls}`)
  }
  return sample.ms
}

/** Starts `devproxy start --https` from `devproxyBin` in front of `targetUrl`; its CA goes to `dir`/data. */
async function startHttpsProxy(devproxyBin, targetUrl, dir) {
  const config = join(dir, 'proxy.config.ts')
  writeFileSync(config, `export default { routes: [{ name: 'app', path: '/', target: '${targetUrl}' }] }\n`)
  const dataDir = join(dir, 'data')
  const child = await startChild({
    args: [devproxyBin, 'start', '--https', '--port', '0', '--config', config, '--no-watch'],
    nodeFlags: [...nodeFlagsOf(devproxyBin), ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
    cwd: dir,
    env: { DEVPROXY_DATA_DIR: dataDir },
    outFile: join(dir, 'proxy.log'),
  })
  if (!child.url.startsWith('https:')) {
    await child.stop()
    throw new Error(`devproxy start --https listens on ${child.url}, not https`)
  }
  return { ...child, caPemFile: join(dataDir, 'ca.pem'), port: new URL(child.url).port }
}

/**
 * Rows: the direct load (reference) and devproxy's, with its ratio to direct. `devproxyBin`:
 * the bin/run.js to run (default: this checkout's, on its built dist/).
 */
export async function benchMoonshot({ loads, modules = 500, devproxyBin = join(ROOT, 'bin/run.js') }) {
  const missing = missingBrowserReason()
  if (missing !== undefined) return [row(`${TITLE} — devproxy --https (h2)`, '—', '—', '', TARGET.text, `not run: ${missing}`)]
  const dir = mkdtempSync(join(tmpdir(), 'devproxy-bench-moonshot-'))
  const stops = []
  try {
    const app = await startChild({ args: [join(ROOT, 'bench/lib/module-app.js'), String(modules)], cwd: dir, outFile: join(dir, 'app.log') })
    stops.push(app.stop)
    const proxy = await startHttpsProxy(devproxyBin, app.url, dir)
    stops.push(proxy.stop)
    const launched = await launchBrowser({ trust: [proxy.caPemFile] })
    stops.push(launched.close)
    const subjects = [
      { name: 'direct', url: `${app.url}/`, expect: { modules, protocol: 'http/1.1', tls: false }, ms: [] },
      { name: 'devproxy', url: `https://app.localhost:${proxy.port}/`, expect: { modules, protocol: 'h2', tls: true }, ms: [] },
    ]
    for (let round = -1; round < loads; round++) {
      for (const subject of round % 2 === 0 ? subjects : [...subjects].reverse()) {
        const ms = check(await coldLoad(launched.browser, subject.url), subject.expect, subject.name)
        if (round >= 0) subject.ms.push(ms)
      }
    }
    const [direct, devproxy] = subjects.map((subject) => summarize(subject.ms))
    const ratio = devproxy.median / direct.median
    const cell = (s) => `${fmt.wholeMs(s.median)} (p95 ${fmt.wholeMs(s.p95)})`
    return [
      row(`${TITLE} (median of ${loads}) — dev server directly, HTTP/1.1 (reference)`, cell(direct), '—', '', '', undefined),
      row(`${TITLE} (median of ${loads}) — devproxy --https (h2); baseline: direct`, cell(devproxy), fmt.wholeMs(direct.median), fmt.ratio(ratio), TARGET.text, TARGET.ok(ratio)),
    ]
  } finally {
    for (const stop of stops.reverse()) await stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2)
  const option = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined)
  const loads = Number(option('--loads') ?? (argv.includes('--quick') ? MOONSHOT_LOADS.quick : MOONSHOT_LOADS.full))
  const started = performance.now()
  const devproxyBin = option('--devproxy')
  const rows = await benchMoonshot({ loads, devproxyBin: devproxyBin && resolve(devproxyBin) })
  console.log(`devproxy moonshot: \`node bench/moonshot.js ${argv.join(' ')}\`, ${new Date().toISOString()}, node ${process.version}, took ${((performance.now() - started) / 1000).toFixed(0)} s`)
  console.log('')
  console.log(formatTable(rows))
  process.exitCode = rows.some((r) => r.pass !== true && r.pass !== undefined) ? 1 : 0
}
