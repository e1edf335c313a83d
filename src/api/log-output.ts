import { DIFF_CAPTURE_BYTES, logDetail } from '../cli/log-sinks.js'
import type { ResolvedConfig } from '../config/types.js'
import { colorLevel, createPalette } from '../log/logger.js'
import { createTransactionLog, type TransactionLog } from '../log/transaction-log.js'
import { plainPalette } from '../terminal/palette.js'
import type { LogFormat } from './options.js'

/**
 * `startProxy({ log })`: the transaction log `devproxy start` prints (`'pretty'`, with the
 * config's `log.diff` and `log.ignore`) or its `--json` lines, written to stdout or to the
 * caller's `write`. The same sink the CLI uses (src/log/transaction-log.ts).
 */
export interface LogOutput {
  readonly sink: TransactionLog
  /** Bodies the engine must capture for the log's body diffs (0 unless `log.diff: 'body'`). */
  readonly captureBodyBytes: number
  /** A line that is no transaction (a failing sink, a TLS handshake refused). */
  note(line: string): void
}

export function createLogOutput(output: { readonly format: LogFormat; readonly write: ((text: string) => void) | undefined }, config: ResolvedConfig): LogOutput {
  const toStdout = output.write === undefined
  const write = output.write ?? ((text: string) => void process.stdout.write(text))
  // Colors only where a terminal shows them: never into the caller's function.
  const palette = toStdout && process.stdout.isTTY ? createPalette(colorLevel(process.env, 1)) : plainPalette
  const detail = logDetail({ quiet: false, verbose: 0, json: output.format === 'json' }, config)
  const sink = createTransactionLog({
    detail,
    json: output.format === 'json',
    palette,
    ignore: config.log.ignore,
    width: () => (toStdout && process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : undefined),
    write,
  })
  return {
    sink,
    captureBodyBytes: detail === 'body' ? DIFF_CAPTURE_BYTES : 0,
    note: (line) => write(`${line}\n`),
  }
}
