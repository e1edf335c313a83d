import { execFile } from 'node:child_process'
import { chmod, copyFile, mkdir, rm } from 'node:fs/promises'
import type { StepOutcome, StepRunner, TrustStep } from './trust-step.js'

/**
 * The one place `devproxy trust` changes the machine: store tools run with execFile (no shell,
 * so no quoting of paths) and a time limit, files copied or removed with fs. Never throws: a
 * failure is an outcome with the tool's own words.
 */

/** What a store's tool gets unless its step says otherwise: certutil and update-ca-certificates take well under a second. */
export const DEFAULT_STEP_TIMEOUT_MS = 30_000

export const runStep: StepRunner = async (step) => {
  try {
    switch (step.op) {
      case 'run':
        return await runTool(step)
      case 'copy':
        await copyFile(step.from, step.to)
        // A certificate is public; update-ca-certificates skips files it cannot read as another user.
        await chmod(step.to, 0o644)
        return { ok: true, stdout: '' }
      case 'remove':
        await rm(step.file, { force: true })
        return { ok: true, stdout: '' }
      case 'mkdir':
        await mkdir(step.dir, { recursive: true, mode: 0o700 })
        return { ok: true, stdout: '' }
    }
  } catch (error) {
    return { ok: false, problem: describeOsError(error) }
  }
}

function runTool(step: Extract<TrustStep, { op: 'run' }>): Promise<StepOutcome> {
  const timeoutMs = step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS
  return new Promise((resolve) => {
    execFile(step.file, [...step.args], { timeout: timeoutMs, windowsHide: true, encoding: 'utf8', maxBuffer: 8 << 20 }, (error, stdout, stderr) => {
      if (error === null) return resolve({ ok: true, stdout })
      const { code, killed, signal } = error as NodeJS.ErrnoException & { killed?: boolean; signal?: NodeJS.Signals | null }
      if (code === 'ENOENT') return resolve({ ok: false, problem: 'not found (it is not on PATH)' })
      if (killed && signal) return resolve({ ok: false, problem: `did not finish within ${timeoutMs / 1000}s, so it was stopped` })
      const said = firstLines(stderr || stdout)
      const status = typeof code === 'number' ? `exited with code ${code}` : signal ? `was killed by ${signal}` : error.message
      resolve({ ok: false, problem: said === '' ? status : `${status} (${said})` })
    })
  })
}

/** The tool's message on one line: certutil splits one message over two (`…cert: NAME\n: PR_FILE_NOT_FOUND_ERROR…`). */
function firstLines(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(0, 2)
    .join(' ')
}

/** `EACCES: permission denied, open '/x'` → `permission denied (EACCES)`. */
function describeOsError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException
  if (code === undefined) return message
  const words = message.replace(`${code}: `, '').replace(/, \w+( '.*')?$/, '')
  return `${words} (${code})`
}
