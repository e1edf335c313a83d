import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoStack, runCli, spawnCli } from '../helpers/cli.js'
import { echoHandler, request, startUpstream, type TestUpstream } from '../helpers/servers.js'

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/

describe('devproxy start (as a user runs it)', () => {
  let dir: string
  let upstream: TestUpstream

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-cli-'))
    upstream = await startUpstream(echoHandler)
  })
  afterAll(async () => {
    await upstream.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('--help lists the command and its flags', async () => {
    const result = await runCli(['start', '--help'])
    expect(result.code).toBe(0)
    for (const flag of ['--config', '--target', '--demo', '--port', '--host']) expect(result.stdout).toContain(flag)
  })

  it('top-level --help lists start', async () => {
    const result = await runCli(['--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/start\s+Start the proxy/)
  })

  it('a missing config says how to make one', async () => {
    const result = await runCli(['start'], { cwd: dir })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('no config file at')
    expect(result.stderr).toContain('devproxy init')
    expect(result.stderr).toContain('--target')
    expectNoStack(result.stderr)
  })

  it.each([
    ['localhost:3000', 'http://localhost:3000'],
    [':3000', 'http://localhost:3000'],
    ['ftp://localhost', 'http'],
  ])('a bad --target %s is explained (suggests %s), exit 2', async (target, suggestion) => {
    const result = await runCli(['start', '--target', target, '--port', '0'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^error: --target /)
    expect(result.stderr).toContain(suggestion)
    expectNoStack(result.stderr)
  })

  it('a taken port is a one-line error with a suggestion', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as net.AddressInfo).port
    try {
      const result = await runCli(['start', '--target', upstream.url, '--port', String(port)])
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`)
      expect(result.stderr).toContain('--port')
      expectNoStack(result.stderr)
    } finally {
      blocker.close()
    }
  })

  it('--target proxies, logs one line per transaction and exits 0 on SIGINT', async () => {
    const cli = spawnCli(['start', '--target', upstream.url, '--port', '0'])
    const [, url] = await cli.waitFor(LISTENING)
    const response = await request(`${url}/hello?x=1`)
    expect(response.status).toBe(200)
    expect(response.json().url).toBe('/hello?x=1')
    await cli.waitFor(/GET\s+\/hello\?x=1 default → http:\/\/127\.0\.0\.1:\d+ 200 /)
    expect(cli.stdout()).not.toMatch(/\u001b\[/) // plain when not a TTY
    cli.child.kill('SIGINT')
    const result = await cli.exited
    expect(result.code).toBe(0)
  })

  it('loads proxy.config.ts importing "devproxy" from a directory without node_modules', async () => {
    const project = await mkdtemp(join(tmpdir(), 'devproxy-project-'))
    await writeFile(
      join(project, 'proxy.config.ts'),
      `import { defineConfig } from 'devproxy'
const port: number = 0
export default defineConfig({
  port,
  routes: [{ name: 'api', path: '/api', target: '${upstream.url}', stripPrefix: true }],
})
`,
    )
    const cli = spawnCli(['start'], { cwd: project })
    try {
      const [, url] = await cli.waitFor(LISTENING)
      await cli.waitFor(/\/api\s+→\s+http:\/\/127\.0\.0\.1:\d+\s+api/)
      const response = await request(`${url}/api/users`)
      expect(response.json().url).toBe('/users')
    } finally {
      cli.child.kill('SIGTERM')
      expect((await cli.exited).code).toBe(0)
      await rm(project, { recursive: true, force: true })
    }
  })

  it('lets a request in flight finish after SIGTERM, then exits 0', async () => {
    let release: () => void = () => {}
    let arrived: () => void = () => {}
    const arrival = new Promise<void>((resolve) => (arrived = resolve))
    const slow = await startUpstream((_req, res) => {
      arrived()
      release = () => res.end('done')
    })
    const cli = spawnCli(['start', '--target', slow.url, '--port', '0'])
    try {
      const [, url] = await cli.waitFor(LISTENING)
      const pending = request(`${url}/slow`)
      await arrival
      cli.child.kill('SIGTERM')
      await cli.waitFor(/stopping: waiting for 1 request/)
      release()
      const response = await pending
      expect(response.status).toBe(200)
      expect(response.body.toString()).toBe('done')
      expect((await cli.exited).code).toBe(0)
    } finally {
      await slow.close()
    }
  })
})

describe('devproxy start, record and replay: what they print', () => {
  let dir: string
  let upstream: TestUpstream

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-print-'))
    upstream = await startUpstream(echoHandler)
    await writeFile(join(dir, 'empty.har'), JSON.stringify({ log: { version: '1.2', creator: { name: 'test', version: '1' }, pages: [], entries: [] } }))
  })
  afterAll(async () => {
    await upstream.close()
    await rm(dir, { recursive: true, force: true })
  })

  it.each([
    { args: ['start', '--target'], banner: 'devproxy start listening on' },
    { args: ['record', '--out', 'x.har', '--target'], banner: 'devproxy record listening on' },
    { args: ['replay', 'empty.har', '--target'], banner: 'devproxy replay empty.har listening on' },
  ])('the banner names the command as it was typed: $banner', async ({ args, banner }) => {
    const cli = spawnCli([...args, upstream.url, '--port', '0', '--no-watch'], { cwd: dir })
    try {
      const [line] = await cli.waitFor(/^.*listening on.*$/m)
      expect(line.startsWith(banner)).toBe(true)
    } finally {
      cli.child.kill('SIGINT')
      expect((await cli.exited).code).toBe(0)
    }
  })

  it('--json --log-file: JSON lines on stdout, the plain log in the file', async () => {
    const logFile = join(dir, 'proxy.log')
    const cli = spawnCli(['start', '--json', '--log-file', logFile, '--target', upstream.url, '--port', '0'], { cwd: dir })
    const [, url] = await cli.waitFor(LISTENING, { stream: 'stderr' })
    await request(`${url}/hello?x=1`)
    await cli.waitFor(/"url":"\/hello\?x=1"/)
    cli.child.kill('SIGINT')
    expect((await cli.exited).code).toBe(0)
    const [json] = cli.stdout().trimEnd().split('\n')
    expect(JSON.parse(json!)).toMatchObject({ method: 'GET', url: '/hello?x=1', status: 200 })
    const log = await readFile(logFile, 'utf8')
    expect(log).toMatch(/^\d\d:\d\d:\d\d\.\d{3} GET\s+\/hello\?x=1 default → http:\/\/127\.0\.0\.1:\d+ 200 /)
    expect(log).not.toContain('{')
  })

  it('-v shows what the route\'s rules changed, not the standard rewrites; -vvv shows those too', async () => {
    await writeFile(
      join(dir, 'proxy.config.ts'),
      `export default { port: 0, routes: [{ path: '/', target: '${upstream.url}', headers: { request: { 'x-env': 'dev' }, response: { 'cache-control': 'no-store' } } }] }\n`,
    )
    const output = async (verbosity: string) => {
      const cli = spawnCli(['start', verbosity, '--no-watch'], { cwd: dir })
      try {
        const [, url] = await cli.waitFor(LISTENING)
        await request(`${url}/v`)
        await cli.waitFor(/\+ cache-control: no-store/)
        return cli.stdout()
      } finally {
        cli.child.kill('SIGINT')
        await cli.exited
      }
    }
    const [v, vvv] = await Promise.all([output('-v'), output('-vvv')])
    expect(v).toContain('    + x-env: dev')
    expect(v).not.toMatch(/[+~-] (via|x-forwarded-for|x-devproxy-attempt|connection):/)
    expect(vvv).toContain('    + x-env: dev')
    expect(vvv).toMatch(/\+ via: 1\.1 devproxy-\w+/)
    expect(vvv).toContain('    + x-devproxy-attempt: 1')
  })
})

describe('devproxy start --demo', () => {
  it('starts the demo upstream, prints curl lines, proxies, and stops on SIGINT', async () => {
    const cli = spawnCli(['start', '--demo', '--port', '0'])
    const [, url] = await cli.waitFor(LISTENING)
    await cli.waitFor(/try: curl http:\/\/127\.0\.0\.1:\d+\/api\/users/)
    const response = await request(`${url}/api/users`)
    expect(response.status).toBe(200)
    expect(response.json()).toHaveLength(5)
    await cli.waitFor(/GET\s+\/api\/users api → http:\/\/127\.0\.0\.1:\d+ 200 /)
    cli.child.kill('SIGINT')
    expect((await cli.exited).code).toBe(0)
  })
})
