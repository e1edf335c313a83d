import { mkdtemp, rm } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, spawnCli, type RunningCli } from '../helpers/cli.js'
import { echoHandler, request, startUpstream, type TestUpstream } from '../helpers/servers.js'

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/

describe('live faults from a second process while load runs', () => {
  let dir: string
  let upstream: TestUpstream
  let cli: RunningCli
  let proxyUrl: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-fault-live-'))
    upstream = await startUpstream(echoHandler)
    cli = spawnCli(['start', '--target', upstream.url, '--port', '0', '--fault', 'status 418 --path /teapot'], { cwd: dir })
    proxyUrl = (await cli.waitFor(LISTENING))[1]!
    await cli.waitFor(/control: devproxy fault/)
  })
  afterAll(async () => {
    cli.child.kill('SIGINT')
    await cli.exited
    await upstream.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('start --fault installs a fault from the command line, and the banner lists it', async () => {
    expect(cli.stdout()).toContain('fault f1: status 418 on path /teapot (--fault)')
    expect((await request(`${proxyUrl}/teapot`)).status).toBe(418)
    expect((await request(`${proxyUrl}/coffee`)).status).toBe(200)
  })

  it('turning a fault on and --clear-ing it under load: every failed request was an injected one', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 })
    const seen = { ok: 0, injected: 0, unexpected: [] as string[] }
    let stop = false
    let sinceClear = { ok: 0, other: 0 }
    let cleared = false
    const client = async () => {
      while (!stop) {
        try {
          const response = await request(`${proxyUrl}/load`, { agent })
          if (response.status === 200) {
            seen.ok++
            if (cleared) sinceClear.ok++
          } else if (response.headers['x-devproxy-fault'] === '5xx') {
            seen.injected++
            if (cleared) sinceClear.other++
          } else seen.unexpected.push(`${response.status} ${response.body.toString()}`)
        } catch (error) {
          seen.unexpected.push((error as Error).message)
        }
      }
    }
    const clients = Array.from({ length: 8 }, client)

    const on = await runCli(['fault', '--5xx', '50%', '--seed', '3'], { cwd: dir })
    expect(on.code).toBe(0)
    await expect.poll(() => seen.injected, { timeout: 5_000 }).toBeGreaterThan(20)
    const off = await runCli(['fault', '--clear'], { cwd: dir })
    expect(off.code).toBe(0)
    // Requests already past the fault check when --clear landed may still carry it; count from
    // the first clean answer after the clear.
    cleared = true
    sinceClear = { ok: 0, other: 0 }
    await expect.poll(() => sinceClear.ok, { timeout: 5_000 }).toBeGreaterThan(50)
    const injectedAfterClear = sinceClear.other
    stop = true
    await Promise.all(clients)
    agent.destroy()

    expect(seen.unexpected).toEqual([])
    expect(seen.ok).toBeGreaterThan(0)
    // At most the requests in flight at the moment of the clear (8 clients).
    expect(injectedAfterClear).toBeLessThanOrEqual(8)
    const status = await runCli(['status', '--json'], { cwd: dir })
    expect(JSON.parse(status.stdout).faults.map((f: { kind: string }) => f.kind)).toEqual([])
  })
})
