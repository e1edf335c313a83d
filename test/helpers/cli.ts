import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'

export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface CliResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

const PLAIN_ENV = { NO_COLOR: '1', FORCE_COLOR: undefined }

function envFor(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...PLAIN_ENV, ...extra }
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key]
  return env
}

/** A user-facing failure is a message, never a stack trace. */
export function expectNoStack(text: string): void {
  expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
}

/** Runs `devproxy ARGS` to completion, as a user would from a shell. */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: envFor(options.env) })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

export interface RunningCli {
  readonly child: ChildProcessWithoutNullStreams
  stdout(): string
  stderr(): string
  /**
   * Resolves with the first match of `pattern` in stdout (or stderr), waiting for it to be
   * printed; `from` skips output already seen (pass the length read before an action).
   */
  waitFor(pattern: RegExp, options?: { stream?: 'stdout' | 'stderr'; from?: number }): Promise<RegExpMatchArray>
  /** Resolves when the process exits. */
  exited: Promise<CliResult>
}

/** Starts a long-running `devproxy ARGS` (e.g. `start`) and lets the test wait on its output. */
export function spawnCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: envFor(options.env) })
  let stdout = ''
  let stderr = ''
  const waiters: Array<() => void> = []
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    for (const check of waiters.splice(0)) check()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
    for (const check of waiters.splice(0)) check()
  })
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      for (const check of waiters.splice(0)) check()
      resolve({ code, signal, stdout, stderr })
    })
  })
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor(pattern, { stream = 'stdout', from = 0 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = (stream === 'stdout' ? stdout : stderr).slice(from).match(pattern)
          if (match) resolve(match)
          else if (child.exitCode !== null || child.signalCode !== null) {
            reject(new Error(`devproxy exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`))
          } else waiters.push(check)
        }
        check()
      })
    },
  }
}
