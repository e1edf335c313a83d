import { createLogger } from '../log/logger.js'
import { describeFailure, formatFailure, formatFailureJson } from './user-error.js'

/**
 * For the entry shims (bin/run.js, bin/dev.js): whatever no command caught — an unknown
 * command (the command_not_found hook), `devproxy help nonsense`, oclif failing to load — is
 * reported the way a command reports its own failures. Returns the exit code; a command that
 * already reported (oclif's exit signal) only passes its code on.
 */
export function reportFailure(error: unknown, argv: readonly string[]): number {
  const failure = describeFailure(error)
  if (failure === undefined) return (error as { oclif?: { exit?: number } }).oclif?.exit ?? 1
  const end = argv.indexOf('--')
  const json = argv.slice(0, end === -1 ? undefined : end).includes('--json')
  if (json) process.stdout.write(formatFailureJson(failure))
  else process.stderr.write(formatFailure(failure, createLogger().palette))
  if (failure.internal && process.env.DEBUG && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`)
  return failure.exit
}
