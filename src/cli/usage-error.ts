import { didYouMean } from '../config/did-you-mean.js'
import { UsageError } from '../errors.js'

/**
 * A wrong command line said in one line, with the likely fix: what oclif's parse errors and
 * an unknown command become. oclif's own text ends in "See more help with --help" and, for
 * some, the whole usage; a user who typed `--prot` wants `--port`, not a manual. Pure.
 */

/** What these messages read of a command: oclif's command class or its manifest entry. */
export interface CommandShape {
  readonly id: string
  readonly flags?: Readonly<Record<string, FlagShape | undefined>> | undefined
  readonly args?: Readonly<Record<string, ArgShape | undefined>> | undefined
  readonly examples?: ReadonlyArray<string | { readonly command: string }> | undefined
  readonly enableJsonFlag?: boolean | undefined
}

interface FlagShape {
  readonly char?: string | undefined
  readonly allowNo?: boolean | undefined
  readonly hidden?: boolean | undefined
}

interface ArgShape {
  readonly description?: string | undefined
  readonly required?: boolean | undefined
}

/** The oclif parse error classes (not exported by @oclif/core), by what they carry. */
interface ParseErrorFields {
  readonly flags?: readonly string[]
  readonly args?: ReadonlyArray<string | { readonly name?: string }>
}

/**
 * The UsageError for one of oclif's parse errors, or undefined when `error` is not one.
 * oclif's parse errors are told apart by class name: the classes are not exported.
 */
export function usageErrorFromParse(error: Error, command: CommandShape, bin: string): UsageError | undefined {
  const fields = error as Error & ParseErrorFields
  const name = `${bin} ${command.id}`
  switch (error.constructor.name) {
    case 'NonExistentFlagsError':
      return unknownFlags(fields.flags ?? [], command, bin)
    case 'RequiredArgsError': {
      const given = Object.keys(command.args ?? {}).length - (fields.args?.length ?? 0)
      return new UsageError('missing_argument', `${name} takes ${argumentsWord(command)}; got ${given === 0 ? 'none' : given}`, {
        suggestion: exampleHint(command, bin),
      })
    }
    case 'UnexpectedArgsError':
      return unexpectedArguments((fields.args ?? []).map(String), command, bin)
    case 'FlagInvalidOptionError':
      return invalidOption(cleanParseMessage(error.message), name)
    case 'FailedFlagValidationError':
      return new UsageError('invalid_flag', exclusiveFlags(cleanParseMessage(error.message)), { suggestion: `\`${name} --help\` lists its flags` })
    case 'ArgInvalidOptionError':
    case 'ViolatedFlagConstraintError':
    case 'CLIParseError':
      return new UsageError('invalid_flag', cleanParseMessage(error.message), { suggestion: `\`${name} --help\` lists its flags` })
    default:
      // "Parsing --port \n\tExpected an integer…" (a flag's own parse failed) and "Flag --x expects a value".
      if (/^(Parsing --|Flag --)/.test(error.message)) {
        return new UsageError('invalid_flag', cleanParseMessage(error.message), { suggestion: `\`${name} --help\` lists its flags` })
      }
      return undefined
  }
}

/**
 * `devproxy strat`, `devproxy fault nonsense`: oclif joins the words before the first flag into
 * one id (`fault:nonsense`) when no command has it. The longest leading run of words that is a
 * command is the command; the rest were arguments it does not take.
 */
export function unknownCommandError(id: string, argv: readonly string[], commands: readonly CommandShape[], bin: string): UsageError {
  const words = id.split(':')
  for (let n = words.length - 1; n > 0; n--) {
    const command = commands.find((c) => c.id === words.slice(0, n).join(':'))
    if (command) return unexpectedArguments(words.slice(n), command, bin)
  }
  const [word = ''] = words
  const list = `\`${bin} --help\` lists every command`
  if (word.startsWith('-')) {
    return new UsageError('unknown_flag', `${word} is not a ${bin} flag: name a command first`, { suggestion: `e.g. \`${bin} start --help\`; ${list}` })
  }
  const ids = commands.map((c) => c.id)
  const guess = didYouMean(word, ids)
  if (guess === undefined) return new UsageError('unknown_command', `unknown command "${word}"`, { suggestion: `the commands are ${ids.join(', ')}; ${list}` })
  const corrected = [bin, guess, ...words.slice(1), ...argv].map(shellWord).join(' ')
  return new UsageError('unknown_command', `unknown command "${word}"`, { suggestion: `did you mean \`${corrected}\`? ${list}` })
}

function unknownFlags(flags: readonly string[], command: CommandShape, bin: string): UsageError {
  const known = flagSpellings(command)
  const guesses = flags.map((flag) => [flag, guessFlag(flag, known)] as const)
  const fixes = guesses.filter((pair): pair is readonly [string, string] => pair[1] !== undefined)
  const help = `\`${bin} ${command.id} --help\` lists its flags`
  const suggestion =
    fixes.length === 0
      ? help
      : flags.length === 1
        ? `did you mean ${fixes[0]![1]}? ${help}`
        : `did you mean ${fixes.map(([flag, fix]) => `${fix} (for ${flag})`).join(', ')}? ${help}`
  return new UsageError('unknown_flag', `unknown flag${flags.length === 1 ? '' : 's'} ${flags.join(', ')} for ${bin} ${command.id}`, { suggestion })
}

function unexpectedArguments(extra: readonly string[], command: CommandShape, bin: string): UsageError {
  const name = `${bin} ${command.id}`
  const got = extra.map((word) => JSON.stringify(word)).join(' ')
  const [first = ''] = extra
  const flag = /^[a-z][\w-]*$/i.test(first) ? didYouMean(first, flagSpellings(command).filter((f) => f.startsWith('--')).map((f) => f.slice(2))) : undefined
  const message =
    Object.keys(command.args ?? {}).length === 0
      ? `${name} takes no arguments; got ${got}`
      : `${name} takes ${argumentsWord(command)}; ${got} ${extra.length === 1 ? 'is one too many' : 'are too many'}`
  return new UsageError('unexpected_argument', message, {
    suggestion: flag === undefined ? exampleHint(command, bin) : `did you mean --${flag}? \`${name} --help\` lists its flags`,
  })
}

/** "expected --template=spa to be one of: basic, spa-api" → `--template must be one of …`, and the nearest. */
function invalidOption(message: string, name: string): UsageError {
  const parsed = message.match(/^expected (--[\w-]+)=(.*) to be one of: (.*)$/)
  if (!parsed) return new UsageError('invalid_flag', message, { suggestion: `\`${name} --help\` lists its flags` })
  const [, flag = '', value = '', list = ''] = parsed
  const options = list.split(', ')
  const guess = didYouMean(value, options) ?? (value === '' ? undefined : options.find((option) => option.startsWith(value)))
  return new UsageError('invalid_flag', `${flag} must be one of ${options.join(', ')} (got ${JSON.stringify(value)})`, {
    suggestion: guess === undefined ? `\`${name} --help\` lists its flags` : `did you mean ${flag} ${guess}?`,
  })
}

/**
 * oclif says each side of an exclusive pair ("--demo=true cannot also be provided when using
 * --target; --target=x cannot also be…"): one sentence per pair instead.
 */
function exclusiveFlags(message: string): string {
  const pairs = new Map<string, string>()
  for (const part of message.split('; ')) {
    const found = part.match(/^(--[\w-]+)(?:=.*)? cannot also be provided when using (--[\w-]+)$/)
    if (!found) return message
    const [a = '', b = ''] = [found[2]!, found[1]!]
    const key = [a, b].sort().join(' ')
    if (!pairs.has(key)) pairs.set(key, `${a} and ${b} cannot be used together`)
  }
  return [...pairs.values()].join('; ')
}

/** `no arguments`, `FILE (the HAR file to serve)`, `2 arguments, A and B`. */
function argumentsWord(command: CommandShape): string {
  const args = Object.entries(command.args ?? {})
  if (args.length === 0) return 'no arguments'
  if (args.length === 1) {
    const [name, arg] = args[0]!
    return `one argument, ${name.toUpperCase()}${arg?.description ? ` (${sentenceToPhrase(arg.description)})` : ''}`
  }
  const names = args.map(([name]) => name.toUpperCase())
  return `${args.length} arguments, ${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
}

/** `e.g. \`devproxy diff before.har after.har\`; \`devproxy diff --help\` says more`: the first example that shows more than the bare command. */
export function exampleHint(command: CommandShape, bin: string): string {
  const help = `\`${bin} ${command.id} --help\` says more`
  const examples = (command.examples ?? []).map((example) => (typeof example === 'string' ? example : example.command))
  const rendered = examples.map((text) => text.replaceAll('<%= config.bin %>', bin).replaceAll('<%= command.id %>', command.id).trim())
  const telling = rendered.find((text) => text !== `${bin} ${command.id}`)
  return telling === undefined ? help : `e.g. \`${telling}\`; ${help}`
}

/** Every way the command's flags can be written: `--port`, `-p`, `--no-watch`, and `--help`/`-h`. */
function flagSpellings(command: CommandShape): string[] {
  const out = ['--help', '-h']
  if (command.enableJsonFlag) out.push('--json')
  for (const [name, flag] of Object.entries(command.flags ?? {})) {
    if (flag?.hidden) continue
    out.push(`--${name}`)
    if (flag?.allowNo) out.push(`--no-${name}`)
    if (flag?.char) out.push(`-${flag.char}`)
  }
  return out
}

/** `--prot` → `--port`; `--prot=9000` is read as `--prot`. Long flags only: one letter is too little to guess from. */
function guessFlag(flag: string, known: readonly string[]): string | undefined {
  const name = flag.split('=')[0] ?? flag
  if (!name.startsWith('--')) return undefined
  const long = known.filter((k) => k.startsWith('--')).map((k) => k.slice(2))
  const guess = didYouMean(name.slice(2), long)
  return guess === undefined ? undefined : `--${guess}`
}

/**
 * oclif's parse messages without their frame: "See more help with --help", "The following
 * error occurred:", the `Parsing --port` prefix and line breaks, so what is left reads as one line.
 */
export function cleanParseMessage(message: string): string {
  const lines = message
    .replace(/\u001b\[[\d;]*m/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && line !== 'See more help with --help' && !/^The following errors? occurred:$/.test(line))
  const parsing = lines[0]?.match(/^Parsing (--[\w-]+)$/)
  const text = parsing ? `${parsing[1]}: ${lowerFirst(lines.slice(1).join('; '))}` : lines.join('; ')
  return lowerFirst(text)
}

function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text
}

/** `The HAR file to serve.` → `the HAR file to serve`. */
function sentenceToPhrase(text: string): string {
  return lowerFirst(text.replace(/\.$/, ''))
}

/** Quotes a word for a POSIX shell when it needs it. */
function shellWord(word: string): string {
  return /^[\w./@%+=:,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}
