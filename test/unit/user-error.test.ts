import { Errors } from '@oclif/core'
import { describe, expect, it } from 'vitest'
import { cleanParseMessage, unknownCommandError, type CommandShape } from '../../src/cli/usage-error.js'
import { describeFailure, formatFailure, formatFailureJson } from '../../src/cli/user-error.js'
import { ConfigError, ConfigValidationError, ControlError, UsageError } from '../../src/errors.js'
import { FaultSpecError } from '../../src/faults/parse.js'
import { plainPalette } from '../../src/terminal/palette.js'

const fault: CommandShape = {
  id: 'fault',
  flags: { list: {}, clear: {}, '5xx': {}, config: { char: 'c' } },
  examples: [{ command: '<%= config.bin %> <%= command.id %> --5xx 30%' }],
}
function thrownBy(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('did not throw')
}

const commands: CommandShape[] = [{ id: 'start', examples: ['<%= config.bin %> <%= command.id %>'] }, fault, { id: 'status' }]

describe('describeFailure: any error as the user sees it', () => {
  it.each([
    { case: 'a DevproxyError: its code, message and suggestion, exit 1', error: new ControlError('proxy_not_running', 'no proxy', { suggestion: 'start one' }), failure: { code: 'proxy_not_running', message: 'no proxy', hint: 'start one', exit: 1 } },
    { case: 'a UsageError exits 2; without a hint of its own it gets one', error: new UsageError('unknown_flag', 'unknown flag --x'), failure: { code: 'unknown_flag', message: 'unknown flag --x', hint: '`devproxy --help` lists the commands', exit: 2 } },
    { case: 'a flag value found wrong past parsing (a rate) exits 2 too', error: new FaultSpecError('--5xx: "150%" is not a rate', 'A rate is…'), failure: { code: 'fault_invalid', hint: 'A rate is…', exit: 2 } },
    { case: 'this.error(message, { code, suggestions, exit })', error: new Errors.CLIError('x already exists', { exit: 1, code: 'config_exists', suggestions: ['Pass --force'] }), failure: { code: 'config_exists', message: 'x already exists', hint: 'Pass --force', exit: 1 } },
    { case: 'this.error(devproxyError, { exit: 2 }) keeps the error', error: thrownBy(() => Errors.error(new ControlError('fault_not_found', 'no fault'), { exit: 2 })), failure: { code: 'fault_not_found', message: 'no fault', exit: 2 } },
    { case: 'a bug: internal, exit 1', error: new TypeError('x is undefined'), failure: { code: 'internal', message: 'x is undefined', exit: 1, internal: true } },
  ])('$case', ({ error, failure }) => {
    expect(describeFailure(error)).toMatchObject(failure)
  })

  it('oclif\'s exit signal (`this.exit(n)`) was already reported: nothing to describe', () => {
    expect(describeFailure(new Errors.ExitError(1))).toBeUndefined()
  })

  it('a config error lists its issues with the file', () => {
    const validation = new ConfigValidationError([{ path: 'routes[0].target', message: 'must use http:', suggestion: 'Write the full origin' }])
    const loaded = new ConfigError('proxy.config.ts: routes[0].target must use http:', { cause: validation, file: '/app/proxy.config.ts' })
    expect(describeFailure(loaded)?.issues).toEqual([{ file: '/app/proxy.config.ts', path: 'routes[0].target', message: 'must use http:', hint: 'Write the full origin' }])
    const unparsable = new ConfigError('proxy.config.ts:3:7: Unexpected token\n  3 | x', { file: '/app/proxy.config.ts' })
    expect(describeFailure(unparsable)?.issues).toEqual([{ file: '/app/proxy.config.ts', path: '', message: 'Unexpected token', hint: null }])
  })
})

describe('formatFailure and formatFailureJson', () => {
  const failure = { code: 'proxy_not_running', message: 'no proxy', hint: 'start one', exit: 1 }

  it('text: error then hint, one line each', () => {
    expect(formatFailure(failure, plainPalette)).toBe('error: no proxy\nhint: start one\n')
    expect(formatFailure({ ...failure, hint: undefined }, plainPalette)).toBe('error: no proxy\n')
  })

  it('JSON: one line, code, message and hint (null when none), nothing else', () => {
    expect(formatFailureJson(failure)).toBe('{"error":{"code":"proxy_not_running","message":"no proxy","hint":"start one"}}\n')
    expect(JSON.parse(formatFailureJson({ ...failure, hint: undefined }))).toEqual({ error: { code: 'proxy_not_running', message: 'no proxy', hint: null } })
  })
})

describe('unknownCommandError', () => {
  it.each([
    { id: 'strat', argv: [], message: 'unknown command "strat"', hint: 'did you mean `devproxy start`?' },
    { id: 'statsu', argv: ['--json'], message: 'unknown command "statsu"', hint: 'did you mean `devproxy status --json`?' },
    { id: 'fly', argv: [], message: 'unknown command "fly"', hint: 'the commands are start, fault, status' },
    { id: 'fault:nonsense', argv: [], message: 'devproxy fault takes no arguments; got "nonsense"', hint: 'e.g. `devproxy fault --5xx 30%`' },
    { id: 'fault:clear', argv: [], message: 'devproxy fault takes no arguments; got "clear"', hint: 'did you mean --clear?' },
    { id: '--prot', argv: [], message: '--prot is not a devproxy flag: name a command first', hint: '`devproxy --help` lists every command' },
  ])('$id', ({ id, argv, message, hint }) => {
    const error = unknownCommandError(id, argv, commands, 'devproxy')
    expect(error.message).toBe(message)
    expect(error.suggestion).toContain(hint)
  })
})

describe('cleanParseMessage: oclif\'s frame off, one line', () => {
  it.each([
    ['Parsing --port \n\tExpected an integer less than or equal to 65535 but received: 99999\nSee more help with --help', '--port: expected an integer less than or equal to 65535 but received: 99999'],
    ['Flag --fault expects a value', 'flag --fault expects a value'],
    ['The following error occurred:\n  \u001b[2m--a cannot also be provided when using --b\u001b[22m\nSee more help with --help', '--a cannot also be provided when using --b'],
  ])('%j', (raw, clean) => {
    expect(cleanParseMessage(raw)).toBe(clean)
  })
})
