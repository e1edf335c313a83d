import { mkdtemp, rm } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_HEADER } from '../../src/inspector/api.js'
import { runCli, spawnCli, type RunningCli } from '../helpers/cli.js'
import { loginToken, signIn } from '../helpers/inspector.js'
import { echoHandler, request, startUpstream, type TestUpstream } from '../helpers/servers.js'

/**
 * The inspector as a user meets it from the terminal (issue 20): the banner prints its login
 * link, `devproxy status` prints the link in force and the per-route metrics.
 */

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/
/** The token rides in the fragment, which a browser never sends (src/inspector/api.ts, "Auth"). */
const LINK = 'http://127\\.0\\.0\\.1:\\d+/inspector/login#token=devproxy_login_[A-Za-z0-9_-]{43}'
const INSPECTOR = new RegExp(`inspector: (${LINK})$`, 'm')

/** Opens a login link as the inspector's page does: its token traded for a session; the status of that exchange. */
async function openLink(url: string): Promise<number> {
  const origin = new URL(url).origin
  const response = await request(`${origin}/v1/inspector/session`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ token: loginToken(url) }) })
  return response.status
}

let upstream: TestUpstream
let dir: string
beforeAll(async () => {
  upstream = await startUpstream(echoHandler)
  dir = await mkdtemp(join(tmpdir(), 'devproxy-inspector-cli-'))
})
afterAll(async () => {
  await upstream.close()
  await rm(dir, { recursive: true, force: true })
})

async function stop(cli: RunningCli): Promise<void> {
  if (cli.child.exitCode !== null || cli.child.signalCode !== null) return
  cli.child.kill('SIGINT')
  await cli.exited
}

describe('devproxy start and status', () => {
  let cli: RunningCli
  let proxyUrl: string
  let link: string
  beforeAll(async () => {
    cli = spawnCli(['start', '--target', upstream.url, '--port', '0', '--no-watch'], { cwd: dir })
    proxyUrl = (await cli.waitFor(LISTENING))[1]!
    link = (await cli.waitFor(INSPECTOR))[1]!
  })
  afterAll(() => stop(cli))

  it('the banner prints the inspector link under the control line', () => {
    const lines = cli.stdout().split('\n')
    const control = lines.findIndex((line) => line.startsWith('  control: '))
    expect(lines[control + 1]).toBe(`  inspector: ${link}`)
  })

  it('`devproxy status` prints per-route metrics (requests, status classes, p50/p95/p99) and the same link while unused', async () => {
    await request(`${proxyUrl}/a`)
    await request(`${proxyUrl}/b`)
    const result = await runCli(['status'], { cwd: dir })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`  inspector: ${link}\n`)
    expect(result.stdout).toMatch(/^per route$/m)
    expect(result.stdout).toMatch(/^ {2}route +requests +2xx +p50 +p95 +p99$/m)
    expect(result.stdout).toMatch(/^ {2}default +2 +2 +\S+ms +\S+ms +\S+ms$/m)
  })

  it('the link works once; then status prints a fresh one', async () => {
    expect(await openLink(link)).toBe(201)
    expect(await openLink(link)).toBe(401)
    const result = await runCli(['status'], { cwd: dir })
    const fresh = INSPECTOR.exec(result.stdout)![1]!
    expect(fresh).not.toBe(link)
    expect(await openLink(fresh)).toBe(201)
  })

  it('`devproxy status --json` carries the metrics and the link', async () => {
    const result = await runCli(['status', '--json'], { cwd: dir })
    const status = JSON.parse(result.stdout)
    expect(status.inspectorUrl).toMatch(new RegExp(`^${LINK}$`))
    expect(status.metrics.routes).toEqual([
      expect.objectContaining({ route: 'default', requests: 2, statusClasses: { '2xx': 2 }, latencyMs: expect.objectContaining({ count: 2, p50: expect.any(Number), p99: expect.any(Number) }) }),
    ])
  })
})

describe('record and replay print the link too', () => {
  it.each([
    ['record', (har: string) => ['record', '--target', upstream.url, '--port', '0', '--out', har]],
    ['replay', (har: string) => ['replay', har, '--port', '0']],
  ])('devproxy %s', async (_command, args) => {
    const har = join(dir, 'inspector.har')
    const cli = spawnCli([...args(har), '--no-watch'], { cwd: dir })
    try {
      const url = (await cli.waitFor(LISTENING))[1]!
      const [, link] = await cli.waitFor(INSPECTOR)
      await request(`${url}/recorded`)
      expect(await openLink(link!)).toBe(201)
    } finally {
      await stop(cli)
    }
  })
})

describe('devproxy start --inspector-history', () => {
  it('caps what the inspector keeps: with 2, three requests leave the last two (issue 20: bounded, configurable memory)', async () => {
    const cli = spawnCli(['start', '--target', upstream.url, '--port', '0', '--no-watch', '--inspector-history', '2'], { cwd: dir })
    try {
      const proxyUrl = (await cli.waitFor(LISTENING))[1]!
      const link = (await cli.waitFor(INSPECTOR))[1]!
      for (const n of [1, 2, 3]) await request(`${proxyUrl}/n${n}`)
      await cli.waitFor(/GET +\/n3 /)
      const session = await signIn(link)
      const snapshot = await new Promise<{ history: { maxCount: number }; transactions: Array<{ url: string }> }>((resolve, reject) => {
        const stream = new URL('/v1/inspector/stream', link)
        http.get(stream, { headers: { [SESSION_HEADER]: session, host: stream.host } }, (res) => {
          let text = ''
          res.setEncoding('utf8').on('data', (chunk: string) => {
            text += chunk
            const match = /event: snapshot\ndata: (.*)\n\n/.exec(text)
            if (match) {
              res.destroy()
              resolve(JSON.parse(match[1]!))
            }
          })
        }).on('error', reject)
      })
      expect(snapshot.history.maxCount).toBe(2)
      expect(snapshot.transactions.map((t) => t.url)).toEqual(['/n2', '/n3'])
    } finally {
      await stop(cli)
    }
  })

  it('refuses 0 in one line that says what it takes (exit 2)', async () => {
    const result = await runCli(['start', '--target', upstream.url, '--inspector-history', '0'], { cwd: dir })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/inspector-history/)
  })
})
