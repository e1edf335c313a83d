/**
 * The second terminal, whatever the proxy listens on (issue 28, items 2 and 5): `devproxy
 * status` and `devproxy fault` find a `start --https` proxy, and one with `--https-port`
 * beside plain HTTP, show every URL it listens on, fault it, and the proxy says in its own
 * terminal who changed its faults; at Ctrl-C it removes its entry. An entry no devproxy can
 * read is reported once and skipped: it never hides the proxies beside it. Run with the built
 * CLI, as a user runs it.
 */
import { execFile } from 'node:child_process'
import http from 'node:http'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoStack, runCli, spawnCli, type RunningCli } from '../helpers/cli.js'
import { echoHandler, request, startUpstream, type TestUpstream } from '../helpers/servers.js'

const curl = promisify(execFile)
const dirs: string[] = []
let upstream: TestUpstream
let data: string

async function tempDir(prefix: string): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)))
  dirs.push(dir)
  return dir
}

beforeAll(async () => {
  upstream = await startUpstream(echoHandler)
  // One CA for every proxy here, made by the first.
  data = await tempDir('devproxy-data-')
})

afterAll(async () => {
  await upstream.close()
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

async function stop(cli: RunningCli | undefined): Promise<void> {
  if (cli === undefined || cli.child.exitCode !== null || cli.child.signalCode !== null) return
  cli.child.kill('SIGINT')
  await cli.exited
}

/** Through the proxy over HTTPS, trusting the CA it made: the status code. */
async function curlStatus(url: string): Promise<string> {
  const { port } = new URL(url)
  const { stdout } = await curl('curl', ['-sS', '--cacert', join(data, 'ca.pem'), '-o', '/dev/null', '-w', '%{http_code}', `https://localhost:${port}/x`])
  return stdout
}

/** The inspector's first snapshot, read with the session the printed login link opens. */
async function inspectorSnapshot(loginUrl: string): Promise<{ proxyUrl: string; proxyUrls?: string[] }> {
  const login = new URL(loginUrl)
  const signedIn = await request(loginUrl, { headers: { host: login.host } })
  expect(signedIn.status).toBe(303)
  const cookie = signedIn.headers['set-cookie']![0]!.split(';')[0]!
  return new Promise((resolve, reject) => {
    const req = http.get({ host: login.hostname, port: login.port, path: '/v1/inspector/stream', headers: { host: login.host, cookie, accept: 'text/event-stream' }, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
        const event = /event: snapshot\ndata: (.*)\n\n/.exec(text)
        if (event) {
          req.destroy()
          resolve(JSON.parse(event[1]!))
        }
      })
    })
    req.on('error', reject)
  })
}

describe('devproxy start --https, driven from a second terminal', () => {
  let dir: string
  let cli: RunningCli
  let url: string

  beforeAll(async () => {
    dir = await tempDir('devproxy-https-cwd-')
    cli = spawnCli(['start', '--https', '--port', '0', '--target', upstream.url, '--no-watch'], { cwd: dir, env: { DEVPROXY_DATA_DIR: data } })
    url = (await cli.waitFor(/listening on (https:\/\/127\.0\.0\.1:\d+)/))[1]!
    await cli.waitFor(/control: /)
  })
  afterAll(() => stop(cli))

  it('`devproxy status` shows it, at its https:// URL, with a fresh inspector link (exit 0)', async () => {
    const result = await runCli(['status'], { cwd: dir })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(new RegExp(`^devproxy ${url} \\(pid ${cli.child.pid}, up `, 'm'))
    expect(result.stdout).toMatch(/^ {2}inspector: http:\/\/127\.0\.0\.1:\d+\/inspector\/login\?token=/m)
  })

  it('`devproxy status --json` lists every URL it listens on', async () => {
    const result = await runCli(['status', '--json'], { cwd: dir })
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ pid: cli.child.pid, url, urls: [url] })
  })

  it('`devproxy fault` adds a fault that the next HTTPS request meets; the proxy logs who added it', async () => {
    const from = cli.stdout().length
    const result = await runCli(['fault', '--5xx', '100%'], { cwd: dir })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^\+ f1 5xx 100%$/m)
    // In the proxy's own terminal, where the traffic is.
    await cli.waitFor(/^\+ f1 5xx 100% \(devproxy fault\)$/m, { from })
    expect(await curlStatus(url)).toMatch(/^50[0234]$/)
  })

  it('`devproxy fault --list` lists it; `--clear` removes it, and the proxy logs that too', async () => {
    const list = await runCli(['fault', '--list'], { cwd: dir })
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/^ {2}f1 +5xx 100%/m)
    const from = cli.stdout().length
    const clear = await runCli(['fault', '--clear'], { cwd: dir })
    expect(clear.code).toBe(0)
    expect(clear.stdout).toBe('cleared 1 fault\n')
    await cli.waitFor(/^- f1 5xx 100% \(devproxy fault\)$/m, { from })
    expect(await curlStatus(url)).toBe('200')
  })

  it('Ctrl-C removes its own entry; status then says none runs (not that a file is broken)', async () => {
    cli.child.kill('SIGINT')
    expect((await cli.exited).code).toBe(0)
    expect(existsSync(join(dir, '.devproxy'))).toBe(false)
    const result = await runCli(['status'], { cwd: dir })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: no devproxy is running for this directory/)
    expect(result.stderr).not.toContain('not a devproxy state file')
  })
})

describe('devproxy start --https-port: HTTPS beside plain HTTP', () => {
  let dir: string
  let cli: RunningCli
  let plain: string
  let secure: string

  beforeAll(async () => {
    dir = await tempDir('devproxy-https-port-cwd-')
    cli = spawnCli(['start', '--port', '0', '--https-port', '0', '--target', upstream.url, '--no-watch'], { cwd: dir, env: { DEVPROXY_DATA_DIR: data } })
    plain = (await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!
    secure = (await cli.waitFor(/and on (https:\/\/127\.0\.0\.1:\d+)/))[1]!
    await cli.waitFor(/inspector: /)
  })
  afterAll(() => stop(cli))

  it('`devproxy status` shows both URLs; --json lists both, the main one first', async () => {
    const text = await runCli(['status'], { cwd: dir })
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(new RegExp(`^devproxy ${plain} and ${secure} \\(pid `, 'm'))
    const json = await runCli(['status', '--json'], { cwd: dir })
    expect(JSON.parse(json.stdout)).toMatchObject({ url: plain, urls: [plain, secure] })
  })

  it('--port with the HTTPS port finds it too', async () => {
    const result = await runCli(['status', '--json', '--port', new URL(secure).port], { cwd: dir })
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ urls: [plain, secure] })
  })

  it('the inspector is told every URL too', async () => {
    const status = await runCli(['status', '--json'], { cwd: dir })
    const snapshot = await inspectorSnapshot(JSON.parse(status.stdout).inspectorUrl)
    expect(snapshot.proxyUrls).toEqual([plain, secure])
  })

  it('a fault added and removed by the inspector is logged as the inspector\'s', async () => {
    const status = await runCli(['status', '--json'], { cwd: dir })
    const login = new URL(JSON.parse(status.stdout).inspectorUrl)
    const signedIn = await request(login.href, { headers: { host: login.host } })
    const cookie = signedIn.headers['set-cookie']![0]!.split(';')[0]!
    const headers = { host: login.host, origin: login.origin, cookie, 'content-type': 'application/json' }
    const from = cli.stdout().length
    const added = await request(`${login.origin}/v1/faults`, { method: 'POST', headers, body: JSON.stringify({ faults: ['reset 30%'] }) })
    expect(added.status).toBe(201)
    const [{ id }] = added.json().faults
    await cli.waitFor(new RegExp(`^\\+ ${id} reset 30% \\(inspector\\)$`, 'm'), { from })
    const removed = await request(`${login.origin}/v1/faults/${id}`, { method: 'DELETE', headers })
    expect(removed.status).toBe(204)
    await cli.waitFor(new RegExp(`^- ${id} reset 30% \\(inspector\\)$`, 'm'), { from })
  })

  it('Ctrl-C removes its entry', async () => {
    cli.child.kill('SIGINT')
    expect((await cli.exited).code).toBe(0)
    expect(existsSync(join(dir, '.devproxy'))).toBe(false)
  })
})

describe('an entry no devproxy can read', () => {
  it('is reported once, with the rm line, and skipped: the proxy beside it is still found by status and fault', async () => {
    const dir = await tempDir('devproxy-unreadable-')
    await mkdir(join(dir, '.devproxy', 'proxies'), { recursive: true, mode: 0o700 })
    const broken = join(dir, '.devproxy', 'proxies', '1-1.json')
    await writeFile(broken, '{"pid": 1, "url": "ftp://x"', { mode: 0o600 })
    const cli = spawnCli(['start', '--port', '0', '--target', upstream.url, '--no-watch'], { cwd: dir })
    try {
      const [, url] = await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/)
      await cli.waitFor(/control: /)
      const status = await runCli(['status'], { cwd: dir })
      expect(status.code).toBe(0)
      expect(status.stdout).toMatch(new RegExp(`^devproxy ${url} `, 'm'))
      expect(status.stderr.split('\n').filter(Boolean)).toEqual([
        `note: skipped ${broken} is not a devproxy state file: it is not valid JSON`,
        `  hint: Delete it (rm ${broken}); each devproxy writes its own entry again when it starts.`,
      ])
      const fault = await runCli(['fault', '--5xx', '50%'], { cwd: dir })
      expect(fault.code).toBe(0)
      expect(fault.stdout).toMatch(/^\+ f1 5xx 50%$/m)
      expect((await request(`${url}/x`)).status).toBeGreaterThan(0)
      // The entry is left for the user to remove: it may belong to a devproxy of another version.
      expect(existsSync(broken)).toBe(true)
    } finally {
      await stop(cli)
    }
    // The proxy removed its own entry and left the other one.
    expect(await readdir(join(dir, '.devproxy', 'proxies'))).toEqual(['1-1.json'])
  })

  it('alone, it is reported, and status says no devproxy runs (exit 1, one error)', async () => {
    const dir = await tempDir('devproxy-unreadable-alone-')
    await mkdir(join(dir, '.devproxy', 'proxies'), { recursive: true, mode: 0o700 })
    await writeFile(join(dir, '.devproxy', 'proxies', '7-8080.json'), '[]')
    const result = await runCli(['status'], { cwd: dir })
    expect(result.code).toBe(1)
    expectNoStack(result.stderr)
    expect(result.stderr).toContain('is not a devproxy state file: it is not a JSON object')
    expect(result.stderr).toMatch(/^error: no devproxy is running for this directory \(the only entry in .* could not be read\)$/m)
    expect(result.stderr).toMatch(/^hint: /m)
  })
})
