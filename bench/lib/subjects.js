// What is measured: the upstream reached directly, the bare engine (the baseline every ratio is
// taken against), and devproxy as a user runs it — log to a file, with diffs, recording.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startChild } from './children.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const DEVPROXY = join(ROOT, 'bin/run.js')
/** The node flags on a devproxy bin/run.js's shebang: what a user's shell runs `devproxy` with. */
export function nodeFlagsOf(bin) {
  return (readFileSync(bin, 'utf8').split('\n')[0] ?? '').split(/\s+/).filter((word) => word.startsWith('--'))
}
/** `BENCH_NODE_FLAGS="--a --b"` replaces them, to measure a flag's effect (e.g. a V8 heap setting). */
export const DEVPROXY_NODE_FLAGS = process.env.BENCH_NODE_FLAGS !== undefined ? process.env.BENCH_NODE_FLAGS.split(/\s+/).filter(Boolean) : nodeFlagsOf(DEVPROXY)

/** The devproxy command line for a subject (`start ...` or `record ...`), upstream `target`. */
const COMMANDS = {
  devproxy: (target) => ['start', '--target', target, '--port', '0', '--no-watch'],
  verbose: (target) => ['start', '--target', target, '--port', '0', '--no-watch', '-v'],
  bodyDiffs: (target) => ['start', '--target', target, '--port', '0', '--no-watch', '-vv'],
  recording: (target) => ['record', '--target', target, '--port', '0', '--no-watch', '--out', 'bench.har'],
}

export const LABELS = {
  direct: 'direct to upstream',
  baseline: 'bare http-proxy-3',
  devproxy: 'devproxy (log to file)',
  verbose: 'devproxy -v',
  bodyDiffs: 'devproxy -vv',
  recording: 'devproxy record',
}

/** `devproxy record` is measured only once it exists (`record --help` exits 0). */
export function recordingBuilt() {
  return spawnSync(process.execPath, [DEVPROXY, 'record', '--help'], { stdio: 'ignore' }).status === 0
}

/**
 * Starts a subject in a fresh process and temp directory (its log, HAR and state file go
 * there) and resolves once it listens. `BENCH_CPU_PROF=DIR` writes each one's CPU profile there.
 */
export async function startSubject(name, upstreamUrl) {
  if (name === 'direct') return { name, url: upstreamUrl, pid: undefined, memory: () => undefined, stop: async () => {} }
  const args = name === 'baseline' ? [join(ROOT, 'bench/baseline-proxy.js'), upstreamUrl] : [DEVPROXY, ...COMMANDS[name](upstreamUrl)]
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []
  const nodeFlags = name === 'baseline' ? profile : [...DEVPROXY_NODE_FLAGS, ...profile]
  return startInOwnDir(name, { label: name, args, nodeFlags })
}

/**
 * `node ...args` as subject `name`, in a temp directory of its own (its stdout, state file and,
 * with `env`, data directory go there; `files` are written there first), resolved once it
 * listens; `stop()` ends it and removes the directory.
 */
export async function startInOwnDir(name, { label, args, nodeFlags = [], env, files = {}, timeoutMs }) {
  const dir = mkdtempSync(join(tmpdir(), `devproxy-bench-${label}-`))
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text)
  const child = await startChild({ args, nodeFlags, env: env?.(dir), cwd: dir, outFile: join(dir, 'stdout.log'), timeoutMs })
  return {
    name,
    url: child.url,
    pid: child.pid,
    memory: child.memory,
    async stop() {
      await child.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * A subject for the profiling tools (cpu-per-request.js, ab.js): a name above, `dp:FLAGS` for
 * `devproxy start` with extra flags (e.g. `dp:-q`), or `copy:DIR:COMMAND` for another build of
 * devproxy (a copy of bin/, dist/, package.json, oclif.manifest.json and a node_modules link in
 * DIR, e.g. with one change patched into dist/) running COMMAND (default `start`).
 */
export function startNamed(name, upstreamUrl, dir) {
  const [kind, ...rest] = name.split(':')
  if (kind !== 'dp' && kind !== 'copy') return startSubject(name, upstreamUrl)
  const root = kind === 'copy' ? rest.shift() : ROOT
  const [command, ...flags] = (kind === 'copy' ? rest.join(':') || 'start' : `start ${rest.join(':')}`).split(' ').filter(Boolean)
  const args = [join(root, 'bin/run.js'), command, '--target', upstreamUrl, '--port', '0', '--no-watch', ...flags]
  const outDir = mkdtempSync(join(dir, 'subject-'))
  // A copy runs with its own shebang's flags, as its `devproxy` would.
  return startChild({ args, nodeFlags: nodeFlagsOf(join(root, 'bin/run.js')), cwd: outDir, outFile: join(outDir, 'proxy.log') })
}

/**
 * User + system CPU of a process and its descendants so far, in ms (Linux: clock ticks are
 * 10 ms). `devproxy start` with a config file runs the proxy as a child of a small supervisor
 * (src/cli/supervise.ts): the proxy's CPU is the tree's.
 */
export function cpuMs(pid) {
  const stats = processStats()
  const tree = [pid]
  for (let i = 0; i < tree.length; i++) for (const stat of stats) if (stat.ppid === tree[i]) tree.push(stat.pid)
  return tree.reduce((total, member) => total + (stats.find((stat) => stat.pid === member)?.cpuMs ?? 0), 0)
}

/** pid, parent and CPU of every process (a scan of /proc: not every kernel lists a process's children). */
function processStats() {
  const stats = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const fields = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1].split(' ')
      stats.push({ pid: Number(name), ppid: Number(fields[1]), cpuMs: (Number(fields[11]) + Number(fields[12])) * 10 })
    } catch {
      // It exited while we looked.
    }
  }
  return stats
}

/** Subjects that cannot run in this checkout, with why (a row says so instead of a number). */
export const unavailable = new Map()

/**
 * Runs `measure(subject)` on each subject in turn, `rounds` times, each on a fresh process.
 * Returns the samples by subject name (or, for an unavailable subject, the reason).
 */
export async function alternate(names, rounds, upstreamUrl, measure) {
  const results = Object.fromEntries(names.map((name) => [name, unavailable.get(name) ?? []]))
  const runnable = names.filter((name) => !unavailable.has(name))
  for (let round = 0; round < rounds; round++) {
    // Each round starts with the next subject, so none always runs first on a cold machine.
    for (const name of runnable.map((_, i) => runnable[(i + round) % runnable.length])) {
      const subject = await startSubject(name, upstreamUrl)
      try {
        results[name].push(await measure(subject))
      } finally {
        await subject.stop()
      }
    }
  }
  return results
}
