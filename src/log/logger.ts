import { Chalk, supportsColor } from 'chalk'
import type { Transaction, TransactionSink } from '../proxy/index.js'
import { formatTransactionLine, formatTransactionNotes } from './format-line.js'
import { plainPalette, type Palette } from '../terminal/palette.js'

/**
 * The one importer of chalk, and the one place output is written. Color follows chalk's
 * terminal detection (`FORCE_COLOR` included); `NO_COLOR` turns it off (no-color.org).
 */
export interface Logger {
  readonly palette: Palette
  info(line: string): void
  warn(line: string): void
  error(line: string): void
  /** Writes preformatted lines as they are (stdout, or stderr for problems). */
  print(lines: readonly string[], to?: 'out' | 'err'): void
  /** The transaction sink that prints one line per finished transaction. */
  readonly transactions: TransactionSink
}

export interface LoggerOptions {
  readonly out?: NodeJS.WritableStream
  readonly err?: NodeJS.WritableStream
  readonly env?: NodeJS.ProcessEnv
  /** Force color on or off; default: detected. */
  readonly color?: boolean
}

export function colorLevel(env: NodeJS.ProcessEnv, detected: number): 0 | 1 | 2 | 3 {
  if (env.FORCE_COLOR === undefined && env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0
  return Math.max(0, Math.min(3, detected)) as 0 | 1 | 2 | 3
}

export function createPalette(level: 0 | 1 | 2 | 3): Palette {
  // Without color every style is the identity: skip chalk's builders on every log line.
  if (level === 0) return plainPalette
  const c = new Chalk({ level })
  const methodColors: Record<string, (s: string) => string> = {
    GET: c.green,
    HEAD: c.green,
    POST: c.yellow,
    PUT: c.blue,
    PATCH: c.blue,
    DELETE: c.red,
    OPTIONS: c.gray,
    WS: c.magenta,
  }
  return {
    dim: c.dim,
    bold: c.bold,
    method: (method, text) => (methodColors[method] ?? c.white)(text),
    status: (status, text) => {
      if (status === undefined) return c.red(text)
      if (status >= 500) return c.red.bold(text)
      if (status >= 400) return c.yellow(text)
      if (status >= 300) return c.cyan(text)
      return c.green(text)
    },
    route: c.cyan,
    error: c.red,
    warn: c.yellow,
    ok: c.green,
  }
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const out = options.out ?? process.stdout
  const err = options.err ?? process.stderr
  const detected = supportsColor === false ? 0 : supportsColor.level
  const level = options.color === undefined ? colorLevel(options.env ?? process.env, detected) : options.color ? 3 : 0
  const palette = createPalette(level)
  return {
    palette,
    info: (line) => out.write(`${line}\n`),
    warn: (line) => err.write(`${palette.warn('warning:')} ${line}\n`),
    error: (line) => err.write(`${palette.error('error:')} ${line}\n`),
    print: (lines, to = 'out') => (to === 'err' ? err : out).write(lines.map((line) => `${line}\n`).join('')),
    transactions: (tx: Readonly<Transaction>) => {
      out.write([formatTransactionLine(tx, palette), ...formatTransactionNotes(tx, palette)].map((line) => `${line}\n`).join(''))
    },
  }
}
