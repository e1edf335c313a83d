import { constants } from 'node:os'

/** The exit code of a command that ended with `code` or died of `signal`: 128 + the signal's number, as shells say it. Pure. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code
  const number = signal === null ? undefined : constants.signals[signal]
  return number === undefined ? 1 : 128 + number
}
