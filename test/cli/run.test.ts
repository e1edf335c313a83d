import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoStack, runCli, spawnCli } from '../helpers/cli.js'
import { startFakeExternal, type FakeExternal } from '../helpers/external-server.js'
import { fakeRunningDevproxy, type FakeRunningDevproxy } from '../helpers/fake-running-devproxy.js'
import { startForwardProxy, type FixtureForwardProxy } from '../helpers/forward-proxy.js'

/**
 * `devproxy run` as a user runs it. Until devproxy's own forward mode is merged, the devproxy it
 * finds running for the directory is a stand-in (test/helpers/fake-running-devproxy.ts: a state
 * entry whose status reports `interceptCaPath`) in front of the fixture forward proxy; what this
 * file checks — the command's exit code, signals, stdin, stdout, errors — does not depend on
 * which proxy it is. Needs `npm run build`.
 */

const NAME = 'api.example.test'
let dir: string
let fake: FakeExternal
let proxy: FixtureForwardProxy
let running: FakeRunningDevproxy

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devproxy-run-cli-'))
  fake = await startFakeExternal(NAME, dir)
  proxy = await startForwardProxy([NAME])
  running = await fakeRunningDevproxy(dir, proxy.url, { interceptCaPath: fake.caFile })
})

afterAll(async () => {
  await running?.close()
  await proxy?.close()
  await fake?.close()
  await rm(dir, { recursive: true, force: true })
})

const node = (script: string) => [process.execPath, '-e', script]

describe('devproxy run', () => {
  it("runs the command through the devproxy running here: curl reaches the external API through the proxy, trusting the bundle, and stdout is the command's alone", async () => {
    const result = await runCli(['run', '--', 'curl', '-sS', '--fail', `https://${NAME}:${fake.httpsPort}/from-run`], { cwd: dir })
    expect(result.stderr).toContain(`devproxy run: through the devproxy running here (${proxy.url}, pid ${process.pid})`)
    expect(JSON.parse(result.stdout)).toMatchObject({ from: 'fake-external', path: '/from-run' })
    expect(proxy.seen).toContainEqual({ method: 'CONNECT', target: `${NAME}:${fake.httpsPort}` })
    expect(result.code).toBe(0)
  })

  it('the CA bundle lives as long as the command: removed when run ends', async () => {
    const result = await runCli(['run', '-q', '--', ...node('console.log(process.env.HTTPS_PROXY, process.env.NODE_EXTRA_CA_CERTS)')], { cwd: dir })
    const [proxyUrl, bundle = ''] = result.stdout.trim().split(' ')
    expect(proxyUrl).toBe(proxy.url)
    expect(bundle).toMatch(/devproxy-run-.*ca-bundle\.pem$/)
    expect(existsSync(bundle)).toBe(false)
    expect(result.stderr).toBe('')
  })

  it('exits with the command’s exit code', async () => {
    const result = await runCli(['run', '-q', '--', ...node('process.exit(7)')], { cwd: dir })
    expect(result.code).toBe(7)
  })

  it('gives the command its stdin', async () => {
    const cli = spawnCli(['run', '-q', '--', ...node('process.stdin.pipe(process.stdout)')], { cwd: dir })
    cli.child.stdin.end('line one\nline two\n')
    const result = await cli.exited
    expect(result.stdout).toBe('line one\nline two\n')
    expect(result.code).toBe(0)
  })

  it('passes SIGTERM on: the command handles it and its exit code is run’s', async () => {
    const cli = spawnCli(['run', '-q', '--', ...node("process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(42) }); console.log('ready'); setInterval(() => {}, 1000)")], { cwd: dir })
    await cli.waitFor(/ready/)
    cli.child.kill('SIGTERM')
    const result = await cli.exited
    expect(result.stdout).toContain('got SIGTERM')
    expect(result.code).toBe(42)
  })

  it('a command that dies of a signal: 128 + its number, as shells say it', async () => {
    const cli = spawnCli(['run', '-q', '--', ...node("console.log('ready'); setInterval(() => {}, 1000)")], { cwd: dir })
    await cli.waitFor(/ready/)
    cli.child.kill('SIGINT')
    const result = await cli.exited
    expect(result.code).toBe(130)
  })

  it('a command that is not there: one line, exit 127 as shells do', async () => {
    const result = await runCli(['run', '--', 'devproxy-no-such-command', '--flag'], { cwd: dir })
    expect(result.code).toBe(127)
    expect(result.stderr).toContain('error: devproxy-no-such-command: command not found')
    expectNoStack(result.stderr)
  })

  it('no command: a usage error, exit 2', async () => {
    const results = await Promise.all([['run'], ['run', '--intercept', NAME], ['run', '--']].map((args) => runCli(args, { cwd: dir })))
    for (const result of results) {
      expect(result.code).toBe(2)
      expect(result.stderr).toMatch(/^error: devproxy run needs a command to run, after --\nhint: e\.g\. `devproxy run --intercept api\.example\.test -- node app\.js`\n$/)
    }
  })

  it('an --intercept that is no host name: one line naming the flag, exit 2, as start says it', async () => {
    const result = await runCli(['run', '--intercept', 'https://api.example.test/v1', '--', 'true'], { cwd: dir })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^error: --intercept "https:\/\/api\.example\.test\/v1" must be a host name only/)
    expect(result.stderr).toMatch(/hint: Write --intercept api\.example\.test/)
    expect(result.stderr).not.toContain('outbound.intercept[0]')
    expectNoStack(result.stderr)
  })

  it('--port with --intercept: a usage error saying which does what', async () => {
    const result = await runCli(['run', '--port', String(proxy.port), '--intercept', NAME, '--', 'true'], { cwd: dir })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('error: --port picks a running devproxy')
  })

  it('--resolve that is not HOST=ADDRESS:PORT: a usage error', async () => {
    const result = await runCli(['run', '--resolve', 'api.example.test', '--', 'true'], { cwd: dir })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('error: --resolve api.example.test: expected HOST=ADDRESS:PORT')
  })

  it('--port naming a devproxy that is not a forward proxy: says so', async () => {
    const other = await mkdtemp(join(tmpdir(), 'devproxy-run-plain-'))
    const plain = await fakeRunningDevproxy(other, 'http://127.0.0.1:1', {})
    try {
      const result = await runCli(['run', '--port', '1', '--', 'true'], { cwd: other })
      expect(result.code).toBe(1)
      expect(result.stderr).toContain('error: the devproxy on port 1 is not a forward proxy')
      expectNoStack(result.stderr)
    } finally {
      await plain.close()
      await rm(other, { recursive: true, force: true })
    }
  })
})
