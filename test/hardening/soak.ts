/**
 * `npm run soak`: the proxy as a user runs it (`devproxy start` from the built CLI, a watched
 * config with retries and a 2% 5xx fault) under mixed traffic for SOAK_MINUTES (default 10):
 * keep-alive and new-connection requests, server-sent events, WebSocket echo, downloads, 1%
 * intentional client aborts, and a config rewrite every 30 s whose reload must be printed.
 *
 * Fails (exit 1) on any unexpected error (anything that is neither an injected fault, marked
 * `x-devproxy-fault`, nor an intentional abort), a crash, a missed reload, or growth past sane
 * bounds: proxy RSS more than 50 MB or open file descriptors more than 50 above the warm
 * baseline. Prints a summary table either way.
 */
import { spawn } from 'node:child_process'
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { startDemoUpstream } from '../../src/demo/demo-upstream.js'

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10)
if (!(MINUTES > 0)) throw new Error(`SOAK_MINUTES must be a positive number, got ${process.env.SOAK_MINUTES}`)
const DURATION_MS = MINUTES * 60_000
const RELOAD_EVERY_MS = 30_000
const WARM_UP_MS = Math.min(10_000, DURATION_MS / 6)
const SAMPLE_EVERY_MS = 60_000
const ABORT_RATE = 0.01
const REQUEST_BOUND_MS = 15_000
const MAX_RSS_GROWTH_MB = 50
const MAX_FD_GROWTH = 50
const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

// ─── bookkeeping ────────────────────────────────────────────────────────────────────────────
type Kind = 'keep-alive' | 'new-connection' | 'sse' | 'websocket' | 'download'
type Result = 'ok' | 'fault' | 'abort' | 'unexpected'
const counts = new Map<Kind, Record<Result, number>>()
const unexpected: string[] = []
function count(kind: Kind, result: Result, detail?: string): void {
  const row = counts.get(kind) ?? { ok: 0, fault: 0, abort: 0, unexpected: 0 }
  row[result]++
  counts.set(kind, row)
  if (result === 'unexpected') unexpected.push(`${new Date().toISOString()} ${kind}: ${detail}`)
}

interface Sample {
  readonly label: string
  readonly atS: number
  readonly rssMb: number
  readonly fds: number
}
const samples: Sample[] = []
const startedAt = performance.now()
function sample(pid: number, label: string): Sample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN)
  const s = { label, atS: Math.round((performance.now() - startedAt) / 1000), rssMb: rssKb / 1024, fds: readdirSync(`/proc/${pid}/fd`).length }
  samples.push(s)
  console.log(`  [${s.atS}s] ${label}: RSS ${s.rssMb.toFixed(1)} MB, ${s.fds} fds, ${totals().requests} exchanges so far`)
  return s
}
function totals() {
  let requests = 0
  for (const row of counts.values()) requests += row.ok + row.fault + row.abort + row.unexpected
  return { requests }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const chance = (p: number) => Math.random() < p

// ─── the proxy, as a user runs it ───────────────────────────────────────────────────────────
function configText(upstream: string, timeoutMs: number): string {
  return `import { defineConfig } from 'devproxy'

export default defineConfig({
  port: 0,
  routes: [
    {
      name: 'api',
      path: '/api',
      target: '${upstream}',
      timeoutMs: ${timeoutMs},
      retry: { attempts: 3, on: ['connect-failure', 'reset', 'timeout', '5xx'], baseMs: 10, maxMs: 100 },
    },
    { name: 'demo', path: '/', target: '${upstream}' },
  ],
  faults: ['5xx 2% --route api'],
})
`
}

/** The proxy's stdout goes to a file (it prints a line per transaction); this reads what is new. */
class OutputFile {
  private offset = 0
  constructor(readonly path: string) {}
  size(): number {
    return statSync(this.path).size
  }
  /** Waits, bounded, until `pattern` appears in output written after byte `from`. */
  async waitFor(pattern: RegExp, from: number, boundMs: number, alive: () => boolean): Promise<RegExpMatchArray> {
    const deadline = performance.now() + boundMs
    this.offset = from
    let text = ''
    for (;;) {
      const size = this.size()
      if (size > this.offset) {
        const fd = openSync(this.path, 'r')
        const buffer = Buffer.alloc(size - this.offset)
        readSync(fd, buffer, 0, buffer.length, this.offset)
        closeSync(fd)
        this.offset = size
        text += buffer.toString('utf8')
        const match = text.match(pattern)
        if (match) return match
        // Keep a tail in case the line is split across reads.
        text = text.slice(-4096)
      }
      if (!alive()) throw new Error(`the proxy exited before printing ${pattern}`)
      if (performance.now() > deadline) throw new Error(`the proxy did not print ${pattern} within ${boundMs} ms`)
      await sleep(50)
    }
  }
}

// ─── traffic ────────────────────────────────────────────────────────────────────────────────
interface Call {
  readonly agent: http.Agent | false
  readonly method: string
  readonly path: string
  readonly body?: string
  /** Why a 2xx response is wrong, or undefined when it is right. */
  readonly check: (status: number, body: string) => string | undefined
}

/** The one result of an exchange: counted once (as 'abort' when it was meant to be cut short), then `done`. */
function settleOnce(kind: Kind, abort: boolean, done: () => void): (result: Result, detail?: string) => void {
  let settled = false
  return (result, detail) => {
    if (settled) return
    settled = true
    count(kind, abort ? 'abort' : result, detail)
    done()
  }
}

function call(base: URL, kind: Kind, c: Call): Promise<void> {
  const abort = chance(ABORT_RATE)
  return new Promise((resolve) => {
    const finish = settleOnce(kind, abort, () => {
      clearTimeout(bound)
      resolve()
    })
    const req = http.request(
      { host: base.hostname, port: base.port, method: c.method, path: c.path, agent: c.agent, headers: c.body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(c.body) } : {} },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', (error) => finish('unexpected', `${c.method} ${c.path}: response error ${error.message}`))
        res.on('end', () => {
          const status = res.statusCode ?? 0
          const body = Buffer.concat(chunks).toString('utf8')
          if (res.headers['x-devproxy-fault']) return finish('fault')
          if (!res.complete) return finish('unexpected', `${c.method} ${c.path}: ${status} cut short after ${body.length} bytes`)
          if (status < 200 || status > 299) return finish('unexpected', `${c.method} ${c.path}: ${status} ${body.slice(0, 300)}`)
          const wrong = c.check(status, body)
          finish(wrong ? 'unexpected' : 'ok', wrong && `${c.method} ${c.path}: ${wrong}`)
        })
        res.on('close', () => finish('unexpected', `${c.method} ${c.path}: response closed before its end`))
      },
    )
    const bound = setTimeout(() => {
      finish('unexpected', `${c.method} ${c.path}: no answer within ${REQUEST_BOUND_MS} ms`)
      req.destroy()
    }, REQUEST_BOUND_MS)
    req.on('error', (error: NodeJS.ErrnoException) => finish('unexpected', `${c.method} ${c.path}: ${error.code ?? error.message}`))
    // An intentional abort: gone after a moment, whatever state the exchange is in.
    if (abort) setTimeout(() => req.destroy(), Math.random() * 5)
    req.end(c.body)
  })
}

function apiCall(agent: http.Agent | false): Call {
  const r = Math.random()
  if (r < 0.6) return { agent, method: 'GET', path: '/api/users', check: (_s, body) => (Array.isArray(JSON.parse(body)) ? undefined : 'not a user list') }
  if (r < 0.8) return { agent, method: 'GET', path: '/api/users/1', check: (_s, body) => (JSON.parse(body).id === 1 ? undefined : `not user 1: ${body}`) }
  const payload = JSON.stringify({ n: Math.floor(Math.random() * 1e9), text: 'soak' })
  return {
    agent,
    method: 'POST',
    path: '/api/echo',
    body: payload,
    check: (_s, body) => (JSON.parse(body).body === payload ? undefined : `echo mismatch: ${body.slice(0, 200)}`),
  }
}

async function keepAliveWorker(base: URL, until: () => boolean): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  while (!until()) {
    await call(base, 'keep-alive', apiCall(agent))
    await sleep(20)
  }
  agent.destroy()
}

async function newConnectionWorker(base: URL, until: () => boolean): Promise<void> {
  while (!until()) {
    await call(base, 'new-connection', apiCall(false))
    await sleep(40)
  }
}

async function downloadWorker(base: URL, until: () => boolean): Promise<void> {
  while (!until()) {
    await call(base, 'download', { agent: false, method: 'GET', path: '/download?mb=2', check: (_s, body) => (body.length === 2 * 1024 * 1024 ? undefined : `got ${body.length} bytes`) })
    await sleep(200)
  }
}

function sseStream(base: URL): Promise<void> {
  const abort = chance(ABORT_RATE)
  return new Promise((resolve) => {
    const finish = settleOnce('sse', abort, () => {
      clearTimeout(bound)
      resolve()
    })
    const req = http.get({ host: base.hostname, port: base.port, path: '/events?count=10&intervalMs=20', agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
        if (abort && text.includes('event: tick')) req.destroy()
      })
      res.on('end', () => {
        const ticks = text.match(/^event: tick$/gm)?.length ?? 0
        if (res.statusCode === 200 && res.complete && ticks === 10) finish('ok')
        else finish('unexpected', `events: ${res.statusCode}, ${ticks} of 10 events, complete ${res.complete}`)
      })
      res.on('close', () => finish('unexpected', 'events: closed before the end'))
    })
    const bound = setTimeout(() => {
      finish('unexpected', `events: not done within ${REQUEST_BOUND_MS} ms`)
      req.destroy()
    }, REQUEST_BOUND_MS)
    req.on('error', (error: NodeJS.ErrnoException) => finish('unexpected', `events: ${error.code ?? error.message}`))
  })
}

async function sseWorker(base: URL, until: () => boolean): Promise<void> {
  while (!until()) await sseStream(base)
}

function webSocketSession(base: URL): Promise<void> {
  const abort = chance(ABORT_RATE)
  return new Promise((resolve) => {
    const finish = settleOnce('websocket', abort, () => {
      clearTimeout(bound)
      resolve()
    })
    const ws = new WebSocket(`ws://${base.host}/ws`)
    const bound = setTimeout(() => {
      finish('unexpected', `websocket: not done within ${REQUEST_BOUND_MS} ms`)
      ws.terminate()
    }, REQUEST_BOUND_MS)
    let n = 0
    let expected = ''
    const sendNext = () => {
      expected = `message ${n} ${Math.random()}`
      ws.send(expected)
    }
    ws.on('open', sendNext)
    ws.on('message', (data) => {
      if (data.toString() !== expected) return finish('unexpected', `websocket: echo ${JSON.stringify(data.toString())} for ${JSON.stringify(expected)}`)
      n++
      if (abort && n === 3) return ws.terminate()
      if (n < 10) sendNext()
      else ws.close(1000)
    })
    ws.on('close', (code) => finish(n === 10 && code === 1000 ? 'ok' : 'unexpected', `websocket: closed with ${code} after ${n} of 10 echoes`))
    ws.on('error', (error: NodeJS.ErrnoException) => finish('unexpected', `websocket: ${error.code ?? error.message}`))
  })
}

async function webSocketWorker(base: URL, until: () => boolean): Promise<void> {
  while (!until()) {
    await webSocketSession(base)
    await sleep(50)
  }
}

// ─── the run ────────────────────────────────────────────────────────────────────────────────
async function main(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'devproxy-soak-'))
  const upstream = await startDemoUpstream()
  const configFile = join(dir, 'proxy.config.ts')
  let timeoutMs = 30_000
  await writeFile(configFile, configText(upstream.url, timeoutMs))

  const out = new OutputFile(join(dir, 'proxy.out'))
  const outFd = openSync(out.path, 'w')
  const errFd = openSync(join(dir, 'proxy.err'), 'w')
  const child = spawn(process.execPath, [BIN, 'start', '--config', configFile, '--port', '0'], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
    stdio: ['ignore', outFd, errFd],
  })
  closeSync(outFd)
  closeSync(errFd)
  let exit: string | undefined
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = `code ${code}, signal ${signal}`
      resolve()
    }),
  )
  const alive = () => exit === undefined
  const failures: string[] = []
  let reloads = 0

  try {
    const [, url] = await out.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 0, 20_000, alive)
    await out.waitFor(/watching proxy\.config\.ts for changes/, 0, 5_000, alive)
    const base = new URL(url!)
    const pid = child.pid!
    console.log(`soak: ${MINUTES} min against ${url} (pid ${pid}), upstream ${upstream.url}, output in ${dir}`)
    const idle = sample(pid, 'idle, before traffic')

    const trafficStartMs = performance.now()
    const stopAt = trafficStartMs + DURATION_MS
    let crashed = false
    const until = () => crashed || performance.now() >= stopAt
    void exited.then(() => (crashed = true))
    const workers = [
      ...Array.from({ length: 4 }, () => keepAliveWorker(base, until)),
      ...Array.from({ length: 2 }, () => newConnectionWorker(base, until)),
      ...Array.from({ length: 2 }, () => sseWorker(base, until)),
      ...Array.from({ length: 2 }, () => webSocketWorker(base, until)),
      downloadWorker(base, until),
    ]

    // The config rewrite loop and the sampler run beside the traffic.
    const reloader = (async () => {
      while (!until()) {
        await Promise.race([sleep(Math.min(RELOAD_EVERY_MS, Math.max(0, stopAt - performance.now()))), exited])
        if (until()) break
        timeoutMs = timeoutMs === 30_000 ? 29_000 : 30_000
        const from = out.size()
        await writeFile(configFile, configText(upstream.url, timeoutMs))
        try {
          await out.waitFor(/↻ proxy\.config\.ts reloaded: 1 changed/, from, 10_000, alive)
          reloads++
        } catch (error) {
          failures.push(`reload ${reloads + 1}: ${(error as Error).message}`)
        }
      }
    })()
    await Promise.race([sleep(WARM_UP_MS), exited])
    const warm = alive() ? sample(pid, 'warm (baseline)') : idle
    const sampler = (async () => {
      let next = SAMPLE_EVERY_MS
      while (!until()) {
        await Promise.race([sleep(Math.min(1_000, Math.max(0, stopAt - performance.now()))), exited])
        if (!until() && performance.now() - trafficStartMs >= next) {
          sample(pid, `minute ${next / 60_000}`)
          next += SAMPLE_EVERY_MS
        }
      }
    })()

    await Promise.race([sleep(Math.max(0, stopAt - performance.now())), exited])
    const end = alive() ? sample(pid, 'end, under load') : undefined
    await Promise.all([...workers, reloader, sampler])
    if (alive()) sample(pid, 'after traffic stopped')

    if (!alive()) failures.push(`the proxy crashed (${exit}); see ${dir}/proxy.err`)
    if (end) {
      if (end.rssMb > warm.rssMb + MAX_RSS_GROWTH_MB) failures.push(`RSS grew ${(end.rssMb - warm.rssMb).toFixed(1)} MB (over ${MAX_RSS_GROWTH_MB})`)
      if (end.fds > warm.fds + MAX_FD_GROWTH) failures.push(`open fds grew by ${end.fds - warm.fds} (over ${MAX_FD_GROWTH})`)
    }
    const expectedReloads = Math.floor(DURATION_MS / RELOAD_EVERY_MS) - (DURATION_MS % RELOAD_EVERY_MS === 0 ? 1 : 0)
    if (reloads < expectedReloads) failures.push(`${reloads} reloads seen, ${expectedReloads} expected`)
    if (unexpected.length > 0) failures.push(`${unexpected.length} unexpected error(s)`)
  } catch (error) {
    failures.push((error as Error).message)
  } finally {
    if (alive()) {
      child.kill('SIGINT')
      const stopped = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)])
      if (!stopped) {
        failures.push('the proxy did not stop within 10 s of SIGINT')
        child.kill('SIGKILL')
      } else if (!/code 0\b/.test(exit ?? '')) failures.push(`the proxy stopped with ${exit} after SIGINT`)
    }
    await upstream.close()
  }

  report(reloads, failures)
  const stderr = readFileSync(join(dir, 'proxy.err'), 'utf8').trim()
  if (stderr) console.log(`\nproxy stderr:\n${stderr.split('\n').slice(-20).join('\n')}`)
  if (failures.length === 0) await rm(dir, { recursive: true, force: true })
  else console.log(`\noutput kept in ${dir}`)
  return failures.length === 0 ? 0 : 1
}

function report(reloads: number, failures: string[]): void {
  const pad = (v: string | number, n: number) => String(v).padStart(n)
  console.log(`\nsoak summary (${MINUTES} min, ${reloads} config reloads)\n`)
  console.log(`${'traffic'.padEnd(16)}${pad('ok', 9)}${pad('faults', 9)}${pad('aborts', 9)}${pad('unexpected', 12)}`)
  const sum = { ok: 0, fault: 0, abort: 0, unexpected: 0 }
  for (const [kind, row] of counts) {
    console.log(`${kind.padEnd(16)}${pad(row.ok, 9)}${pad(row.fault, 9)}${pad(row.abort, 9)}${pad(row.unexpected, 12)}`)
    for (const key of Object.keys(sum) as Result[]) sum[key] += row[key]
  }
  console.log(`${'total'.padEnd(16)}${pad(sum.ok, 9)}${pad(sum.fault, 9)}${pad(sum.abort, 9)}${pad(sum.unexpected, 12)}`)
  console.log(`\n${'sample'.padEnd(26)}${pad('t (s)', 7)}${pad('RSS (MB)', 10)}${pad('fds', 6)}`)
  for (const s of samples) console.log(`${s.label.padEnd(26)}${pad(s.atS, 7)}${pad(s.rssMb.toFixed(1), 10)}${pad(s.fds, 6)}`)
  if (unexpected.length > 0) {
    console.log(`\nunexpected errors (first 20 of ${unexpected.length}):`)
    for (const line of unexpected.slice(0, 20)) console.log(`  ${line}`)
  }
  console.log(failures.length === 0 ? '\nPASS' : `\nFAIL\n${failures.map((f) => `  - ${f}`).join('\n')}`)
}

process.exitCode = await main()
