import { spawn } from 'node:child_process'
import { exitCodeOf } from './exit-code.js'
import { RunError } from './run-error.js'

/**
 * Runs the command as the user's terminal would: the same stdin, stdout and stderr; SIGINT,
 * SIGTERM and SIGHUP sent to `devproxy run` are passed on (a terminal's Ctrl-C reaches both,
 * as it reaches npm and its scripts, which pass it on too), and `devproxy run` waits for the
 * command to end. Resolves with its exit code (128 + n for signal n); a command that cannot be
 * started rejects with a RunError (127 not found, 126 not executable).
 */

export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

export function runCommand(command: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [file = '', ...args] = command
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'inherit', env })
    const forward = (signal: NodeJS.Signals) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    }
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward)
    const done = () => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward)
    }
    child.once('error', (error: NodeJS.ErrnoException) => {
      done()
      reject(startError(file, error))
    })
    child.once('exit', (code, signal) => {
      done()
      resolve(exitCodeOf(code, signal))
    })
  })
}

function startError(file: string, error: NodeJS.ErrnoException): Error {
  if (error.code === 'ENOENT') {
    return new RunError('command_not_found', `${file}: command not found`, { suggestion: 'check its spelling and that it is on your PATH (or give its path)', exit: 127 })
  }
  if (error.code === 'EACCES') {
    return new RunError('command_not_executable', `${file}: permission denied`, { suggestion: `make it executable (chmod +x ${file}) or run it with its interpreter`, exit: 126 })
  }
  return error
}
