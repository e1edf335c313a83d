import { createWriteStream, openSync, type WriteStream } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { ResolvedConfig } from '../config/types.js'
import { DevproxyError } from '../errors.js'
import type { DiffableBody } from '../diff/body-diff.js'
import { assertIgnoreRules } from '../diff/ignore-rule.js'
import type { Logger } from '../log/logger.js'
import { plainPalette } from '../terminal/palette.js'
import { createTransactionLog, type LogDetail, type TransactionLog } from '../log/transaction-log.js'
import type { TransactionSink } from '../proxy/index.js'

/** Per body, for diffs (`-vv`): enough for any API response, small enough to never matter. */
export const DIFF_CAPTURE_BYTES = 256 * 1024

export interface LogFlags {
  readonly quiet: boolean
  /** How many `-v`. */
  readonly verbose: number
  readonly json: boolean
  readonly logFile?: string | undefined
  readonly ignore?: readonly string[] | undefined
}

export interface LogSinks {
  readonly sinks: TransactionSink[]
  /** Bodies to capture for the diffs: 0 unless body diffs are on. */
  readonly captureBodyBytes: number
  close(): Promise<void>
}

/** How much to show: flags win over the config's `log.diff`. */
export function logDetail(flags: LogFlags, config: ResolvedConfig): LogDetail {
  if (flags.quiet) return 'quiet'
  if (flags.verbose >= 2) return 'body'
  if (flags.verbose === 1) return 'headers'
  return config.log.diff === 'none' ? 'normal' : config.log.diff
}

/** The terminal log (and `--log-file`, plain) as transaction sinks. */
export function createLogSinks(flags: LogFlags, config: ResolvedConfig, logger: Logger, baseline?: ReadonlyMap<string, DiffableBody>): LogSinks {
  assertIgnoreRules(flags.ignore ?? [], '--ignore')
  const detail = logDetail(flags, config)
  const ignore = [...config.log.ignore, ...(flags.ignore ?? [])]
  // -vvv: the header diffs show the proxy's standard rewrites too.
  const common = { detail, json: flags.json, ignore, baseline, allHeaders: flags.verbose >= 3 }
  // Each log gathers its lines for up to 16 ms and writes them at once: one write call (a
  // syscall when stdout is a file) per batch instead of one per transaction.
  const sinks: TransactionLog[] = [
    createTransactionLog({
      ...common,
      palette: logger.palette,
      width: () => (process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : undefined),
      write: (text) => process.stdout.write(text),
    }),
  ]
  let file: WriteStream | undefined
  if (flags.logFile) {
    const stream = openLogFile(flags.logFile)
    stream.on('error', (error) => logger.error(`cannot write the log file ${flags.logFile}: ${error.message}`))
    file = stream
    // The log as a person reads it, also with --json (stdout then carries the JSON for tools).
    sinks.push(createTransactionLog({ ...common, json: false, palette: plainPalette, write: (text) => stream.write(text) }))
  }
  return {
    sinks,
    captureBodyBytes: detail === 'body' ? DIFF_CAPTURE_BYTES : 0,
    // Body diffs still being decoded are printed before the log file is closed.
    close: async () => {
      await Promise.all(sinks.map((sink) => sink.flushed()))
      await new Promise<void>((resolve) => (file ? file.end(() => resolve()) : resolve()))
    },
  }
}

/**
 * Opened before the proxy listens: a path that cannot be written stops `start` with one line
 * and a hint, instead of an error printed while it keeps serving without the log.
 */
function openLogFile(path: string): WriteStream {
  try {
    return createWriteStream(path, { fd: openSync(path, 'a') })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT' ? `the directory ${dirname(resolve(path))} does not exist`
      : code === 'EISDIR' ? 'it is a directory'
      : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
      : (error as Error).message
    throw new DevproxyError('log_file_failed', `cannot write the log file ${path}: ${why}`, {
      suggestion: 'Give --log-file a file path in a directory that exists and that you can write to.',
      cause: error,
    })
  }
}
