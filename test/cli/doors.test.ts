import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnCli } from '../helpers/cli.js'
import { startUpstream, type TestUpstream } from '../helpers/servers.js'

describe('the listener binds loopback unless told otherwise', () => {
  let upstream: TestUpstream
  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'))
  })
  afterAll(async () => {
    await upstream.close()
  })

  it('by default: 127.0.0.1, no warning', async () => {
    const cli = spawnCli(['start', '--target', upstream.url, '--port', '0'])
    await cli.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+/)
    cli.child.kill('SIGINT')
    const exit = await cli.exited
    expect(exit.stderr).not.toContain('warning')
  })

  it('--host 0.0.0.0 warns loudly, on stderr', async () => {
    const cli = spawnCli(['start', '--target', upstream.url, '--port', '0', '--host', '0.0.0.0'])
    await cli.waitFor(/listening on http:\/\/0\.0\.0\.0:\d+/)
    await cli.waitFor(/warning: listening on 0\.0\.0\.0: anyone who can reach this machine can use the proxy/, { stream: 'stderr' })
    cli.child.kill('SIGINT')
    expect((await cli.exited).code).toBe(0)
  })
})
