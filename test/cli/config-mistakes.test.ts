import { existsSync } from 'node:fs'
import { mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { expectNoStack, runCli, spawnCli, type CliResult } from '../helpers/cli.js'
import { within } from '../helpers/wait.js'

/**
 * Mistakes a user makes on the command line or in the config that used to be accepted and then
 * did nothing (a fault that never fires, a filter that records nothing, a log file never
 * written) or were explained wrongly. Each is refused before anything listens, in one line
 * with a hint.
 */

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/
/** Nothing listens on the discard port: routes need a target, these tests send no traffic. */
const TARGET = 'http://127.0.0.1:9'

const dirs: string[] = []
async function project(config?: string): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'devproxy-mistakes-')))
  dirs.push(dir)
  if (config !== undefined) await writeFile(join(dir, 'proxy.config.ts'), config)
  return dir
}
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

const configWith = (body: string) => `import { defineConfig } from 'devproxy'\nexport default defineConfig({ port: 0, ${body} })\n`
const ROUTES = `routes: [{ name: 'users', path: '/users', target: '${TARGET}' }, { name: 'web', path: '/', target: '${TARGET}' }]`

/**
 * Runs a command that starts a proxy and expects it to refuse. If it starts listening instead
 * (the mistake was accepted), it is stopped and the test fails on `listened`.
 */
async function refusedToStart(args: string[], cwd: string): Promise<CliResult & { listened: boolean }> {
  const cli = spawnCli(args, { cwd })
  const listened = await cli.waitFor(LISTENING).then(
    () => true,
    () => false,
  )
  if (listened) cli.child.kill('SIGKILL')
  return { ...(await cli.exited), listened }
}

/** The error line and its hint, and nothing else: no stack, no banner. Exit 2 for a flag's value, 1 for the config's. */
function expectOneError(result: CliResult & { listened: boolean }, error: string, hint: string, exit = 1): void {
  expect(result.listened).toBe(false)
  expect(result.code).toBe(exit)
  expect(result.stderr).toBe(`error: ${error}\nhint: ${hint}\n`)
  expect(result.stdout).toBe('')
}

describe('item 11: selectors and filters that could never match are refused', () => {
  it('start --fault with a --route the proxy does not have lists the real routes', async () => {
    const dir = await project(configWith(ROUTES))
    const result = await refusedToStart(['start', '--fault', '5xx 30% --route api'], dir)
    expectOneError(
      result,
      '--fault "5xx 30% --route api": --route "api" names no route of this proxy; its routes are users, web',
      'Name one of the routes, or leave --route out to fault every route.',
      2,
    )
  })

  it('start --target has one route, named default', async () => {
    const dir = await project()
    const result = await refusedToStart(['start', '--target', TARGET, '--port', '0', '--fault', 'reset 10% --route defualt'], dir)
    expect(result.listened).toBe(false)
    expect(result.stderr).toContain('--route "defualt" names no route of this proxy (did you mean "default"?); its routes are default')
  })

  it('start --fault with a --method no request can carry suggests the method meant', async () => {
    const dir = await project(configWith(ROUTES))
    const result = await refusedToStart(['start', '--fault', '5xx 30% --method GTE'], dir)
    expect(result.listened).toBe(false)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('"GTE" is not an HTTP method')
    expect(result.stderr).toContain('did you mean GET?')
  })

  it('a config fault (string form) naming no route fails check and start', async () => {
    const dir = await project(configWith(`${ROUTES}, faults: ['5xx 30% --route api']`))
    const check = await runCli(['check'], { cwd: dir })
    expect(check.code).toBe(1)
    expect(check.stderr).toContain('proxy.config.ts: faults[0] --route "api" names no route of this proxy; its routes are users, web')
    expectNoStack(check.stderr)
    expect((await refusedToStart(['start'], dir)).listened).toBe(false)
  })

  it('a fault status that does not fit its kind (issue 27 item 11): check and devproxy fault say which, where', async () => {
    const dir = await project(configWith(`${ROUTES}, faults: [{ kind: '5xx', statuses: [200] }]`))
    const check = await runCli(['check'], { cwd: dir })
    expect(check.code).toBe(1)
    expect(check.stderr).toContain('proxy.config.ts: faults[0].statuses[0] must be 500–599 for a 5xx fault (got 200)')
    expectNoStack(check.stderr)
    // Explained before any proxy is looked for: none runs here.
    const fault = await runCli(['fault', '--status', '200'], { cwd: dir })
    expect(fault.code).toBe(2) // a bad flag value is a usage error (issue 28 item 9)
    expect(fault.stderr).toContain('error: --status: 200 must be 400–599 for a status fault; write e.g. 429 or 500,503')
    expectNoStack(fault.stderr)
  })

  it('a route method that is no HTTP method: did you mean', async () => {
    const dir = await project(configWith(`routes: [{ path: '/', methods: ['GET', 'GTE'], target: '${TARGET}' }]`))
    const result = await runCli(['check'], { cwd: dir })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('proxy.config.ts: routes[0].methods[1] must be an HTTP method such as "GET" (got "GTE")\n    → did you mean "GET"?')
  })

  it('a WebDAV method Node accepts is a method', async () => {
    const dir = await project(configWith(`routes: [{ path: '/', methods: ['PROPFIND', 'get'], target: '${TARGET}' }]`))
    const result = await runCli(['check'], { cwd: dir })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
  })

  it.each([
    { filter: 'method=GTE', error: '--filter "method=GTE" is not a filter: "GTE" is not an HTTP method', hint: 'did you mean GET?' },
    { filter: 'method=GET,FOO', error: '--filter "method=GET,FOO" is not a filter: "FOO" is not an HTTP method', hint: 'use one of GET HEAD POST PUT DELETE CONNECT OPTIONS TRACE PATCH' },
    { filter: 'status=600-700', error: '--filter "status=600-700" is not a filter: a status is from 100 to 599', hint: 'e.g. status=500-599 or status=5xx' },
    { filter: 'status=099', error: '--filter "status=099" is not a filter: a status is from 100 to 599', hint: 'e.g. status=500-599' },
    { filter: 'route=nope', error: '--filter "route=nope" is not a filter: no route is named "nope"', hint: 'the routes are users, web' },
  ])('record --filter $filter is refused before anything is recorded', async ({ filter, error, hint }) => {
    const dir = await project(configWith(ROUTES))
    const result = await refusedToStart(['record', '--out', 'x.har', '--filter', filter], dir)
    expect(result.listened).toBe(false)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`error: ${error}\nhint: ${hint}`)
    expect(existsSync(join(dir, 'x.har'))).toBe(false)
  })

  it('start --ignore that is neither a header name nor a JSON path', async () => {
    const dir = await project(configWith(ROUTES))
    const result = await refusedToStart(['start', '-vv', '--ignore', 'items[0]'], dir)
    expectOneError(result, '--ignore "items[0]" is neither a header name nor a JSON path', 'did you mean $.items[0]? (JSON paths start with $)', 2)
  })
})

describe('item 12: a config without a default export says so', () => {
  it('export const config = …: names the export and shows the line to add', async () => {
    const dir = await project(`import { defineConfig } from 'devproxy'\nexport const config = defineConfig({ ${ROUTES} })\n`)
    for (const command of ['check', 'start']) {
      const result = await refusedToStart([command], dir)
      expectOneError(
        result,
        'proxy.config.ts: no default export (it has only the named export config)',
        'devproxy reads the config from the default export: write export default defineConfig({ … }), or keep yours and add: export default config',
      )
      expect(result.stderr).not.toContain('routes must be a non-empty array')
    }
  })

  it('several named exports, or none at all', async () => {
    const several = await project(`export const a = 1\nexport const config = { ${ROUTES} }\n`)
    expect((await runCli(['check'], { cwd: several })).stderr).toBe(
      'error: proxy.config.ts: no default export (it has only the named exports a, config)\nhint: devproxy reads the config from the default export: write export default defineConfig({ … })\n',
    )
    const none = await project(`const config = { ${ROUTES} }\n`)
    expect((await runCli(['check'], { cwd: none })).stderr).toContain('error: proxy.config.ts: no default export (it exports nothing)')
  })

  it('module.exports = … in a .js config is a default export', async () => {
    const dir = await project()
    await writeFile(join(dir, 'proxy.config.js'), `module.exports = { ${ROUTES} }\n`)
    const result = await runCli(['check'], { cwd: dir })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
  })
})

describe('item 13: a reload names every field it changed', () => {
  it('retry, faults and log changes, instead of "no route changes"', async () => {
    const route = `{ name: 'api', path: '/api', target: '${TARGET}' }`
    const dir = await project(configWith(`routes: [${route}]`))
    const cli = spawnCli(['start'], { cwd: dir })
    try {
      await within(10_000, cli.waitFor(/watching proxy\.config\.ts for changes/), 'start')
      const seen = cli.stdout().length
      const retried = `{ name: 'api', path: '/api', target: '${TARGET}', retry: { attempts: 3 } }`
      await writeFile(join(dir, 'proxy.config.ts'), configWith(`routes: [${retried}], faults: ['5xx 30% --route api'], log: { diff: 'body' }`))
      const expected = [
        '↻ proxy.config.ts reloaded: 2 changed, 1 needs restart',
        '  ~ api',
        '      retry.attempts: 1 → 3',
        '  ~ faults: none → 5xx rate=0.3 route=api',
        '  ! log.diff: none → body takes effect after a restart',
      ].join('\n')
      await within(10_000, cli.waitFor(new RegExp(expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), { from: seen }), `the reload summary; got:\n${cli.stdout().slice(seen)}`)
    } finally {
      cli.child.kill('SIGINT')
      await cli.exited
    }
  })
})

describe('a reload that drops the route of a live fault', () => {
  it('warns that the fault will not fire, naming it and how to remove it', async () => {
    const dir = await project(configWith(ROUTES))
    const cli = spawnCli(['start', '--fault', '5xx 100% --route users'], { cwd: dir })
    try {
      await within(10_000, cli.waitFor(/watching proxy\.config\.ts for changes/), 'start')
      await writeFile(join(dir, 'proxy.config.ts'), configWith(`routes: [{ name: 'web', path: '/', target: '${TARGET}' }]`))
      await within(10_000, cli.waitFor(/fault f\d+ \(--route users\) matches no route of the reloaded config and will not fire; remove it with devproxy fault --remove f\d+/, { stream: 'stderr' }), 'the warning')
    } finally {
      cli.child.kill('SIGINT')
      await cli.exited
    }
  })
})

describe('item 14: a --log-file that cannot be written stops start before it listens', () => {
  it('a directory that does not exist', async () => {
    const dir = await project(configWith(ROUTES))
    const file = join(dir, 'missing', 'x.log')
    const result = await refusedToStart(['start', '--log-file', file], dir)
    expectOneError(
      result,
      `cannot write the log file ${file}: the directory ${join(dir, 'missing')} does not exist`,
      'Give --log-file a file path in a directory that exists and that you can write to.',
    )
    expect(await readdir(dir)).toEqual(['proxy.config.ts'])
  })

  it('a directory given as the file', async () => {
    const dir = await project(configWith(ROUTES))
    const result = await refusedToStart(['start', '--log-file', dir], dir)
    expectOneError(result, `cannot write the log file ${dir}: it is a directory`, 'Give --log-file a file path in a directory that exists and that you can write to.')
  })

  it('a writable path still works', async () => {
    const dir = await project(configWith(ROUTES))
    const cli = spawnCli(['start', '--log-file', 'proxy.log'], { cwd: dir })
    try {
      await within(10_000, cli.waitFor(LISTENING), 'listening')
      expect(existsSync(join(dir, 'proxy.log'))).toBe(true)
    } finally {
      cli.child.kill('SIGINT')
      await cli.exited
    }
  })
})
