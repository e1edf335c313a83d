import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { entryPath, proxiesDir, writeState } from '../../src/control/state-file.js'
import { expectNoStack, runCli, spawnCli, type RunningCli } from '../helpers/cli.js'
import { echoHandler, request, startUpstream, type TestUpstream } from '../helpers/servers.js'

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/

describe('devproxy fault and status with no proxy running', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-none-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it.each([
    ['fault --5xx 30%', ['fault', '--5xx', '30%']],
    ['fault', ['fault']],
    ['status', ['status']],
  ])('`devproxy %s` says none is running and how to start one (exit 1)', async (_name, args) => {
    const result = await runCli(args, { cwd: dir })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('error: no devproxy is running for this directory')
    expect(result.stderr).toContain('hint: ')
    expect(result.stderr).toContain('devproxy start')
    expect(result.stderr).toContain('--config')
    expectNoStack(result.stderr)
  })

  it('an entry left by a proxy that died is called stale, with the pid and the file, removed, and what to do', async () => {
    const stale = await mkdtemp(join(tmpdir(), 'devproxy-stale-'))
    try {
      const pid = await exitedPid()
      const file = await writeState(stale, { pid, url: 'http://127.0.0.1:8080', controlUrl: 'http://127.0.0.1:40000', token: 'a'.repeat(43), startedAt: Date.now(), command: 'start' })
      expect(file).toBe(entryPath(stale, { pid, url: 'http://127.0.0.1:8080' }))
      const result = await runCli(['fault', '--5xx', '30%'], { cwd: stale })
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`the devproxy recorded in ${file} is gone (pid ${pid} is not running); its stale entry has been removed`)
      expect(result.stderr).toContain('devproxy start')
      expectNoStack(result.stderr)
      expect(existsSync(file)).toBe(false)
    } finally {
      await rm(stale, { recursive: true, force: true })
    }
  })

  it('a mistake in the flags is explained before looking for a proxy', async () => {
    const result = await runCli(['fault', '--5xx', '30'], { cwd: dir })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--5xx: "30" is not a rate; write 30%')
    expectNoStack(result.stderr)
  })

  it('a selector without a fault says to name the fault', async () => {
    const result = await runCli(['fault', '--route', 'api'], { cwd: dir })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--route narrows or tunes a fault; name the fault too')
  })

  it('--json errors are JSON too', async () => {
    const result = await runCli(['status', '--json'], { cwd: dir })
    expect(result.code).toBe(1)
    expect(JSON.parse(result.stdout || result.stderr)).toMatchObject({ error: { code: 'proxy_not_running' } })
  })
})

describe('devproxy fault and status against `devproxy start --target`', () => {
  let dir: string
  let upstream: TestUpstream
  let cli: RunningCli
  let proxyUrl: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-live-'))
    upstream = await startUpstream(echoHandler)
    cli = spawnCli(['start', '--target', upstream.url, '--port', '0'], { cwd: dir })
    proxyUrl = (await cli.waitFor(LISTENING))[1]!
    await cli.waitFor(/control: devproxy fault \/ devproxy status \(from this directory\)/)
  })
  afterAll(async () => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) {
      cli.child.kill('SIGTERM')
      await cli.exited
    }
    await upstream.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('start writes its entry, .devproxy/proxies/<pid>-<port>.json, in its directory', () => {
    expect(existsSync(entryPath(dir, { pid: cli.child.pid!, url: proxyUrl }))).toBe(true)
  })

  it('`devproxy status` shows the proxy and its route, from a subdirectory too', async () => {
    const sub = join(dir, 'src')
    await mkdir(sub, { recursive: true })
    const result = await runCli(['status'], { cwd: sub })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`devproxy ${proxyUrl} (pid ${cli.child.pid}, up `)
    expect(result.stdout).toMatch(new RegExp(`^  default  /  → ${upstream.url}$`, 'm'))
    expect(result.stdout).toContain('no active faults')
    expect(result.stdout).toMatch(/^requests \d+  errors \d+  faults injected \d+$/m)
  })

  it('`devproxy fault --5xx 100% --route default` adds it and says how to undo it', async () => {
    const result = await runCli(['fault', '--5xx', '100%', '--route', 'default', '--seed', '1', '--for', '5m'], { cwd: dir })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^\+ f\d+ 5xx 100% on route default \(seed 1, for 5m\)$/m)
    expect(result.stdout).toContain('devproxy fault --clear')
  })

  it('then a request through the proxy gets a 5xx', async () => {
    const response = await request(`${proxyUrl}/hello`)
    expect(response.status).toBeGreaterThanOrEqual(500)
    expect(response.status).toBeLessThan(600)
  })

  it('`devproxy fault --list` shows it with its counts', async () => {
    const result = await runCli(['fault', '--list'], { cwd: dir })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^ {2}f\d+ +5xx 100% on route default \(seed 1, for 5m\) +matched \d+, injected \d+ +expires in \d+m\d*s?$/m)
  })

  it('`devproxy status --json` is the status object', async () => {
    const result = await runCli(['status', '--json'], { cwd: dir })
    expect(result.code).toBe(0)
    const status = JSON.parse(result.stdout)
    expect(status).toMatchObject({
      pid: cli.child.pid,
      url: proxyUrl,
      routes: [{ name: 'default', path: '/', targets: [upstream.url] }],
      faults: [{ kind: '5xx', rate: 1, route: 'default', seed: 1, forMs: 300_000, source: 'api' }],
    })
    expect(status.counters).toEqual({ requests: expect.any(Number), errors: expect.any(Number), faults: expect.any(Number) })
  })

  it('`devproxy fault --clear` removes it', async () => {
    const result = await runCli(['fault', '--clear'], { cwd: dir })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('cleared 1 fault')
    expect((await runCli(['fault'], { cwd: dir })).stdout).toContain('no active faults')
    expect((await request(`${proxyUrl}/hello`)).status).toBe(200)
  })

  it('`devproxy fault --remove ID` removes one; an unknown id is an error', async () => {
    const added = JSON.parse((await runCli(['fault', '--reset', '10%', '--json'], { cwd: dir })).stdout)
    const id = added.faults[0].id as string
    expect((await runCli(['fault', '--remove', id], { cwd: dir })).stdout).toContain(`- ${id} removed`)
    const again = await runCli(['fault', '--remove', id], { cwd: dir })
    expect(again.code).toBe(1)
    expect(again.stderr).toContain(`no active fault "${id}"`)
    expect(again.stderr).toContain('devproxy fault --list')
  })

  it('SIGINT stops the proxy and removes its entry (and .devproxy, now empty)', async () => {
    cli.child.kill('SIGINT')
    expect((await cli.exited).code).toBe(0)
    expect(existsSync(join(dir, '.devproxy'))).toBe(false)
    const after = await runCli(['status'], { cwd: dir })
    expect(after.stderr).toContain('no devproxy is running')
  })
})

describe('devproxy start --config in another directory', () => {
  it('writes the state next to the config file; --config PATH finds it from elsewhere', async () => {
    const project = await mkdtemp(join(tmpdir(), 'devproxy-cfg-'))
    const upstream = await startUpstream(echoHandler)
    const configDir = join(project, 'dev')
    await mkdir(configDir)
    await writeFile(join(configDir, 'proxy.config.ts'), `export default { port: 0, routes: [{ name: 'api', path: '/api', target: '${upstream.url}' }] }\n`)
    const cli = spawnCli(['start', '--config', 'dev/proxy.config.ts', '--no-watch'], { cwd: project })
    try {
      await cli.waitFor(/control: /)
      expect(await readdir(proxiesDir(configDir))).toEqual([expect.stringMatching(new RegExp(`^${cli.child.pid}-\\d+\\.json$`))])
      const result = await runCli(['status', '--config', 'dev/proxy.config.ts'], { cwd: project })
      expect(result.code).toBe(0)
      expect(result.stdout).toContain('config: dev/proxy.config.ts')
      expect(result.stdout).toMatch(/^ {2}api {2}\/api {2}→ /m)
    } finally {
      cli.child.kill('SIGTERM')
      await cli.exited
      await upstream.close()
      await rm(project, { recursive: true, force: true })
    }
  })
})

/** The pid of a process that has exited (and been reaped). */
function exitedPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
    child.on('error', reject)
    child.on('exit', () => resolve(child.pid!))
  })
}
