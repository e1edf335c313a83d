import { createWriteStream, type WriteStream } from 'node:fs'
import type { ResolvedConfig } from '../config/types.js'
import type { DiffableBody } from '../log/body-diff.js'
import type { Logger } from '../log/logger.js'
import { plainPalette } from '../log/palette.js'
import { createTransactionLog, type LogDetail, type TransactionLog } from '../log/transaction-log.js'
import type { TransactionSink } from '../proxy/transaction.js'

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
  const detail = logDetail(flags, config)
  const ignore = [...config.log.ignore, ...(flags.ignore ?? [])]
  const common = { detail, json: flags.json, ignore, baseline }
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
    const stream = createWriteStream(flags.logFile, { flags: 'a' })
    stream.on('error', (error) => logger.error(`cannot write the log file ${flags.logFile}: ${error.message}`))
    file = stream
    sinks.push(createTransactionLog({ ...common, palette: plainPalette, write: (text) => stream.write(text) }))
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
