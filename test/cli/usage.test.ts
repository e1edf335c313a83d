import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoStack, runCli, type CliResult } from '../helpers/cli.js'

/**
 * A wrong command line and a failing command, as a user meets them: one `error:` line, one
 * `hint:` line with the likely fix, the documented exit code — never oclif's `› Error` block,
 * its `Code:`/`Try this:` lines, a stack trace or the whole usage. With --json, one object.
 */

let dir: string

beforeAll(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'devproxy-usage-')))
  await mkdir(join(dir, 'recordings'))
  await writeFile(join(dir, 'proxy.config.ts'), "export default { routes: [{ path: '/', target: 'http://localhost:3000' }] }\n")
  await writeFile(join(dir, 'bad.config.ts'), "export default { routes: [{ path: '/', target: 'localhost:3000', timeoutMs: '30s' }] }\n")
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const run = (args: string[]) => runCli(args, { cwd: dir })

/** Exactly two lines on stderr, `error: …` and `hint: …`, nothing on stdout, nothing of oclif's. */
function expectErrorAndHint(result: CliResult, error: string | RegExp, hint: string | RegExp): void {
  const lines = result.stderr.trimEnd().split('\n')
  expect(lines, result.stderr).toHaveLength(2)
  expect(lines[0]).toMatch(/^error: /)
  expect(lines[1]).toMatch(/^hint: /)
  if (typeof error === 'string') expect(lines[0]).toContain(error)
  else expect(lines[0]).toMatch(error)
  if (typeof hint === 'string') expect(lines[1]).toContain(hint)
  else expect(lines[1]).toMatch(hint)
  expect(result.stdout).toBe('')
  expectNoOclif(result.stderr)
}

function expectNoOclif(text: string): void {
  expect(text).not.toMatch(/›|»|USAGE|See more help|Code:|Try this:|"oclif"/)
  expectNoStack(text)
}

describe('a mistyped command or flag gets a suggestion, not the usage (exit 2)', () => {
  it.each([
    { args: ['strat'], error: 'unknown command "strat"', hint: 'did you mean `devproxy start`?' },
    { args: ['strat', '--port', '9000'], error: 'unknown command "strat"', hint: 'did you mean `devproxy start --port 9000`?' },
    { args: ['recrod', '--out', 'x.har'], error: 'unknown command "recrod"', hint: 'did you mean `devproxy record --out x.har`?' },
    { args: ['fly'], error: 'unknown command "fly"', hint: 'the commands are check, diff, fault, init, record, replay, run, start, status, trust' },
    { args: ['run', '--itercept', 'api.example.test', '--', 'node', 'app.js'], error: 'unknown flag --itercept for devproxy run', hint: 'did you mean --intercept?' },
    { args: ['start', '--prot', '9000'], error: 'unknown flag --prot for devproxy start', hint: 'did you mean --port?' },
    { args: ['start', '--no-wach'], error: 'unknown flag --no-wach', hint: 'did you mean --no-watch?' },
    { args: ['fault', '--5xxx', '30%'], error: 'unknown flag --5xxx for devproxy fault', hint: 'did you mean --5xx?' },
    { args: ['record', '--outt', 'x.har'], error: 'unknown flag --outt for devproxy record', hint: 'did you mean --out?' },
    { args: ['init', '--template', 'spa'], error: '--template must be one of basic, spa-api, microservices, auth-hook, mock-api, sse-transform (got "spa")', hint: 'did you mean --template spa-api?' },
    { args: ['start', '--port', '99999'], error: '--port: expected an integer less than or equal to 65535', hint: '`devproxy start --help` lists its flags' },
    { args: ['start', '--target', 'http://localhost:3000', '--demo'], error: '--target and --demo cannot be used together', hint: '--help' },
  ])('devproxy $args.0 $args.1', async ({ args, error, hint }) => {
    const result = await run(args)
    expect(result.code).toBe(2)
    expectErrorAndHint(result, error, hint)
  })
})

describe('-h is --help, everywhere', () => {
  it('devproxy -h is devproxy --help', async () => {
    const [short, long] = await Promise.all([run(['-h']), run(['--help'])])
    expect(short.code).toBe(0)
    expect(short.stdout).toContain('COMMANDS')
    expect(short.stdout).toBe(long.stdout)
  })

  it.each(['start', 'record', 'replay', 'fault', 'status', 'check', 'diff', 'init', 'run'])('devproxy %s -h', async (command) => {
    const result = await run([command, '-h'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`$ devproxy ${command}`)
    expect(result.stdout).toContain('FLAGS')
  })
})

describe('arguments a command does not take: one line saying what it takes (exit 2)', () => {
  it.each([
    { args: ['fault', 'nonsense'], error: 'devproxy fault takes no arguments; got "nonsense"', hint: 'e.g. `devproxy fault --5xx 30%`' },
    { args: ['fault', 'list'], error: 'devproxy fault takes no arguments; got "list"', hint: 'did you mean --list?' },
    { args: ['start', '9000'], error: 'devproxy start takes no arguments; got "9000"', hint: 'e.g. `devproxy start --target http://localhost:3000`' },
    { args: ['record', 'out.har'], error: 'devproxy record takes no arguments; got "out.har"', hint: 'e.g. `devproxy record --out checkout-flow.har`' },
    { args: ['diff', 'a.har'], error: 'devproxy diff takes 2 arguments, A and B; got 1', hint: 'e.g. `devproxy diff before.har after.har`' },
    { args: ['diff', 'a.har', 'b.har', 'c.har'], error: 'devproxy diff takes 2 arguments, A and B; "c.har" is one too many', hint: 'devproxy diff before.har after.har' },
    { args: ['replay'], error: 'devproxy replay takes one argument, FILE (the HAR file to serve); got none', hint: 'e.g. `devproxy replay checkout-flow.har`' },
    { args: ['replay', '.'], error: '. is a directory; devproxy replay takes a HAR file', hint: 'e.g. `devproxy replay checkout-flow.har`' },
    { args: ['diff', 'recordings', 'b.har'], error: 'recordings is a directory; devproxy diff takes HAR files', hint: 'devproxy diff before.har after.har' },
  ])('devproxy $args', async ({ args, error, hint }) => {
    const result = await run(args)
    expect(result.code).toBe(2)
    expectErrorAndHint(result, error, hint)
  })
})

describe('one error format for every command', () => {
  it('init on an existing file: error and hint, exit 1 (not oclif\'s Error / Code / Try this)', async () => {
    const result = await run(['init'])
    expect(result.code).toBe(1)
    expectErrorAndHint(result, 'error: proxy.config.ts already exists', 'hint: Pass --force to overwrite it')
  })

  it.each([
    { args: ['status'], exit: 1, error: 'no devproxy is running for this directory' },
    { args: ['fault', '--5xx', '30%'], exit: 1, error: 'no devproxy is running for this directory' },
    { args: ['check', '--config', 'nowhere.ts'], exit: 1, error: 'no config file at' },
    { args: ['start', '--target', 'localhost:3000'], exit: 2, error: '--target must use http: or https:' },
    { args: ['replay', 'missing.har'], exit: 1, error: 'missing.har: no such file' },
    { args: ['diff', 'missing.har', 'b.har'], exit: 2, error: 'cannot read missing.har: no such file' },
  ])('devproxy $args: exit $exit', async ({ args, exit, error }) => {
    const result = await run(args)
    expect(result.code).toBe(exit)
    expect(result.stderr).toMatch(/^error: /)
    expect(result.stderr).toContain(error)
    expectNoOclif(result.stderr)
  })
})

describe('--json failures are one object, {"error":{"code","message","hint"}}, without oclif internals', () => {
  const parse = (text: string) => JSON.parse(text) as { error: Record<string, unknown> }

  it.each([
    { args: ['status', '--json'], code: 'proxy_not_running', exit: 1 },
    { args: ['fault', '--reset', '10%', '--json'], code: 'proxy_not_running', exit: 1 },
    { args: ['fault', '--prot', '--json'], code: 'unknown_flag', exit: 2 },
    { args: ['check', '--config', 'nowhere.ts', '--json'], code: 'config_not_found', exit: 1 },
    { args: ['diff', 'missing.har', 'b.har', '--json'], code: 'har_invalid', exit: 2 },
    { args: ['diff', 'a.har', '--json'], code: 'missing_argument', exit: 2 },
    { args: ['strat', '--json'], code: 'unknown_command', exit: 2 },
  ])('devproxy $args → $code on stdout, exit $exit', async ({ args, code, exit }) => {
    const result = await run(args)
    expect(result.code).toBe(exit)
    const { error } = parse(result.stdout)
    expect(Object.keys(error)).toEqual(['code', 'message', 'hint'])
    expect(error.code).toBe(code)
    expect(error.message).toEqual(expect.any(String))
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1)
    expectNoOclif(result.stdout)
  })

  it('a config error lists each problem with its file and field', async () => {
    const result = await run(['check', '--config', 'bad.config.ts', '--json'])
    expect(result.code).toBe(1)
    const { error } = parse(result.stdout)
    expect(error).toMatchObject({ code: 'config_invalid', hint: 'fix the config and run `devproxy check` to check it again' })
    expect(error.issues).toEqual([
      { file: join(dir, 'bad.config.ts'), path: 'routes[0].target', message: 'must use http: or https: (got "localhost:3000")', hint: 'Write the full origin, e.g. http://localhost:3000' },
      { file: join(dir, 'bad.config.ts'), path: 'routes[0].timeoutMs', message: 'must be a positive integer (got "30s")', hint: null },
    ])
  })

  it('start --json keeps stdout for transactions: its failure is the object on stderr', async () => {
    const result = await run(['start', '--json', '--target', 'localhost:3000'])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    const { error } = parse(result.stderr)
    expect(error).toMatchObject({ code: 'config_invalid', hint: 'Write the full origin, e.g. http://localhost:3000' })
    expect(error.issues).toEqual([{ file: null, path: 'routes[0].target', message: 'must use http: or https: (got "localhost:3000")', hint: 'Write the full origin, e.g. http://localhost:3000' }])
  })
})
