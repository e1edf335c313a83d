// Outbound traffic (issue 30), two rows:
// - a large download through a blind CONNECT tunnel (`devproxy start --forward`, curl
//   --proxytunnel as the client) against the same download straight from nginx: fresh processes
//   in turn, the median of the per-round ratios; target ≥ 0.90×. For reference, the same through
//   the least a Node process can do (connect-relay.js: pipe both ways).
// - small responses over HTTPS through an intercepted CONNECT (`start --intercept`, a client
//   that tunnels: hey, Go's client, with -x) against the same requests through `start --https`
//   as a reverse proxy, hey again: both processes up, loaded in turn (lib/in-turn.js); target
//   ≥ 0.80×. wrk and h2load cannot speak through a proxy; hey (Debian's `hey`) can, and runs in
//   its own process as they do.
import { join } from 'node:path'
import { runTool } from './lib/children.js'
import { inTurn } from './lib/in-turn.js'
import { median } from './lib/stats.js'
import { DEVPROXY_NODE_FLAGS, ROOT, startInOwnDir } from './lib/subjects.js'
import { compareRows, fmt, row } from './lib/table.js'
import { missingTools, tool } from './lib/tools.js'

const MiB = 1024 * 1024
/** The name the intercepted requests are for; the proxy's route sends them to nginx. */
const HOST = 'api.example.test'
const CONNECTIONS = 32

/** `devproxy start ARGS` in a directory (and data directory: its CAs) of its own, with `config` as its proxy.config.mjs if given. */
function startDevproxy(name, args, label = name, config = undefined) {
  return startInOwnDir(name, {
    label,
    args: [join(ROOT, 'bin/run.js'), 'start', ...args, '--port', '0', '--no-watch'],
    nodeFlags: DEVPROXY_NODE_FLAGS,
    env: (dir) => ({ DEVPROXY_DATA_DIR: join(dir, 'data') }),
    files: config === undefined ? {} : { 'proxy.config.mjs': `export default ${JSON.stringify(config)}\n` },
    timeoutMs: 20_000,
  })
}

/** bench/connect-relay.js in its own process: what a bare Node CONNECT relay reaches. */
function startRelay() {
  return startInOwnDir('relay', { label: 'relay', args: [join(ROOT, 'bench/connect-relay.js')] })
}

async function download(url, expectedBytes, proxyArgs) {
  const { stdout } = await runTool(tool('curl'), ['-s', ...proxyArgs, '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{time_total}', url])
  const [status, bytes, seconds] = stdout.trim().split(' ').map(Number)
  return { mibPerSecond: bytes / MiB / seconds, failures: status === 200 && bytes === expectedBytes ? 0 : 1 }
}

/** `path`: where nginx serves `bytes` bytes. */
export async function benchTunnelDownload({ upstreamUrl, rounds, bytes, path }) {
  const size = bytes >= 1024 * MiB ? `${bytes / (1024 * MiB)} GiB` : `${bytes / MiB} MiB`
  const title = `${size} download through a blind CONNECT tunnel`
  const results = { baseline: [], devproxy: [], relay: [] }
  // Not counted: the first download of a fresh file (nginx and the page cache warm up).
  await download(`${upstreamUrl}${path}`, bytes, [])
  const names = ['baseline', 'devproxy', 'relay']
  for (let round = 0; round < rounds; round++) {
    // Each round starts with the next subject.
    for (const name of names.map((_, i) => names[(i + round) % names.length])) {
      if (name === 'baseline') {
        results.baseline.push(await download(`${upstreamUrl}${path}`, bytes, []))
        continue
      }
      const proxy = name === 'relay' ? await startRelay() : await startDevproxy('tunnel', ['--forward'])
      if (name === 'relay') {
        try {
          results.relay.push(await download(`${upstreamUrl}${path}`, bytes, ['-p', '-x', proxy.url]))
        } finally {
          await proxy.stop()
        }
        continue
      }
      try {
        // -p: CONNECT even for an http:// URL, so the bytes go through the tunnel untouched.
        const sample = await download(`${upstreamUrl}${path}`, bytes, ['-p', '-x', proxy.url])
        results.devproxy.push({ ...sample, peakRssBytes: proxy.memory()?.peakRssBytes })
      } finally {
        await proxy.stop()
      }
    }
  }
  return compareRows(title, results, {
    labels: { devproxy: 'devproxy --forward (vs direct)', relay: 'a minimal Node relay, pipe both ways (vs direct)' },
    value: (sample) => sample.mibPerSecond,
    format: fmt.mibPerSecond,
    perRound: true,
    note: (samples) => (samples[0]?.peakRssBytes === undefined ? undefined : `peak RSS ${fmt.mb(Math.max(...samples.map((sample) => sample.peakRssBytes)))}`),
    targets: { devproxy: { text: '≥ 0.90×', ok: (ratio) => ratio >= 0.9 } },
  })
}

/** hey's summary: requests per second, and failures (non-2xx answers and errors). */
async function hey(url, { host, proxy, durationS }) {
  const seconds = Math.max(1, Math.round(durationS))
  const args = ['-c', String(CONNECTIONS), '-z', `${seconds}s`, '-host', host, ...(proxy ? ['-x', proxy] : []), url]
  const { stdout } = await runTool(tool('hey'), args)
  const perSecond = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1])
  if (!Number.isFinite(perSecond)) throw new Error(`hey printed no Requests/sec: ${stdout.trim().split('\n').slice(-3).join(' ')}`)
  const codes = [...stdout.matchAll(/\[(\d{3})\]\s+(\d+) responses/g)].map(([, code, count]) => ({ code: Number(code), count: Number(count) }))
  const ok = codes.filter(({ code }) => code < 400).reduce((sum, { count }) => sum + count, 0)
  const all = codes.reduce((sum, { count }) => sum + count, 0)
  const errors = /Error distribution:([\s\S]*)$/.exec(stdout)?.[1] ?? ''
  const errorCount = [...errors.matchAll(/\[(\d+)\]/g)].reduce((sum, [, count]) => sum + Number(count), 0)
  // Requests cut off when -z runs out are not failures of the subject.
  const cutOff = [...errors.matchAll(/\[(\d+)\][^\n]*(?:Client\.Timeout|context deadline exceeded|request canceled)/g)].reduce((sum, [, count]) => sum + Number(count), 0)
  return { requestsPerSecond: perSecond * (all === 0 ? 0 : ok / all), requests: ok, failures: all - ok + errorCount - cutOff, p99Ms: Number(/99% in ([\d.]+) secs/.exec(stdout)?.[1]) * 1000 }
}

export async function benchInterceptedHttps({ upstreamUrl, rounds, durationS, warmupS }) {
  const title = `HTTPS small responses, ${CONNECTIONS} connections (hey)`
  const missing = missingTools(['hey'])
  if (missing) return [row(`${title}: not run (${missing})`, '—', '—', '', '≥ 0.80×', false)]
  const upstreamPort = new URL(upstreamUrl).port
  // hey sends the Host header's value as SNI, port and all, unless -host names it: a name then.
  const measureOf = (subject, seconds) =>
    subject.name === 'baseline'
      ? hey(`${subject.url.replace(/^http:/, 'https:')}/small`, { host: 'localhost', durationS: seconds })
      : hey(`https://${HOST}:${upstreamPort}/small`, { host: HOST, proxy: subject.url, durationS: seconds })
  const results = await inTurn(['baseline', 'devproxy'], {
    rounds,
    // Both from a config file (so both run under start's supervisor), the default log to a file,
    // one route to nginx. Outbound requests go to routes that name their host.
    start: (name) =>
      name === 'baseline'
        ? startDevproxy(name, [], 'reverse-https', { port: 0, https: true, routes: [{ path: '/', target: upstreamUrl }] })
        : startDevproxy(name, [], 'intercept', { port: 0, routes: [{ host: HOST, path: '/', target: upstreamUrl }], outbound: { intercept: [HOST] } }),
    warmup: (subject) => measureOf(subject, warmupS),
    measure: (subject) => measureOf(subject, durationS),
  })
  const note = (samples) => `p99 ${fmt.ms(median(samples.map((sample) => sample.p99Ms)))}`
  return compareRows(title, results, {
    labels: { devproxy: 'intercepted CONNECT (vs start --https)' },
    value: (sample) => sample.requestsPerSecond,
    format: fmt.perSecond,
    perRound: true,
    note,
    baselineNote: note,
    targets: { devproxy: { text: '≥ 0.80×', ok: (ratio) => ratio >= 0.8 } },
  })
}
