import type { ConfigIssue } from '../config/validate.js'
import type { DevproxyError } from '../errors.js'
import type { Palette } from '../terminal/palette.js'
import { cleanParseMessage, usageErrorFromParse, type CommandShape } from './usage-error.js'

/**
 * How a command shows a DevproxyError: the message as written (a config error may carry a
 * code frame, which must not be re-wrapped), then what to do about it. No stack trace.
 */
export function formatUserError(error: DevproxyError, palette: Palette): string {
  const [first = '', ...rest] = error.message.split('\n')
  const lines = [`${palette.error('error:')} ${first}`, ...rest.map((line) => `  ${line}`)]
  if (error.suggestion) lines.push(`${palette.dim('hint:')} ${error.suggestion}`)
  return lines.join('\n')
}

/** What a failed command tells the user: `error:` and `hint:` lines, or one JSON object. */
export interface Failure {
  /** Stable: the DevproxyError's code, `unknown_flag`…, or `internal` for a bug. */
  readonly code: string
  readonly message: string
  readonly hint: string | undefined
  /** Config errors: each problem with the file and the field at fault. */
  readonly issues?: readonly FailureIssue[] | undefined
  readonly exit: number
  /** Not a user mistake: the stack is worth printing when debugging. */
  readonly internal?: boolean
}

export interface FailureIssue {
  /** Absolute; null when the config did not come from a file (`--target`). */
  readonly file: string | null
  /** The dotted path of the field (`routes[0].target`); `''` for the file as a whole. */
  readonly path: string
  readonly message: string
  readonly hint: string | null
}

/**
 * Any error a command (or oclif on its behalf) throws, as the user should see it; undefined for
 * oclif's exit signal (`this.exit(n)`: already reported). `command` lets a parse error name the
 * command and its flags. Exit codes: 2 for a wrong command line, 1 for anything else unless the
 * command asked for another (`this.error(error, { exit: 2 })`).
 */
export function describeFailure(error: unknown, command?: CommandShape, bin = 'devproxy'): Failure | undefined {
  if (!(error instanceof Error)) return { code: 'internal', message: String(error), hint: BUG_HINT, exit: 1, internal: true }
  const oclifExit = (error as { oclif?: { exit?: number } }).oclif?.exit
  if ((error as { code?: unknown }).code === 'EEXIT') return undefined
  if (isDevproxyError(error)) {
    return {
      code: error.code,
      message: error.message,
      hint: error.suggestion ?? fallbackHint(error, command, bin),
      exit: oclifExit ?? exitCodeOf(error),
      ...(error.code === 'config_invalid' ? { issues: configIssues(error) } : {}),
    }
  }
  const usage = command ? usageErrorFromParse(error, command, bin) : undefined
  if (usage) return describeFailure(usage, command, bin)
  // oclif's CLIError: `this.error(message, { code, suggestions, exit })`, or one of its own.
  if (oclifExit !== undefined) {
    const { code, suggestions } = error as { code?: string; suggestions?: string[] }
    return { code: code ?? (oclifExit === 2 ? 'usage' : 'failed'), message: cleanParseMessage(error.message), hint: suggestions?.[0] ?? helpHint(command, bin), exit: oclifExit }
  }
  return { code: 'internal', message: error.message, hint: BUG_HINT, exit: 1, internal: true }
}

/**
 * Codes of a flag's value found wrong past oclif's own parsing (a rate, a delay, a filter, a
 * JSON path, a config file name; forward mode on an open address without --allow-open-proxy): a
 * wrong command line, as an unknown flag is.
 */
const FLAG_VALUE_CODES: ReadonlySet<string> = new Set(['fault_invalid', 'filter_invalid', 'ignore_invalid', 'ignore_path_invalid', 'host_invalid', 'open_proxy'])

/** 2 for a wrong command line (a UsageError, or a flag value found wrong), 1 for any other failure. */
export function exitCodeOf(error: Pick<DevproxyError, 'name' | 'code'>): 1 | 2 {
  return error.name === 'UsageError' || FLAG_VALUE_CODES.has(error.code) ? 2 : 1
}

/** Every error gets a `hint:`: for a config, where to fix it and how to check again; else where the command is explained. */
function fallbackHint(error: DevproxyError, command: CommandShape | undefined, bin: string): string {
  if (error.code === 'config_invalid') return `fix the config and run \`${bin} check\` to check it again`
  return helpHint(command, bin)
}

function helpHint(command: CommandShape | undefined, bin: string): string {
  return command === undefined ? `\`${bin} --help\` lists the commands` : `\`${bin} ${command.id} --help\` says more`
}

const BUG_HINT = 'this looks like a bug in devproxy; DEBUG=1 prints where it happened'

/** `error: …` then `hint: …`: the message as written (a config error may carry a code frame), no stack. */
export function formatFailure(failure: Failure, palette: Palette): string {
  const [first = '', ...rest] = failure.message.split('\n')
  const lines = [`${palette.error('error:')} ${first}`, ...rest.map((line) => `  ${line}`)]
  if (failure.hint) lines.push(`${palette.dim('hint:')} ${failure.hint}`)
  return `${lines.join('\n')}\n`
}

/** `{"error":{"code","message","hint"}}` on one line (config errors add `issues`). */
export function formatFailureJson(failure: Failure): string {
  const error = {
    code: failure.code,
    message: failure.message,
    hint: failure.hint ?? null,
    ...(failure.issues ? { issues: failure.issues } : {}),
  }
  return `${JSON.stringify({ error })}\n`
}

/**
 * The issues behind a config error: one per invalid field when validation found them, else
 * the one problem (a file that does not load), with its file.
 */
function configIssues(error: DevproxyError): FailureIssue[] {
  const file = (error as { file?: string }).file ?? null
  const issues = issuesOf(error) ?? issuesOf(error.cause)
  if (issues) return issues.map((issue) => ({ file, path: issue.path, message: issue.message, hint: issue.suggestion ?? null }))
  // `proxy.config.ts:3:7: Unexpected token` and its code frame: the problem is the first line after the location.
  const [first = ''] = error.message.split('\n')
  const message = file !== null && first.includes(': ') ? first.slice(first.indexOf(': ') + 2) : first
  return [{ file, path: '', message, hint: error.suggestion ?? null }]
}

/**
 * By shape rather than `instanceof`: an error thrown by a module oclif loaded on its own (the
 * command_not_found hook, a command under bin/dev.js) comes from another copy of errors.ts.
 */
function isDevproxyError(error: Error): error is DevproxyError {
  return typeof (error as { code?: unknown }).code === 'string' && 'suggestion' in error
}

/** A ConfigValidationError's issues. */
function issuesOf(error: unknown): readonly ConfigIssue[] | undefined {
  const issues = (error as { issues?: unknown } | undefined)?.issues
  return Array.isArray(issues) ? (issues as ConfigIssue[]) : undefined
}
