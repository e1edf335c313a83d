/**
 * Path patterns as a user types them (README: Path patterns): `{a,b}` selects either, the same
 * in `devproxy fault --path` and `devproxy record --filter path=`, and a pattern that could
 * never match is refused in one line. The built CLI against a real upstream.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoStack, runCli, spawnCli, type RunningCli } from '../helpers/cli.js'
import { echoHandler, request, startUpstream, type TestUpstream } from '../helpers/servers.js'

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/

let dir: string
let upstream: TestUpstream
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devproxy-patterns-'))
  upstream = await startUpstream(echoHandler)
})
afterAll(async () => {
  await upstream.close()
  await rm(dir, { recursive: true, force: true })
})

describe("devproxy fault --path '/api/{users,orders}/*'", () => {
  let cli: RunningCli
  let proxyUrl: string
  beforeAll(async () => {
    await writeFile(join(dir, 'proxy.config.ts'), `export default { port: 0, routes: [{ name: 'api', path: '/api', target: '${upstream.url}' }] }\n`)
    cli = spawnCli(['start', '--no-watch'], { cwd: dir })
    proxyUrl = (await cli.waitFor(LISTENING))[1]!
    await cli.waitFor(/control: /)
  })
  afterAll(async () => {
    cli.child.kill('SIGTERM')
    await cli.exited
  })

  it('faults either alternative and nothing else', async () => {
    const added = await runCli(['fault', '--status', '503', '--path', '/api/{users,orders}/*'], { cwd: dir })
    expect(added.code).toBe(0)
    const statuses = await Promise.all(['/api/users/1', '/api/orders/2', '/api/carts/3', '/api/users'].map(async (path) => (await request(`${proxyUrl}${path}`)).status))
    expect(statuses).toEqual([503, 503, 200, 200])
    expect((await runCli(['fault', '--clear'], { cwd: dir })).code).toBe(0)
  })

  it('a pattern that could never match is refused in one line, exit 2, and nothing is added', async () => {
    const result = await runCli(['fault', '--reset', '100%', '--path', '/api/{users'], { cwd: dir })
    expect(result.code).toBe(2)
    expect(result.stderr).toBe('error: --path "/api/{users" has a "{" without its "}"\nhint: write {a,b} for either a or b, or \\{ for a literal brace\n')
    expect((await runCli(['fault', '--list'], { cwd: dir })).stdout).toContain('no active faults')
  })
})

describe("devproxy record --filter 'path=/api/{a,b}'", () => {
  it('records either alternative and nothing else', async () => {
    const cli = spawnCli(['record', '--target', upstream.url, '--port', '0', '--out', 'ab.har', '--filter', 'path=/api/{a,b}'], { cwd: dir })
    const [, url] = await cli.waitFor(LISTENING)
    await cli.waitFor(/recording to ab\.har/)
    for (const path of ['/api/a', '/api/b?x=1', '/api/c', '/api/a/b']) expect((await request(`${url}${path}`)).status).toBe(200)
    cli.child.kill('SIGINT')
    const exit = await cli.exited
    expect(exit.code).toBe(0)
    const har = JSON.parse(await readFile(join(dir, 'ab.har'), 'utf8'))
    expect(har.log.entries.map((entry: { request: { url: string } }) => new URL(entry.request.url).pathname)).toEqual(['/api/a', '/api/b'])
  })

  it('a pattern that could never match is refused before anything listens, exit 2', async () => {
    const result = await runCli(['record', '--target', upstream.url, '--port', '0', '--out', 'never.har', '--filter', 'path=api/{a,b}'], { cwd: dir })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('error: --filter "path=api/{a,b}" is not a filter: the path pattern must start with "/"\nhint: did you mean "/api/{a,b}"?')
    expectNoStack(result.stderr)
  })
})
