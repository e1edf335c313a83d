import { UsageError } from '../errors.js'

/**
 * `devproxy run [flags] [--] <command> [args…]`: where devproxy's flags end and the command
 * begins. Pure. The command starts after `--`, or at the first word that is neither a flag nor
 * a flag's value, so `devproxy run node app.js --port 3000` gives `--port 3000` to the app.
 */

/** run's flags that take a value as the next word (`--port 8080`, `-c dev/proxy.config.ts`). */
export const VALUE_FLAGS: ReadonlySet<string> = new Set(['--port', '-p', '--config', '-c', '--intercept', '--resolve'])

export interface RunArgv {
  /** For oclif to parse. */
  readonly flags: readonly string[]
  /** The command and its arguments; empty when none was given. */
  readonly command: readonly string[]
}

export function splitRunArgv(argv: readonly string[]): RunArgv {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!
    if (word === '--') return { flags: argv.slice(0, i), command: argv.slice(i + 1) }
    if (!word.startsWith('-') || word === '-') return { flags: argv.slice(0, i), command: argv.slice(i) }
    if (VALUE_FLAGS.has(word)) i++
  }
  return { flags: argv, command: [] }
}

/** `--resolve api.example.test=127.0.0.1:9443`, repeatable → `{ 'api.example.test': '127.0.0.1:9443' }`. */
export function parseResolveFlags(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const value of values) {
    const match = value.match(/^([^=\s]+)=(\[[0-9a-fA-F:.]+\]|[^:=\s[\]]+):(\d{1,5})$/)
    if (!match || Number(match[3]) > 65_535) {
      throw new UsageError('invalid_flag', `--resolve ${value}: expected HOST=ADDRESS:PORT`, { suggestion: 'e.g. --resolve api.example.test=127.0.0.1:9443' })
    }
    out[match[1]!.toLowerCase()] = `${match[2]}:${match[3]}`
  }
  return out
}
