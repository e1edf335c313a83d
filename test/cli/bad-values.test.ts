/**
 * One CLI convention, everywhere (issue 28, item 9): every command given a flag or argument
 * value it cannot take exits 2 with one `error:` line saying what is wrong and a `hint:` line
 * saying what to write instead — never a stack trace, never exit 1 as if something had failed
 * to run. And every error, whatever its exit code, has its `hint:` line. Run with the built CLI.
 */
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoStack, runCli, type CliResult } from '../helpers/cli.js'

let dir: string

const HAR = JSON.stringify({
  log: { version: '1.2', creator: { name: 'devproxy', version: '0' }, pages: [], entries: [] },
})

beforeAll(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'devproxy-bad-values-')))
  await writeFile(join(dir, 'proxy.config.ts'), "export default { routes: [{ name: 'api', path: '/', target: 'http://localhost:3000' }] }\n")
  await writeFile(join(dir, 'proxy.config.json'), '{"routes": []}')
  await writeFile(join(dir, 'a.har'), HAR)
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

// A data directory of its own: nothing here may touch the user's CA.
const run = (args: string[]) => runCli([...args], { cwd: dir, env: { DEVPROXY_DATA_DIR: join(dir, 'data'), DEVPROXY_SYSTEM_CA_DIR: join(dir, 'anchors') } })

/** Exactly `error: …` (one line) and `hint: …`, on stderr; nothing on stdout; no stack. */
function expectOneErrorAndHint(result: CliResult, error: RegExp): void {
  const lines = result.stderr.trimEnd().split('\n')
  expect(lines, result.stderr).toHaveLength(2)
  expect(lines[0]).toMatch(/^error: /)
  expect(lines[0]).toMatch(error)
  expect(lines[1]).toMatch(/^hint: \S/)
  expect(result.stdout).toBe('')
  expectNoStack(result.stderr)
}

describe('every command × a value it cannot take: exit 2, what is wrong, a hint', () => {
  it.each<[string, string[], RegExp]>([
    ['init: an unknown template', ['init', '--template', 'nope'], /--template must be one of/],
    ['init: a config name it would never load', ['init', '--config', 'dev/x.json'], /dev\/x\.json is not a config file name/],
    ['check: a .json config', ['check', '--config', 'proxy.config.json'], /proxy\.config\.json is not a config file name/],
    ['start: a port out of range', ['start', '--port', '99999'], /--port/],
    ['start: a target that is not a URL', ['start', '--target', 'nope'], /--target is not a URL: "nope"/],
    ['start: a --fault that is not a fault', ['start', '--fault', 'bogus 3'], /--fault "bogus 3": the first word must be a fault kind/],
    ['start: a --fault without its value', ['start', '--fault', 'latency'], /--fault "latency": latency needs a value/],
    ['start: a --fault on a route there is not', ['start', '--fault', '5xx 30% --route nope'], /--route "nope" names no route/],
    ['start: an --ignore that is neither a header nor a JSON path', ['start', '--ignore', 'items[0]'], /--ignore "items\[0\]" is neither a header name nor a JSON path/],
    ['start: a history of none', ['start', '--inspector-history', '0'], /--inspector-history/],
    ['record: a status range past 599', ['record', '--filter', 'status=600-700'], /--filter "status=600-700" is not a filter: a status is from 100 to 599/],
    ['record: a filter that is not one', ['record', '--filter', 'nope'], /--filter "nope" is not a filter/],
    ['record: a negative body cap', ['record', '--max-body', '-1'], /--max-body/],
    ['replay: a target that is not a URL', ['replay', 'a.har', '--fallthrough', '--target', 'nope'], /--target is not a URL/],
    ['replay: a bad --fault', ['replay', 'a.har', '--fault', '5xx 150%'], /--5xx: "150%" is not a rate/],
    ['fault: a rate over 100%', ['fault', '--5xx', '150%'], /--5xx: "150%" is not a rate/],
    ['fault: a delay that is not a number', ['fault', '--latency', 'abc'], /--latency: "abc" is not a delay/],
    ['fault: a status that is not one', ['fault', '--status', '999'], /--status: "999" is not a list of status codes/],
    ['fault: --first 0', ['fault', '--5xx', '1', '--first', '0'], /--first: "0" must be a whole number of at least 1/],
    ['fault: a duration without a unit it knows', ['fault', '--5xx', '1', '--for', '3q'], /--for: "3q" is not a duration/],
    ['fault: a negative seed', ['fault', '--5xx', '1', '--seed', '-1'], /--seed: "-1" must be a whole number/],
    ['fault: a speed that is not a number', ['fault', '--throttle', 'abc'], /--throttle: "abc" is not a speed/],
    ['fault: a Retry-After that is not a number', ['fault', '--5xx', '1', '--retry-after', 'x'], /--retry-after: "x" must be a whole number/],
    ['fault: a method that is not one', ['fault', '--5xx', '1', '--method', 'GTE'], /--method "GTE" is not an HTTP method/],
    ['fault: an --at that is not a scope', ['fault', '--5xx', '1', '--at', 'x'], /--at must be one of upstream, client/],
    ['fault: a selector without a fault', ['fault', '--route', 'api'], /--route narrows or tunes a fault; name the fault too/],
    ['fault: port 0', ['fault', '--list', '--port', '0'], /--port/],
    ['status: a port that is not a number', ['status', '--port', 'abc'], /--port/],
    ['trust: a host that is not a host name', ['trust', '--reissue', '--host', 'bad host!'], /"bad host!" is not a host name/],
    ['diff: an --ignore that is neither a header nor a JSON path', ['diff', 'a.har', 'a.har', '--ignore', 'items[0]'], /"items\[0\]" is neither a header name nor a JSON path/],
  ])('%s', async (_what, args, error) => {
    const result = await run(args)
    expectOneErrorAndHint(result, error)
    expect(result.code).toBe(2)
  })
})

describe('every error has a hint line, whatever its exit code', () => {
  it.each<[string, string[], RegExp, number]>([
    ['diff of a file that is missing', ['diff', 'nope.har', 'a.har'], /cannot read nope\.har: no such file/, 2],
    ['replay of a file that is missing', ['replay', 'nope.har'], /cannot read .*nope\.har: no such file/, 1],
    ['status with no proxy running', ['status'], /no devproxy is running for this directory/, 1],
    ['fault --remove with no proxy running', ['fault', '--remove', 'f1'], /no devproxy is running for this directory/, 1],
  ])('%s', async (_what, args, error, code) => {
    const result = await run(args)
    expectOneErrorAndHint(result, error)
    expect(result.code).toBe(code)
  })
})
