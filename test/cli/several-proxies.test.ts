/**
 * Two proxies started from the same directory (a `start` and a `record`), driven with the
 * built CLI as a user would from a third terminal: each keeps its own entry, `status` lists
 * both, `fault` and `status` pick one with --port, and when one stops the other is still found.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoStack, runCli, spawnCli, type RunningCli } from '../helpers/cli.js'
import { echoHandler, request, startUpstream, type TestUpstream } from '../helpers/servers.js'

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:(\d+))/

interface Started {
  readonly cli: RunningCli
  readonly url: string
  readonly port: number
  readonly pid: number
}

async function startIn(dir: string, args: string[]): Promise<Started> {
  const cli = spawnCli([...args, '--port', '0'], { cwd: dir })
  const [, url, port] = await cli.waitFor(LISTENING)
  await cli.waitFor(/control: /)
  return { cli, url: url!, port: Number(port), pid: cli.child.pid! }
}

async function stop(started: Started | undefined): Promise<void> {
  if (started === undefined || started.cli.child.exitCode !== null || started.cli.child.signalCode !== null) return
  started.cli.child.kill('SIGTERM')
  await started.cli.exited
}

const entriesDir = (dir: string) => join(dir, '.devproxy', 'proxies')

describe('a start and a record from the same directory', () => {
  let dir: string
  let upstream: TestUpstream
  let first: Started
  let second: Started

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-two-'))
    upstream = await startUpstream(echoHandler)
    first = await startIn(dir, ['start', '--target', upstream.url])
    second = await startIn(dir, ['record', '--target', upstream.url, '--out', 'two.har'])
  })
  afterAll(async () => {
    await stop(second)
    await stop(first)
    await upstream.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('the second says, as it starts, that fault and status now need --port', () => {
    expect(second.cli.stdout()).toContain(`control: devproxy fault --port ${second.port} / devproxy status (from this directory; another proxy runs from it on port ${first.port})`)
  })

  it('each keeps its own entry, owner-only (0600 in a 0700 directory)', async () => {
    const names = (await readdir(entriesDir(dir))).sort()
    expect(names).toEqual([`${first.pid}-${first.port}.json`, `${second.pid}-${second.port}.json`].sort())
    for (const name of names) expect((await stat(join(entriesDir(dir), name))).mode & 0o777).toBe(0o600)
    expect((await stat(entriesDir(dir))).mode & 0o777).toBe(0o700)
    expect((await stat(join(dir, '.devproxy'))).mode & 0o777).toBe(0o700)
  })

  it('`devproxy status` lists both, one line each (port, pid, command, config), and how to pick one', async () => {
    const result = await runCli(['status'], { cwd: dir })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('2 devproxies run for this directory:')
    expect(result.stdout).toMatch(new RegExp(`^  port ${first.port} +pid ${first.pid} +start +no config file +up \\d`, 'm'))
    expect(result.stdout).toMatch(new RegExp(`^  port ${second.port} +pid ${second.pid} +record +no config file +up \\d`, 'm'))
    expect(result.stdout).toContain('devproxy status --port ')
  })

  it('`devproxy status --json` lists both', async () => {
    const result = await runCli(['status', '--json'], { cwd: dir })
    expect(result.code).toBe(0)
    const listing = JSON.parse(result.stdout)
    expect(listing.proxies).toHaveLength(2)
    expect(listing.proxies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pid: first.pid, url: first.url, command: 'start' }),
        expect.objectContaining({ pid: second.pid, url: second.url, command: 'record' }),
      ]),
    )
    expect(listing.stale).toEqual([])
    expect(listing.notAnswering).toEqual([])
  })

  it('`devproxy fault` with none chosen says which run and how to pick; it adds nothing', async () => {
    const result = await runCli(['fault', '--5xx', '100%'], { cwd: dir })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('error: 2 devproxies run for this directory; choose one with --port:')
    expect(result.stderr).toMatch(new RegExp(`^ +port ${first.port} +pid ${first.pid} +start +no config file$`, 'm'))
    expect(result.stderr).toMatch(new RegExp(`^ +port ${second.port} +pid ${second.pid} +record +no config file$`, 'm'))
    expect(result.stderr).toMatch(/^hint: Add --port PORT, e\.g\. --port \d+/m)
    expectNoStack(result.stderr)
    expect((await request(`${first.url}/x`)).status).toBe(200)
    expect((await request(`${second.url}/x`)).status).toBe(200)
  })

  it('`devproxy fault --port` faults that proxy only; the undo it prints names the port, which it needs', async () => {
    const result = await runCli(['fault', '--5xx', '100%', '--port', String(second.port)], { cwd: dir })
    expect(result.code).toBe(0)
    const [, id] = /^\+ (f\d+) 5xx 100%$/m.exec(result.stdout)!
    expect(result.stdout).toContain(`  undo: devproxy fault --clear --port ${second.port} (or just this one: devproxy fault --remove ${id} --port ${second.port})`)
    expect((await request(`${second.url}/x`)).status).toBeGreaterThanOrEqual(500)
    expect((await request(`${first.url}/x`)).status).toBe(200)
  })

  it('`devproxy fault --list` with none chosen lists each one\'s faults, under its port, pid and command', async () => {
    const result = await runCli(['fault', '--list'], { cwd: dir })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const lines = result.stdout.trimEnd().split('\n')
    const at = (port: number) => lines.findIndex((line) => new RegExp(`^port ${port} +pid \\d+ +(start|record) +no config file$`).test(line))
    expect(lines[at(first.port) + 1]).toBe(`  no active faults; add one with e.g. \`devproxy fault --5xx 30% --port ${first.port}\``)
    expect(lines[at(second.port) + 1]).toMatch(/^ {2}f\d+ +5xx 100% +matched \d+, injected \d+$/)
    expect(lines.at(-1)).toContain('devproxy fault --port PORT')
    const json = JSON.parse((await runCli(['fault', '--list', '--json'], { cwd: dir })).stdout)
    expect(json.proxies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pid: first.pid, command: 'start', faults: [] }),
        expect.objectContaining({ pid: second.pid, command: 'record', faults: [expect.objectContaining({ kind: '5xx', rate: 1 })] }),
      ]),
    )
  })

  it('`devproxy status --port` shows that one as a single proxy is shown', async () => {
    const result = await runCli(['status', '--port', String(second.port)], { cwd: dir })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`devproxy ${second.url} (pid ${second.pid}, up `)
    expect(result.stdout).toMatch(/^ {2}f\d+ +5xx 100%/m)
    const json = JSON.parse((await runCli(['status', '--port', String(first.port), '--json'], { cwd: dir })).stdout)
    expect(json).toMatchObject({ pid: first.pid, url: first.url, command: 'start', faults: [] })
  })

  it('a --port no proxy here listens on is an error listing those that run', async () => {
    const unused = first.port === 1 ? 2 : 1
    const result = await runCli(['fault', '--list', '--port', String(unused)], { cwd: dir })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`error: no devproxy on port ${unused} runs for this directory; these do:`)
    expect(result.stderr).toMatch(new RegExp(`^ +port ${first.port} +pid ${first.pid} +start`, 'm'))
  })

  it('when the second stops, the first is still found: status and fault work without --port', async () => {
    second.cli.child.kill('SIGINT')
    expect((await second.cli.exited).code).toBe(0)

    const status = await runCli(['status'], { cwd: dir })
    expect(status.stderr).toBe('')
    expect(status.code).toBe(0)
    expect(status.stdout).toContain(`devproxy ${first.url} (pid ${first.pid}, up `)
    const added = await runCli(['fault', '--reset', '100%'], { cwd: dir })
    expect(added.code).toBe(0)
    expect((await request(`${first.url}/x`)).status).toBe(502)
    expect((await runCli(['fault', '--clear'], { cwd: dir })).stdout).toContain('cleared 1 fault')
    expect(await readdir(entriesDir(dir))).toEqual([`${first.pid}-${first.port}.json`])
  })

  it('when the last stops, .devproxy is gone', async () => {
    first.cli.child.kill('SIGINT')
    expect((await first.cli.exited).code).toBe(0)
    expect(existsSync(join(dir, '.devproxy'))).toBe(false)
    expect((await runCli(['status'], { cwd: dir })).stderr).toContain('no devproxy is running for this directory')
  })
})

describe('entries left by proxies that did not stop cleanly', () => {
  it('are reported as stale and removed; the live proxy is still found', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devproxy-stale-'))
    const upstream = await startUpstream(echoHandler)
    let live: Started | undefined
    let killed: Started | undefined
    try {
      killed = await startIn(dir, ['start', '--target', upstream.url])
      killed.cli.child.kill('SIGKILL')
      await killed.cli.exited
      const staleEntry = join(entriesDir(dir), `${killed.pid}-${killed.port}.json`)
      expect(existsSync(staleEntry)).toBe(true)
      live = await startIn(dir, ['start', '--target', upstream.url])

      const result = await runCli(['status'], { cwd: dir })
      expect(result.code).toBe(0)
      expect(result.stderr).toContain(`note: removed a stale entry: devproxy start on port ${killed.port} (pid ${killed.pid}) is no longer running`)
      expect(result.stdout).toContain(`devproxy ${live.url} (pid ${live.pid}, up `)
      expect(existsSync(staleEntry)).toBe(false)
      expect(await readdir(entriesDir(dir))).toEqual([`${live.pid}-${live.port}.json`])
    } finally {
      await stop(live)
      await upstream.close()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('with no live proxy left, fault says the proxy is gone and removes its entry', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devproxy-stale-'))
    const upstream = await startUpstream(echoHandler)
    try {
      const killed = await startIn(dir, ['start', '--target', upstream.url])
      killed.cli.child.kill('SIGKILL')
      await killed.cli.exited
      const entry = join(entriesDir(dir), `${killed.pid}-${killed.port}.json`)
      const result = await runCli(['fault', '--5xx', '30%'], { cwd: dir })
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`error: the devproxy recorded in ${entry} is gone (pid ${killed.pid} is not running); its stale entry has been removed`)
      expect(result.stderr).toContain('devproxy start')
      expectNoStack(result.stderr)
      expect(existsSync(entry)).toBe(false)
      expect((await runCli(['status'], { cwd: dir })).stderr).toContain('no devproxy is running for this directory')
    } finally {
      await upstream.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
