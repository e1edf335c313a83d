import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, spawnCli, type RunningCli } from '../helpers/cli.js'
import { echoHandler, request, startUpstream, type TestUpstream } from '../helpers/servers.js'

/**
 * Several faults may fire on one attempt; only those that acted are reported, by every observer
 * alike (x-devproxy-fault, the log line, --json, the HAR, `fault --list`, `status` counters and
 * metrics). A fault acted when it changed what the client got:
 * - a stand-in (5xx, status, reset, timeout) acted when it answered: the first one drawn; one
 *   drawn after it on the same attempt was superseded and did nothing;
 * - a latency fault acted when it held the attempt (whoever answered afterwards);
 * - truncate and throttle acted when a response body was sent through them (not on a reset, a
 *   hang, or an error devproxy answered).
 */
describe('two faults on one request: only those that acted are tagged and counted (devproxy record --json --log-file)', () => {
  let dir: string
  let upstream: TestUpstream
  let cli: RunningCli
  let proxyUrl: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-acted-'))
    upstream = await startUpstream(echoHandler)
    cli = spawnCli(
      [
        'record', '--target', upstream.url, '--port', '0', '--out', 'two.har', '--json', '--log-file', 'proxy.log', '--no-watch',
        '--fault', '5xx 100% --path /two',
        '--fault', 'status 429 --path /two',
        '--fault', 'latency 30 --path /two',
        '--fault', 'reset 100% --path /cut',
        '--fault', 'truncate 100% --path /cut',
      ],
      { cwd: dir },
    )
    proxyUrl = (await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, { stream: 'stderr' }))[1]!
    await cli.waitFor(/control: /, { stream: 'stderr' })
  })
  afterAll(async () => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) {
      cli.child.kill('SIGTERM')
      await cli.exited
    }
    await upstream.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('a 5xx and a 429 both drawn, after a latency: the 5xx answered, so it and the latency are reported, never the 429', async () => {
    const response = await request(`${proxyUrl}/two`)
    expect(response.status).toBeGreaterThanOrEqual(500)
    // In the order they acted: the latency held the attempt, then the 5xx answered it.
    expect(response.headers['x-devproxy-fault']).toBe('latency, 5xx')
    const json = JSON.parse((await cli.waitFor(/^\{.*"url":"\/two".*\}$/m))[0])
    expect(json.faults).toEqual(['latency 30ms', `5xx ${response.status}`])

    await expect.poll(async () => readFile(join(dir, 'proxy.log'), 'utf8')).toMatch(/GET +\/two .*\[fault latency 30ms\] \[fault 5xx \d{3}\]$/m)
    expect(await readFile(join(dir, 'proxy.log'), 'utf8')).not.toContain('429')
  })

  it('a reset and a truncate both drawn: the reset acted, the truncate had no body to cut', async () => {
    await expect(request(`${proxyUrl}/cut`)).resolves.toMatchObject({ status: 502 })
    const json = JSON.parse((await cli.waitFor(/^\{.*"url":"\/cut".*\}$/m))[0])
    expect(json.faults).toEqual(['reset'])
    expect(json.headers.sent['x-devproxy-fault']).toBe('reset')
  })

  it('`devproxy fault --list --json` counts each fault injected only when it acted', async () => {
    const result = await runCli(['fault', '--list', '--json'], { cwd: dir })
    expect(result.code).toBe(0)
    const faults = JSON.parse(result.stdout).faults as Array<{ kind: string; matched: number; injected: number }>
    expect(faults.map((f) => [f.kind, f.matched, f.injected])).toEqual([
      ['5xx', 1, 1],
      ['status', 1, 0],
      ['latency', 1, 1],
      ['reset', 1, 1],
      ['truncate', 1, 0],
    ])
  })

  it('`devproxy status --json` counts 3 faults injected, by kind in the metrics', async () => {
    const status = JSON.parse((await runCli(['status', '--json'], { cwd: dir })).stdout)
    expect(status.counters).toMatchObject({ requests: 2, faults: 3 })
    expect(status.metrics.routes[0].faults).toEqual({ '5xx': 1, latency: 1, reset: 1 })
  })

  it('the HAR says the same in _devproxy.fault', async () => {
    cli.child.kill('SIGINT')
    expect((await cli.exited).code).toBe(0)
    const har = JSON.parse(await readFile(join(dir, 'two.har'), 'utf8'))
    const faultsOf = (path: string) => har.log.entries.find((e: { request: { url: string } }) => new URL(e.request.url).pathname === path)._devproxy.fault
    expect(faultsOf('/two')).toEqual(['latency 30ms', expect.stringMatching(/^5xx 5\d\d$/)])
    expect(faultsOf('/cut')).toEqual(['reset'])
  })
})
