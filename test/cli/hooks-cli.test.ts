import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnCli } from '../helpers/cli.js'
import { request, startUpstream, type TestUpstream } from '../helpers/servers.js'

/**
 * Hooks and mocks as a user meets them: `devproxy record` with a config that mocks one endpoint
 * and signs the rest; the log tags each line, and the HAR holds the mocked and hooked traffic
 * like live traffic (har-validator accepts it).
 */
const validateHar = createRequire(import.meta.url)('har-validator').har as (har: unknown) => Promise<unknown>
const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/

describe('devproxy record with hooks and mocks', () => {
  let upstream: TestUpstream
  let dir: string
  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ live: req.url, auth: req.headers.authorization ?? null }))
    })
    dir = await mkdtemp(join(tmpdir(), 'devproxy-hooks-cli-'))
    await writeFile(
      join(dir, 'proxy.config.ts'),
      `import { defineConfig } from 'devproxy'
export default defineConfig({
  port: 0,
  routes: [{
    path: '/api',
    target: ${JSON.stringify(upstream.url)},
    onRequest(ctx) { ctx.headers.authorization = 'Bearer dev' },
    mock: { match: { path: '/api/me' }, json: { id: 1, name: 'Ada' } },
  }],
})
`,
    )
  })
  afterAll(async () => {
    await upstream.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('tags mocked and hooked lines in the log and records both in a valid HAR', async () => {
    const cli = spawnCli(['record', '--out', 'hooks.har'], { cwd: dir, env: { NO_COLOR: '1' } })
    const [, url] = await cli.waitFor(LISTENING)
    expect((await request(`${url}/api/me`)).json()).toEqual({ id: 1, name: 'Ada' })
    expect((await request(`${url}/api/orders`)).json()).toEqual({ live: '/api/orders', auth: 'Bearer dev' })
    await cli.waitFor(/GET +\/api\/orders.*\n/)
    cli.child.kill('SIGINT')
    const exit = await cli.exited
    expect(exit.code, exit.stderr).toBe(0)
    const lines = exit.stdout.split('\n')
    expect(lines.find((l) => l.includes('/api/me'))).toMatch(/\[mock\] \[hook\]/)
    expect(lines.find((l) => l.includes('/api/orders'))).toMatch(/\[hook\]/)
    expect(lines.find((l) => l.includes('/api/orders'))).not.toMatch(/\[mock\]/)

    const har = JSON.parse(await readFile(join(dir, 'hooks.har'), 'utf8'))
    await expect(validateHar(har)).resolves.toBeTruthy()
    const byPath = (path: string) => har.log.entries.find((e: { request: { url: string } }) => e.request.url.endsWith(path))
    expect(byPath('/api/me').response.content.text).toBe('{"id":1,"name":"Ada"}')
    expect(byPath('/api/me')._devproxy).toMatchObject({ answeredBy: 'mock', hooked: true })
    expect(byPath('/api/orders')._devproxy).toMatchObject({ answeredBy: null, hooked: true })
  }, 30_000)
})
