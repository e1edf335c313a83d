// Child processes for the benchmarks: each prints `listening on http://…` (to a file, as a
// user's `devproxy start > proxy.log` would), is found by that line, measured through /proc,
// and stopped. Whatever is still running when the harness exits is killed with it.
import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

const running = new Set()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130))

const LISTENING = /listening on (https?:\/\/[\d.]+:\d+)/

/**
 * Starts `node ...args` with stdout going to `outFile` and waits for its listening line.
 * `nodeFlags` go before the script (e.g. --cpu-prof); `env` is added to this process's.
 */
export async function startChild({ args, outFile, cwd, env, nodeFlags = [], timeoutMs = 10_000 }) {
  const child = spawnNode([...nodeFlags, ...args], { cwd, outFile, env })
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const match = LISTENING.exec(readFileSync(outFile, 'utf8'))
    if (match) return { url: match[1], pid: child.pid, stop: () => stopChild(child), memory: () => memoryOf(child.pid) }
    if (child.exitCode !== null || performance.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`node ${args.join(' ')} did not start: ${child.stderrText().trim() || 'no listening line'}`)
    }
    await sleep(5)
  }
}

/** `node ...args` with stdout to a file (or ignored) and stderr kept for error messages. */
export function spawnNode(args, options) {
  return spawnProcess(process.execPath, args, options)
}

/**
 * `command ...args` (node, nginx) with stdout to a file (or ignored) and stderr kept for error
 * messages; killed with the harness.
 */
export function spawnProcess(command, args, { cwd, outFile, env: extraEnv } = {}) {
  const out = outFile ? openSync(outFile, 'w') : 'ignore'
  const env = { ...process.env, NO_COLOR: '1', ...extraEnv }
  delete env.FORCE_COLOR
  // stdin is a pipe our own scripts watch: if the harness dies, they exit with it.
  const child = spawn(command, args, { cwd, env, stdio: ['pipe', out, 'pipe'] })
  if (typeof out === 'number') closeSync(out)
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (text) => (stderr = (stderr + text).slice(-4_000)))
  child.stderrText = () => stderr
  running.add(child)
  child.once('exit', () => running.delete(child))
  return child
}

/**
 * Runs a measuring tool (wrk, h2load, curl) to its end and resolves with what it printed on
 * stdout and stderr; rejects if it could not start or exited with an error.
 */
export function runTool(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    running.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (text) => (stdout += text))
    child.stderr.setEncoding('utf8').on('data', (text) => (stderr = (stderr + text).slice(-4_000)))
    child.once('error', (error) => (running.delete(child), reject(error)))
    child.once('close', (code) => {
      running.delete(child)
      if (code === 0) resolve({ stdout, stderr })
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${(stderr || stdout).trim().split('\n').slice(-3).join(' ')}`))
    })
  })
}

/** SIGTERM (devproxy finishes in-flight requests and exits), SIGKILL after 5 s. */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}

/** Resident memory of a process, Linux only: now (VmRSS) and peak (VmHWM), in bytes. */
export function memoryOf(pid) {
  let status
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return { rssBytes: NaN, peakRssBytes: NaN }
  }
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') }
}
