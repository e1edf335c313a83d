/**
 * `devproxy fault` selectors that no request could ever match are refused, as a user meets
 * them: a proxy started from a config with routes `api` (GET, POST only) and `web`, and the
 * built CLI run from the same directory. Nothing is added when a fault is refused.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoStack, runCli, spawnCli, type RunningCli } from '../helpers/cli.js'
import { echoHandler, request, startUpstream, type TestUpstream } from '../helpers/servers.js'

describe('fault selectors the running proxy cannot match', () => {
  let dir: string
  let upstream: TestUpstream
  let cli: RunningCli
  let proxyUrl: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-selectors-'))
    upstream = await startUpstream(echoHandler)
    await writeFile(
      join(dir, 'proxy.config.ts'),
      `export default { port: 0, routes: [
        { name: 'api', path: '/api', methods: ['GET', 'POST'], target: '${upstream.url}' },
        { name: 'web', path: '/', target: '${upstream.url}' },
      ] }\n`,
    )
    cli = spawnCli(['start', '--no-watch'], { cwd: dir })
    proxyUrl = (await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!
    await cli.waitFor(/control: /)
  })
  afterAll(async () => {
    cli.child.kill('SIGTERM')
    await cli.exited
    await upstream.close()
    await rm(dir, { recursive: true, force: true })
  })

  const fault = (...args: string[]) => runCli(['fault', ...args], { cwd: dir })
  const errorLines = (stderr: string) => stderr.trimEnd().split('\n')

  it('--route naming no route: one line listing the routes, exit 2 (a flag value the proxy cannot take)', async () => {
    const result = await fault('--5xx', '100%', '--route', 'nope')
    expect(result.code).toBe(2)
    expect(errorLines(result.stderr)).toEqual(['error: --route "nope" names no route of this proxy; its routes are api, web', 'hint: Name one of the routes, or leave --route out to fault every route.'])
  })

  it('a near miss says which route was meant', async () => {
    const result = await fault('--reset', '50%', '--route', 'api2')
    expect(result.code).toBe(2)
    expect(errorLines(result.stderr)).toEqual(['error: --route "api2" names no route of this proxy (did you mean "api"?); its routes are api, web', 'hint: Name one of the routes, or leave --route out to fault every route.'])
  })

  it('--method with a typo: refused with the method meant', async () => {
    const result = await fault('--5xx', '100%', '--method', 'GTE')
    expect(result.code).toBe(2)
    expect(errorLines(result.stderr)).toEqual(['error: --method "GTE" is not an HTTP method', 'hint: did you mean GET?'])
  })

  it('--method no request can carry: refused with the methods to use', async () => {
    const result = await fault('--5xx', '100%', '--method', 'FOO')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('error: --method "FOO" is not an HTTP method')
    expect(result.stderr).toMatch(/^hint: use one of GET HEAD POST PUT DELETE CONNECT OPTIONS TRACE PATCH/m)
    expectNoStack(result.stderr)
  })

  it('--method that is not even a token (RFC 9110 §9.1): refused', async () => {
    const result = await fault('--5xx', '100%', '--method', 'GE T')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('error: --method "GE T" is not an HTTP method')
  })

  it('--method the route never takes: refused, naming the methods it does', async () => {
    const result = await fault('--5xx', '100%', '--route', 'api', '--method', 'DELETE')
    expect(result.code).toBe(2)
    expect(errorLines(result.stderr)).toEqual(['error: --method "DELETE" never reaches route api, which takes only GET, POST', 'hint: Leave --method out to fault every method.'])
  })

  it('--json: the same refusal as a JSON error', async () => {
    const result = await fault('--5xx', '100%', '--route', 'nope', '--json')
    expect(result.code).toBe(2)
    expect(JSON.parse(result.stdout || result.stderr)).toMatchObject({ error: { code: 'fault_invalid', message: expect.stringContaining('--route "nope" names no route') } })
  })

  it('none of the refused faults was added', async () => {
    const list = await fault('--list')
    expect(list.stdout).toContain('no active faults')
  })

  it('real selectors still work, a lower-case method included', async () => {
    const result = await fault('--5xx', '100%', '--route', 'api', '--method', 'get')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^\+ f\d+ 5xx 100% on route api, method GET$/m)
    expect((await request(`${proxyUrl}/api/x`)).status).toBeGreaterThanOrEqual(500)
    expect((await request(`${proxyUrl}/other`)).status).toBe(200)
    expect((await fault('--clear')).code).toBe(0)
  })
})
