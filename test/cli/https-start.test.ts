import { execFile } from 'node:child_process'
import { mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoStack, runCli, spawnCli } from '../helpers/cli.js'
import { echoHandler, startUpstream, type TestUpstream } from '../helpers/servers.js'

/** `devproxy start --https` as a user runs it: a fresh data directory, curl with the CA it made. */

const curl = promisify(execFile)
const dirs: string[] = []
let upstream: TestUpstream

async function tempDir(prefix: string): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)))
  dirs.push(dir)
  return dir
}

beforeAll(async () => {
  upstream = await startUpstream(echoHandler)
})

afterAll(async () => {
  await upstream.close()
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

describe('devproxy start --https', () => {
  it('first run: makes the local CA in the data directory (key 0600), says to run devproxy trust, serves h2; the --json line names the protocol', async () => {
    const data = await tempDir('devproxy-data-')
    const cli = spawnCli(['start', '--https', '--port', '0', '--target', upstream.url, '--json', '--no-watch'], { cwd: await tempDir('devproxy-cwd-'), env: { DEVPROXY_DATA_DIR: data } })
    try {
      const [, url] = await cli.waitFor(/listening on (https:\/\/127\.0\.0\.1:\d+)/, { stream: 'stderr' })
      await cli.waitFor(/run devproxy trust once/, { stream: 'stderr' })
      expect(((await stat(join(data, 'ca-key.pem'))).mode & 0o777).toString(8)).toBe('600')
      const port = new URL(url!).port
      const { stdout } = await curl('curl', ['-sS', '--http2', '--cacert', join(data, 'ca.pem'), '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `https://localhost:${port}/hello`])
      expect(stdout).toBe('2 200')
      const [line] = await cli.waitFor(/^\{.*"url":"\/hello".*\}$/m)
      expect(JSON.parse(line)).toMatchObject({ method: 'GET', url: '/hello', httpVersion: 'HTTP/2.0', scheme: 'https', status: 200 })
    } finally {
      cli.child.kill('SIGINT')
      await cli.exited
    }
  })

  it('--https-port serves HTTPS beside plain HTTP; a second start reuses the CA and does not warn again', async () => {
    const data = await tempDir('devproxy-data-')
    // The first start makes the CA…
    const first = spawnCli(['start', '--https', '--port', '0', '--target', upstream.url, '--no-watch'], { cwd: await tempDir('devproxy-cwd-'), env: { DEVPROXY_DATA_DIR: data } })
    await first.waitFor(/listening on https:/)
    first.child.kill('SIGINT')
    await first.exited
    // …the second finds it.
    const cli = spawnCli(['start', '--port', '0', '--https-port', '0', '--target', upstream.url, '--no-watch'], { cwd: await tempDir('devproxy-cwd-'), env: { DEVPROXY_DATA_DIR: data } })
    try {
      const [, plain] = await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/)
      const [, secure] = await cli.waitFor(/and on (https:\/\/127\.0\.0\.1:\d+) \(HTTPS, HTTP\/2\)/)
      await cli.waitFor(/certificates from devproxy's local CA/)
      expect(cli.stderr()).not.toContain('run devproxy trust once')
      const viaPlain = await curl('curl', ['-sS', `${plain}/a`])
      const viaTls = await curl('curl', ['-sS', '--cacert', join(data, 'ca.pem'), `https://localhost:${new URL(secure!).port}/a`])
      expect(JSON.parse(viaPlain.stdout).headers['x-forwarded-proto']).toBe('http')
      expect(JSON.parse(viaTls.stdout).headers['x-forwarded-proto']).toBe('https')
    } finally {
      cli.child.kill('SIGINT')
      await cli.exited
    }
  })

  it('a browser-like client that does not trust the CA yet: the proxy says, once, to run devproxy trust', async () => {
    const data = await tempDir('devproxy-data-')
    const cli = spawnCli(['start', '--https', '--port', '0', '--target', upstream.url, '--no-watch'], { cwd: await tempDir('devproxy-cwd-'), env: { DEVPROXY_DATA_DIR: data } })
    try {
      const [, url] = await cli.waitFor(/listening on (https:\/\/127\.0\.0\.1:\d+)/)
      const port = new URL(url!).port
      for (let i = 0; i < 3; i++) await curl('curl', ['-sS', `https://localhost:${port}/`]).catch(() => undefined)
      await cli.waitFor(/refused devproxy's certificate: it does not trust devproxy's local CA yet/, { stream: 'stderr' })
      await cli.waitFor(/hint: Run devproxy trust/)
      expect(cli.stderr().match(/does not trust devproxy's local CA yet/g)).toHaveLength(1)
    } finally {
      cli.child.kill('SIGINT')
      await cli.exited
    }
  })

  it('record over h2, replay over h2: the HAR holds https:// and HTTP/2.0, and the replay answers the same body without the upstream', async () => {
    const data = await tempDir('devproxy-data-')
    const cwd = await tempDir('devproxy-cwd-')
    const env = { DEVPROXY_DATA_DIR: data }
    const cacert = join(data, 'ca.pem')
    const record = spawnCli(['record', '--https', '--port', '0', '--target', upstream.url, '--out', 'h2.har', '--no-watch'], { cwd, env })
    let recorded: string
    try {
      const [, url] = await record.waitFor(/listening on (https:\/\/127\.0\.0\.1:\d+)/)
      recorded = (await curl('curl', ['-sS', '--http2', '--cacert', cacert, `https://localhost:${new URL(url!).port}/recorded?x=1`])).stdout
    } finally {
      record.child.kill('SIGINT')
      await record.exited
    }
    const har = JSON.parse(await readFile(join(cwd, 'h2.har'), 'utf8'))
    const [entry] = har.log.entries
    expect(entry.request.url).toMatch(/^https:\/\/localhost:\d+\/recorded\?x=1$/)
    expect(entry.request.httpVersion).toBe('HTTP/2.0')
    const replay = spawnCli(['replay', 'h2.har', '--https', '--port', '0', '--no-watch'], { cwd, env })
    try {
      const [, url] = await replay.waitFor(/listening on (https:\/\/127\.0\.0\.1:\d+)/)
      const { stdout } = await curl('curl', ['-sS', '--http2', '--cacert', cacert, '-w', '\n%{http_version}', `https://localhost:${new URL(url!).port}/recorded?x=1`])
      const [body, version] = stdout.split('\n')
      expect(version).toBe('2')
      expect(body).toBe(recorded)
      await replay.waitFor(/\[replay\]/)
    } finally {
      replay.child.kill('SIGINT')
      await replay.exited
    }
  })

  it('a CA made by an older devproxy (DNS/IP constraints only) is kept as the user trusted it, with one line saying devproxy trust --reissue adds the stricter constraints (RFC 5280 §4.2.1.10)', async () => {
    const data = await tempDir('devproxy-data-')
    const older = new URL('../fixtures/tls/older-ca/', import.meta.url)
    const certPem = await readFile(new URL('ca.pem', older), 'utf8')
    await writeFile(join(data, 'ca.pem'), certPem)
    await writeFile(join(data, 'ca-key.pem'), await readFile(new URL('ca-key.pem', older), 'utf8'), { mode: 0o600 })
    const cli = spawnCli(['start', '--https', '--port', '0', '--target', upstream.url, '--no-watch'], { cwd: await tempDir('devproxy-cwd-'), env: { DEVPROXY_DATA_DIR: data, NO_COLOR: '1' } })
    try {
      const [, url] = await cli.waitFor(/listening on (https:\/\/127\.0\.0\.1:\d+)/)
      await cli.waitFor(/older devproxy.*\n/, { stream: 'stderr' })
      const notices = cli.stderr().split('\n').filter((line) => line.includes('older devproxy'))
      expect(notices).toEqual([
        "warning: devproxy's local CA was made by an older devproxy and does not refuse e-mail addresses, URIs and uses other than HTTPS servers; `devproxy trust --reissue` replaces it with one that does, covering the same names",
      ])
      // Still the CA the user trusted: its leaves chain to the file as it was.
      const { stdout } = await curl('curl', ['-sS', '--cacert', join(data, 'ca.pem'), '-o', '/dev/null', '-w', '%{http_code}', `https://localhost:${new URL(url!).port}/`])
      expect(stdout).toBe('200')
      expect(await readFile(join(data, 'ca.pem'), 'utf8')).toBe(certPem)
    } finally {
      cli.child.kill('SIGINT')
      await cli.exited
    }
  })

  it('a CA file that cannot be used fails the start with one error naming it and how to start over', async () => {
    const data = await tempDir('devproxy-data-')
    await writeFile(join(data, 'ca.pem'), 'not a certificate\n')
    await writeFile(join(data, 'ca-key.pem'), 'not a key\n', { mode: 0o600 })
    const result = await runCli(['start', '--https', '--port', '0', '--target', upstream.url, '--no-watch'], { cwd: await tempDir('devproxy-cwd-'), env: { DEVPROXY_DATA_DIR: data } })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: .*ca(-key)?\.pem/m)
    expect(result.stderr).toMatch(/^hint: /m)
    expectNoStack(result.stderr)
  })

  it('https in the config that is neither a boolean nor { port }: devproxy check names it', async () => {
    const dir = await tempDir('devproxy-cfg-')
    await writeFile(join(dir, 'proxy.config.ts'), `export default { https: 'yes', routes: [{ path: '/', target: 'http://localhost:3000' }] }\n`)
    const result = await runCli(['check'], { cwd: dir })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('https must be true, false or an object such as { port: 8443 }')
    expectNoStack(result.stderr)
  })
})
