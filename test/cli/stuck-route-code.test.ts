/**
 * Route code that never returns (issue 27 item 9): an `onRequest` or a mock's `respond` stuck in
 * `for (;;) {}` used to freeze the whole proxy — every route hung, nothing was printed, and
 * Ctrl-C and SIGTERM did nothing. Now the request that ran it loses its connection, stderr
 * names the route, the hook and the config line, and the proxy serves again on the same port
 * within seconds; `devproxy status` keeps showing one proxy, and a signal stops it during and
 * after the stuck code. Driven as a user drives it: `devproxy start` from a project directory.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, spawnCli, type RunningCli } from '../helpers/cli.js'
import { request, startUpstream, type TestUpstream } from '../helpers/servers.js'
import { within } from '../helpers/wait.js'

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/

/** The config; the loops are on lines 12 (onRequest), 21 (respond) and 32 (onRequest, after an await). */
function config(upstreamUrl: string): string {
  return `import { defineConfig } from 'devproxy'
export default defineConfig({
  port: 0,
  routes: [
    {
      name: 'stuck',
      path: '/stuck',
      target: ${JSON.stringify(upstreamUrl)},
      hookTimeoutMs: 1000,
      onRequest() {
        process.stderr.write('onRequest entered\\n')
        for (;;) {}
      },
    },
    {
      name: 'mocked',
      path: '/mocked',
      hookTimeoutMs: 1000,
      mock: {
        respond: () => {
          for (;;) {}
        },
      },
    },
    {
      name: 'later',
      path: '/later',
      target: ${JSON.stringify(upstreamUrl)},
      hookTimeoutMs: 1000,
      async onRequest(ctx) {
        await ctx.text()
        for (;;) {}
      },
    },
    { name: 'fine', path: '/', target: ${JSON.stringify(upstreamUrl)} },
  ],
})
`
}

/** A request the proxy never answers: it ends with the connection closed under it. */
async function connectionClosed(url: string): Promise<Error> {
  const outcome = await within(20_000, request(url).then(
    (response) => new Error(`answered ${response.status}`),
    (error: Error) => error,
  ), `the end of ${url}`)
  expect(outcome.message).not.toMatch(/^answered/)
  return outcome
}

async function stopped(cli: RunningCli): Promise<void> {
  if (cli.child.exitCode !== null || cli.child.signalCode !== null) return
  cli.child.kill('SIGKILL')
  await cli.exited
}

describe('route code that never returns, under devproxy start', () => {
  let upstream: TestUpstream
  let dir: string
  let cli: RunningCli
  let url: string

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('upstream'))
    dir = await mkdtemp(join(tmpdir(), 'devproxy-stuck-'))
    await writeFile(join(dir, 'proxy.config.ts'), config(upstream.url))
    cli = spawnCli(['start'], { cwd: dir })
    url = (await cli.waitFor(LISTENING))[1]!
    await cli.waitFor(/control: /)
  })
  afterAll(async () => {
    await stopped(cli)
    await upstream.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('an onRequest stuck in a loop: its request loses the connection; stderr names the route, the hook and the config line', async () => {
    expect((await request(`${url}/ok`)).body.toString()).toBe('upstream')
    const printed = cli.stdout().length
    const error = await connectionClosed(`${url}/stuck/x`)
    expect(error.message).toMatch(/socket hang up|ECONNRESET/)
    const [line] = await within(10_000, cli.waitFor(/.*route "stuck" onRequest.*/, { stream: 'stderr' }), 'the report')
    expect(line).toMatch(/hookTimeoutMs \(1000 ms\)/)
    expect(line).toMatch(/proxy\.config\.ts:12:\d+/)
    // Served again on the same port: a new banner, then an answer.
    const [, again] = await within(10_000, cli.waitFor(LISTENING, { from: printed }), 'the proxy to listen again')
    expect(again).toBe(url)
    await cli.waitFor(/control: /, { from: printed })
    expect((await request(`${url}/ok`)).body.toString()).toBe('upstream')
    expect(cli.stderr()).toMatch(/restarting the proxy/)
  })

  it('says what was lost with the process: requests in flight, live faults, the inspector history', () => {
    expect(cli.stderr()).toMatch(/in flight/)
    expect(cli.stderr()).toMatch(/devproxy fault/)
    expect(cli.stderr()).toMatch(/inspector/)
  })

  it('devproxy status shows the one proxy serving, under the pid that was started', async () => {
    const result = await runCli(['status'], { cwd: dir })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`devproxy ${url} (pid ${cli.child.pid}, up `)
    expect(await readdir(join(dir, '.devproxy', 'proxies'))).toEqual([`${cli.child.pid}-${new URL(url).port}.json`])
  })

  it("a mock's respond stuck in a loop: the same, naming mock[0].respond", async () => {
    const printed = cli.stdout().length
    const reported = cli.stderr().length
    await connectionClosed(`${url}/mocked/x`)
    const [line] = await within(10_000, cli.waitFor(/.*route "mocked" mock\[0\]\.respond.*/, { stream: 'stderr', from: reported }), 'the report')
    expect(line).toMatch(/proxy\.config\.ts:21:\d+/)
    await within(10_000, cli.waitFor(LISTENING, { from: printed }), 'the proxy to listen again')
    await cli.waitFor(/control: /, { from: printed })
    expect((await request(`${url}/ok`)).body.toString()).toBe('upstream')
  })

  it('an async onRequest that loops after its await (outside the call that started it): the same, naming the line', async () => {
    const printed = cli.stdout().length
    const reported = cli.stderr().length
    await connectionClosed(`${url}/later/x`)
    const [line] = await within(10_000, cli.waitFor(/.*held the event loop.*/, { stream: 'stderr', from: reported }), 'the report')
    expect(line).toMatch(/^error: the config's code at proxy\.config\.ts:32:\d+ \(in onRequest\) has held the event loop for \d+(\.\d)? s, past the longest hookTimeoutMs \(1000 ms\)/)
    await within(10_000, cli.waitFor(LISTENING, { from: printed }), 'the proxy to listen again')
    await cli.waitFor(/control: /, { from: printed })
    expect((await request(`${url}/ok`)).body.toString()).toBe('upstream')
  })

  it('SIGINT afterwards stops it as before: exit 0, its entry removed', async () => {
    cli.child.kill('SIGINT')
    const exit = await within(10_000, cli.exited, 'devproxy to exit')
    expect(exit.code, exit.stderr).toBe(0)
    expect(existsSync(join(dir, '.devproxy'))).toBe(false)
  })
})

describe.each([
  ['SIGTERM', 143],
  ['SIGINT', 130],
] as const)('%s while route code is stuck', (signal, code) => {
  it(`stops the proxy (exit ${code}) once the stuck code is ended, without a restart; status finds none`, async () => {
    const upstream = await startUpstream((_req, res) => res.end('upstream'))
    const dir = await mkdtemp(join(tmpdir(), 'devproxy-stuck-stop-'))
    await writeFile(join(dir, 'proxy.config.ts'), config(upstream.url))
    const cli = spawnCli(['start'], { cwd: dir })
    try {
      const [, url] = await cli.waitFor(LISTENING)
      await cli.waitFor(/control: /)
      const lost = connectionClosed(`${url}/stuck/x`)
      lost.catch(() => {}) // awaited below; a failure before then must not also be unhandled
      await cli.waitFor(/onRequest entered/, { stream: 'stderr' })
      cli.child.kill(signal)
      const exit = await within(20_000, cli.exited, 'devproxy to exit')
      await lost
      expect(exit.code, exit.stderr).toBe(code)
      expect(exit.stderr).toMatch(/route "stuck" onRequest/)
      expect(exit.stdout.match(new RegExp(LISTENING, 'g'))).toHaveLength(1)
      expect(existsSync(join(dir, '.devproxy'))).toBe(false)
      expect((await runCli(['status'], { cwd: dir })).stderr).toContain('no devproxy is running')
    } finally {
      await stopped(cli)
      await upstream.close()
      await rm(dir, { recursive: true, force: true })
    }
  }, 50_000)
})

describe('devproxy record when route code gets stuck', () => {
  it('goes on with the same recording after the restart: the entries of both runs, a valid file at the end', async () => {
    const upstream = await startUpstream((_req, res) => res.end('upstream'))
    const dir = await mkdtemp(join(tmpdir(), 'devproxy-stuck-record-'))
    await writeFile(join(dir, 'proxy.config.ts'), config(upstream.url))
    const cli = spawnCli(['record', '--out', 'flow.har'], { cwd: dir })
    try {
      const [, url] = await cli.waitFor(LISTENING)
      await cli.waitFor(/control: /)
      expect((await request(`${url}/before`)).status).toBe(200)
      const printed = cli.stdout().length
      await connectionClosed(`${url}/stuck/x`)
      await within(10_000, cli.waitFor(LISTENING, { from: printed }), 'the proxy to listen again')
      await cli.waitFor(/control: /, { from: printed })
      expect(cli.stderr()).toContain('The recording goes on in flow.har.')
      expect((await request(`${url}/after`)).status).toBe(200)
      cli.child.kill('SIGINT')
      const exit = await within(10_000, cli.exited, 'devproxy to exit')
      expect(exit.code, exit.stderr).toBe(0)
      const har = JSON.parse(await readFile(join(dir, 'flow.har'), 'utf8'))
      expect(har.log.entries.map((entry: { request: { url: string } }) => new URL(entry.request.url).pathname)).toEqual(['/before', '/after'])
    } finally {
      await stopped(cli)
      await upstream.close()
      await rm(dir, { recursive: true, force: true })
    }
  }, 50_000)
})

/** The pid of `pid`'s child process (the proxy its supervisor runs), from /proc. */
async function childOf(pid: number): Promise<number> {
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '')
    if (Number(stat.split(') ')[1]?.split(' ')[1]) === pid) return Number(name)
  }
  throw new Error(`no child of ${pid}`)
}

/** Running (a zombie nobody reaps, as in a container whose init does not, has ended). */
async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
  return stat !== undefined && stat.split(') ')[1]?.[0] !== 'Z'
}

describe('a report nobody can read', () => {
  it('stderr closed (its reader gone): the stuck process is ended and the proxy serves again all the same', async () => {
    const upstream = await startUpstream((_req, res) => res.end('upstream'))
    const dir = await mkdtemp(join(tmpdir(), 'devproxy-stuck-epipe-'))
    await writeFile(join(dir, 'proxy.config.ts'), config(upstream.url).replace("process.stderr.write('onRequest entered\\n')", ''))
    const cli = spawnCli(['start'], { cwd: dir })
    try {
      const [, url] = await cli.waitFor(LISTENING)
      await cli.waitFor(/control: /)
      cli.child.stderr.destroy()
      const printed = cli.stdout().length
      await connectionClosed(`${url}/stuck/x`)
      await within(10_000, cli.waitFor(LISTENING, { from: printed }), 'the proxy to listen again')
      await cli.waitFor(/control: /, { from: printed })
      expect((await request(`${url}/ok`)).body.toString()).toBe('upstream')
    } finally {
      await stopped(cli)
      await upstream.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('stopping what the watchdog has not ended', () => {
  let upstream: TestUpstream
  let dir: string
  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('upstream'))
    dir = await mkdtemp(join(tmpdir(), 'devproxy-stuck-force-'))
    // Ten minutes: the watchdog will not act within the test.
    await writeFile(join(dir, 'proxy.config.ts'), config(upstream.url).replace("hookTimeoutMs: 1000,\n      onRequest", "hookTimeoutMs: 600000,\n      onRequest"))
  })
  afterAll(async () => {
    await upstream.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('a second Ctrl-C ends a proxy stuck in route code within seconds (exit 130), its entry removed', async () => {
    const cli = spawnCli(['start'], { cwd: dir })
    try {
      const [, url] = await cli.waitFor(LISTENING)
      await cli.waitFor(/control: /)
      const lost = connectionClosed(`${url}/stuck/x`)
      lost.catch(() => {})
      await cli.waitFor(/onRequest entered/, { stream: 'stderr' })
      cli.child.kill('SIGINT')
      await within(10_000, cli.waitFor(/devproxy: the proxy does not answer \(route code may be holding it\).*press Ctrl-C again to end it now/, { stream: 'stderr' }), 'the supervisor to say so')
      cli.child.kill('SIGINT')
      const exit = await within(10_000, cli.exited, 'devproxy to exit')
      await lost
      expect(exit.code, exit.stderr).toBe(130)
      expect(existsSync(join(dir, '.devproxy'))).toBe(false)
    } finally {
      await stopped(cli)
    }
  })

  it('the supervisor killed outright: the proxy it ran stops by itself and removes its entry', async () => {
    const cli = spawnCli(['start'], { cwd: dir })
    try {
      await cli.waitFor(LISTENING)
      await cli.waitFor(/control: /)
      const proxy = await childOf(cli.child.pid!)
      cli.child.kill('SIGKILL')
      // 'close' waits for every holder of the output pipes: the proxy, too, has exited.
      await within(10_000, cli.exited, 'the supervisor and the proxy to exit')
      expect(await isRunning(proxy)).toBe(false)
      expect(existsSync(join(dir, '.devproxy'))).toBe(false)
    } finally {
      await stopped(cli)
    }
  })
})

describe('a config saved with a loop in its own code (run at each load)', () => {
  it('is named on the reload and again at the restart, and devproxy exits instead of hanging', async () => {
    const upstream = await startUpstream((_req, res) => res.end('upstream'))
    const dir = await mkdtemp(join(tmpdir(), 'devproxy-stuck-load-'))
    await writeFile(join(dir, 'proxy.config.ts'), `export default { port: 0, routes: [{ path: '/', target: ${JSON.stringify(upstream.url)} }] }\n`)
    const cli = spawnCli(['start'], { cwd: dir })
    try {
      await cli.waitFor(LISTENING)
      await cli.waitFor(/watching proxy\.config\.ts/)
      await writeFile(join(dir, 'proxy.config.ts'), `let n = 0\nfor (;;) n++\nexport default { routes: [] }\n`)
      const exit = await within(40_000, cli.exited, 'devproxy to exit')
      const reports = exit.stderr.match(/^error: the config's code at proxy\.config\.ts:\d+:\d+ has held the event loop for .*$/gm)
      expect(reports, exit.stderr).toHaveLength(2)
      expect(exit.stderr).toContain('devproxy: the proxy got stuck before it could serve, so it is not started again')
      expect(exit.code).toBe(137)
      expect(existsSync(join(dir, '.devproxy'))).toBe(false)
    } finally {
      await stopped(cli)
      await upstream.close()
      await rm(dir, { recursive: true, force: true })
    }
  }, 50_000)
})
