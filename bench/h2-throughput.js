// HTTP/2 throughput with h2load (Debian's nghttp2-client): small responses over 8 TLS
// connections of 10 concurrent streams each, devproxy --https against Node's http2 server in
// front of http-proxy-3 (baseline-h2-proxy.js), each subject in turn on a fresh process.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startChild } from './lib/children.js'
import { DEVPROXY_NODE_FLAGS, ROOT } from './lib/subjects.js'
import { compareRows, fmt, row } from './lib/table.js'

const CONNECTIONS = 8
const STREAMS = 10
const TITLE = `h2 small responses, ${CONNECTIONS} conns × ${STREAMS} streams (h2load)`

export async function benchH2Throughput({ upstreamUrl, rounds, durationS, warmupS }) {
  if (spawnSync('h2load', ['--version'], { stdio: 'ignore' }).status !== 0) {
    return [row(`${TITLE}: not run (h2load not found: apt-get install nghttp2-client)`, '—', '—', '', '≥ 0.90×', false)]
  }
  const results = { baseline: [], devproxy: [] }
  const names = Object.keys(results)
  for (let round = 0; round < rounds; round++) {
    for (const name of names.map((_, i) => names[(i + round) % names.length])) {
      const subject = await start(name, upstreamUrl)
      try {
        await h2load(`${subject.url}/small`, warmupS)
        results[name].push(await h2load(`${subject.url}/small`, durationS))
      } finally {
        await subject.stop()
      }
    }
  }
  return compareRows(TITLE, results, {
    labels: { devproxy: 'devproxy --https' },
    value: (sample) => sample.requestsPerSecond,
    format: fmt.perSecond,
    targets: { devproxy: { text: '≥ 0.90×', ok: (ratio) => ratio >= 0.9 } },
  })
}

async function start(name, upstreamUrl) {
  const dir = mkdtempSync(join(tmpdir(), `devproxy-bench-h2-${name}-`))
  const child =
    name === 'baseline'
      ? await startChild({ args: [join(ROOT, 'bench/baseline-h2-proxy.js'), upstreamUrl], cwd: dir, outFile: join(dir, 'stdout.log') })
      : await startChild({
          args: [join(ROOT, 'bin/run.js'), 'start', '--https', '--target', upstreamUrl, '--port', '0', '--no-watch'],
          nodeFlags: DEVPROXY_NODE_FLAGS,
          // Its own CA, made at start (off the measured time), never the user's.
          env: { DEVPROXY_DATA_DIR: join(dir, 'data') },
          cwd: dir,
          outFile: join(dir, 'stdout.log'),
          timeoutMs: 20_000,
        })
  return {
    url: child.url,
    async stop() {
      await child.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Runs h2load for `durationS` seconds; 2xx requests per second and everything that failed. */
function h2load(url, durationS) {
  return new Promise((resolve, reject) => {
    // h2load's -D takes whole seconds (`--quick` warms up for 0.5).
    const child = spawn('h2load', ['-c', String(CONNECTIONS), '-m', String(STREAMS), '-D', String(Math.max(1, Math.round(durationS))), url], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.stderr.on('data', (chunk) => (out += chunk))
    child.on('error', reject)
    child.on('close', () => {
      const finished = /finished in ([\d.]+)s/.exec(out)
      const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out)
      const requests = /requests: \d+ total, \d+ started, \d+ done, \d+ succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(out)
      if (!finished || !codes || !requests) return reject(new Error(`h2load printed no result: ${out.trim().split('\n').slice(-3).join(' ')}`))
      const seconds = Number(finished[1])
      resolve({
        requestsPerSecond: Number(codes[1]) / seconds,
        failures: Number(codes[3]) + Number(codes[4]) + Number(requests[1]) + Number(requests[2]) + Number(requests[3]),
      })
    })
  })
}
