// Start-up as a user feels it: `devproxy --help` until it exits, and `devproxy start` until a
// request through it answers 200 (polled every 5 ms). `node -e 0` is the floor for reference.
import http from 'node:http'
import net from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { spawnNode, stopChild } from './lib/children.js'
import { median } from './lib/stats.js'
import { DEVPROXY_NODE_FLAGS, ROOT } from './lib/subjects.js'
import { fmt, row } from './lib/table.js'

const DEVPROXY = join(ROOT, 'bin/run.js')

async function timeToExit(args) {
  const started = performance.now()
  const child = spawnNode(args)
  const code = await new Promise((resolve) => child.once('exit', resolve))
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}: ${child.stderrText()}`)
  return performance.now() - started
}

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

function status(url) {
  return new Promise((resolve) => {
    http.get(url, { agent: false }, (res) => resolve(res.resume().statusCode)).on('error', () => resolve(undefined))
  })
}

async function timeToFirst200(upstreamUrl) {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'devproxy-bench-startup-'))
  const started = performance.now()
  const child = spawnNode([...DEVPROXY_NODE_FLAGS, DEVPROXY, 'start', '--target', upstreamUrl, '--port', String(port), '--no-watch'], { cwd: dir, outFile: join(dir, 'stdout.log') })
  try {
    while ((await status(`http://127.0.0.1:${port}/small`)) !== 200) {
      if (child.exitCode !== null) throw new Error(`devproxy start exited ${child.exitCode}: ${child.stderrText()}`)
      if (performance.now() - started > 10_000) throw new Error('devproxy start: no 200 within 10 s')
      await sleep(5)
    }
    return performance.now() - started
  } finally {
    await stopChild(child)
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function benchStartup({ upstreamUrl, runs }) {
  const node = [], help = [], start = []
  // Interleaved, so a slow moment of the machine lands on all three alike.
  for (let i = 0; i < runs; i++) {
    node.push(await timeToExit(['-e', '0']))
    help.push(await timeToExit([...DEVPROXY_NODE_FLAGS, DEVPROXY, '--help']))
    start.push(await timeToFirst200(upstreamUrl))
  }
  const floor = median(node)
  const line = (name, samples, limitMs) => {
    const mine = median(samples)
    return row(`${name} (median of ${runs}; baseline: \`node -e 0\`)`, fmt.wholeMs(mine), fmt.wholeMs(floor), fmt.delta(mine - floor), `< ${limitMs} ms`, mine < limitMs)
  }
  return [line('start-up: `devproxy --help`', help, 300), line('start-up: `devproxy start` → first proxied 200', start, 700)]
}
