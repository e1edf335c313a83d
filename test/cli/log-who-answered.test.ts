import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnCli, type RunningCli } from '../helpers/cli.js'
import { request, startUpstream, type TestUpstream } from '../helpers/servers.js'

/**
 * The terminal is where a developer looks when a page breaks: a route's code that fails says
 * what and where at the default verbosity, and a mocked answer names the mock that answered,
 * not an upstream it never reached.
 */
const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/

const CONFIG = (target: string) => `import { defineConfig } from 'devproxy'
export default defineConfig({
  port: 0,
  routes: [
    {
      name: 'boom',
      path: '/boom',
      target: ${JSON.stringify(target)},
      onRequest() {
        throw new Error('no token for this tenant')
      },
    },
    {
      name: 'slow',
      path: '/slow',
      target: ${JSON.stringify(target)},
      hookTimeoutMs: 50,
      onRequest: () => new Promise<void>(() => {}),
    },
    {
      name: 'local',
      path: '/local',
      target: ${JSON.stringify(target)},
      onRequest: () => ({ status: 403, json: { error: 'local only' } }),
    },
    {
      name: 'api',
      path: '/api',
      target: ${JSON.stringify(target)},
      stripPrefix: true,
      headers: { request: { 'x-env': 'dev' } },
      mock: [{ match: { path: '/api/health' }, json: { ok: false } }, { match: { path: '/api/me' }, json: { id: 1 } }],
    },
  ],
})
`

describe('the log says what the route code did and who answered', () => {
  let upstream: TestUpstream
  let dir: string
  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ live: req.url }))
    })
    dir = await mkdtemp(join(tmpdir(), 'devproxy-log-answered-'))
    await writeFile(join(dir, 'proxy.config.ts'), CONFIG(upstream.url))
  })
  afterAll(async () => {
    await upstream.close()
    await rm(dir, { recursive: true, force: true })
  })

  const stop = async (cli: RunningCli) => {
    cli.child.kill('SIGINT')
    const exit = await cli.exited
    expect(exit.code, exit.stderr).toBe(0)
    return exit.stdout
  }

  it('at the default verbosity, hook_error and hook_timeout lines carry the message and the config line that threw', async () => {
    const cli = spawnCli(['start', '--no-watch'], { cwd: dir })
    const [, url] = await cli.waitFor(LISTENING)
    expect((await request(`${url}/boom/x`)).status).toBe(500)
    expect((await request(`${url}/slow/x`)).status).toBe(500)
    // The line and what is under it are written together.
    await cli.waitFor(/GET +\/slow\/x[^\n]*\n/)
    const out = await stop(cli)
    expect(out).toMatch(/GET +\/boom\/x .* 500 .*\[hook_error\]\n {2}route "boom" onRequest threw at proxy\.config\.ts:\d+:\d+: no token for this tenant\n/)
    expect(out).toMatch(/GET +\/slow\/x .* 500 .*\[hook_timeout\]\n {2}route "slow" onRequest did not finish within hookTimeoutMs \(50 ms\)\n/)
  })

  it('a mocked answer names mock[i] as what answered, and -v shows no forwarded request for it (nothing was forwarded)', async () => {
    const cli = spawnCli(['start', '--no-watch', '-v'], { cwd: dir })
    const [, url] = await cli.waitFor(LISTENING)
    expect((await request(`${url}/api/me`)).json()).toEqual({ id: 1 })
    await cli.waitFor(/GET +\/api\/me .*\n(?: .*\n)*/)
    expect((await request(`${url}/api/orders`)).json()).toEqual({ live: '/orders' })
    await cli.waitFor(/GET +\/api\/orders .*\n/)
    const out = await stop(cli)
    const mocked = out.slice(out.indexOf('/api/me'), out.indexOf('GET    /api/orders'))
    expect(mocked).toMatch(/^\/api\/me api → mock\[1\] 200 .*\[mock\]\n/)
    expect(mocked).not.toContain('forwarded')
    expect(mocked).not.toContain(upstream.url)
    // The live request beside it still shows where it went and what the route changed.
    const live = out.slice(out.indexOf('GET    /api/orders'))
    expect(live).toMatch(new RegExp(`/api/orders → /orders api → ${upstream.url.replace(/[.]/g, '\\.')} 200`))
    expect(live).toContain('request: received → forwarded')
    expect(live).toContain('+ x-env: dev')
  })

  it('--json: a mocked answer has target mock[i] (an onRequest answer: onRequest), no forwarded request, answeredBy mock', async () => {
    const cli = spawnCli(['start', '--no-watch', '--json'], { cwd: dir })
    const [, url] = await cli.waitFor(LISTENING, { stream: 'stderr' })
    await request(`${url}/api/health`)
    await request(`${url}/boom/x`)
    await request(`${url}/local/x`)
    const health = JSON.parse((await cli.waitFor(/^\{.*"url":"\/api\/health".*\}$/m))[0])
    expect(health).toMatchObject({ route: 'api', target: 'mock[0]', forwardedUrl: null, answeredBy: 'mock', attempts: [{ target: 'mock[0]', by: 'mock' }] })
    expect(health.headers.forwarded).toBeNull()
    const boom = JSON.parse((await cli.waitFor(/^\{.*"url":"\/boom\/x".*\}$/m))[0])
    expect(boom.error).toEqual({ type: 'hook_error', message: expect.stringMatching(/^route "boom" onRequest threw at proxy\.config\.ts:\d+:\d+: no token for this tenant$/) })
    const local = JSON.parse((await cli.waitFor(/^\{.*"url":"\/local\/x".*\}$/m))[0])
    expect(local).toMatchObject({ status: 403, target: 'onRequest', forwardedUrl: null, answeredBy: 'hook' })
    await stop(cli)
  })
})
