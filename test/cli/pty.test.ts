import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import stringWidth from 'string-width'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'
import { request, startUpstream, type TestUpstream } from '../helpers/servers.js'
import { within } from '../helpers/wait.js'

const ANSI = /\u001b\[[\d;]*m/g

/**
 * `devproxy start` in a pseudo-terminal, as a developer sees it: util-linux `script` gives the
 * process a real TTY of 100 columns, so color and width detection run for real.
 */
function startInPty(args: string[], env: NodeJS.ProcessEnv) {
  const command = `stty cols 100 rows 40; exec ${[process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ')}`
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env }
  for (const key of ['NO_COLOR', 'FORCE_COLOR', 'CI']) if (!(key in env)) delete childEnv[key]
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env: childEnv, detached: true })
  let output = ''
  const waiters: Array<() => void> = []
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
    for (const wake of waiters.splice(0)) wake()
  })
  const waitFor = (pattern: RegExp) =>
    within(10_000, new Promise<RegExpMatchArray>((resolve) => {
      const check = () => {
        const match = output.replace(ANSI, '').match(pattern)
        if (match) resolve(match)
        else waiters.push(check)
      }
      check()
    }), `${pattern} in the pty output`)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGINT')
    await within(10_000, exited, 'the pty session to end')
  }
  /** Types into the terminal, as at the keyboard: `\x03` is Ctrl-C, turned into SIGINT by the terminal. */
  const type = (keys: string) => child.stdin.write(keys)
  return { output: () => output, waitFor, stop, type, exited }
}

describe('devproxy start in a terminal', () => {
  let upstream: TestUpstream
  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'))
  })
  afterAll(async () => {
    await upstream.close()
  })

  const longPath = `/api/${'segment/'.repeat(20)}end?page=2`

  it('colors the log and fits each line to the terminal width', async () => {
    const session = startInPty(['start', '--target', upstream.url, '--port', '0', '--no-watch'], {})
    try {
      const [, url] = await session.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/)
      await request(`${url}${longPath}`)
      const [line] = await session.waitFor(/^\d\d:\d\d:\d\d\.\d{3} GET .*$/m)
      expect(session.output()).toMatch(ANSI)
      expect(line.trimEnd().length).toBeLessThanOrEqual(100)
      expect(line).toContain('…')
      expect(line).toContain('?page=2')
    } finally {
      await session.stop()
    }
  })

  it('a route named in CJK: its lines take at most the 100 columns (counted as the terminal draws them), so none wraps', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devproxy-pty-'))
    const config = join(dir, 'proxy.config.ts')
    await writeFile(config, `export default { port: 0, routes: [{ name: 'ユーザー管理サービス', path: '/', target: '${upstream.url}' }] }\n`)
    const session = startInPty(['start', '--config', config, '--no-watch'], {})
    try {
      const [, url] = await session.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/)
      await request(`${url}${longPath}`)
      const [line] = await session.waitFor(/^\d\d:\d\d:\d\d\.\d{3} GET .*$/m)
      expect(stringWidth(line.trimEnd())).toBeLessThanOrEqual(100)
      expect(line).toContain(' ユーザー管理サービス ')
    } finally {
      await session.stop()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('Ctrl-C with nothing in flight exits 0 at once, with nothing to wait for and nothing said about waiting', async () => {
    const session = startInPty(['start', '--target', upstream.url, '--port', '0'], {})
    try {
      const [, url] = await session.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/)
      await request(`${url}/done`)
      await session.waitFor(/GET\s+\/done/)
      const seen = session.output().length
      const pressed = performance.now()
      session.type('\x03')
      const code = await within(5_000, session.exited, 'devproxy to exit after Ctrl-C')
      const tookMs = performance.now() - pressed
      expect(code).toBe(0)
      expect(tookMs).toBeLessThan(1_000)
      expect(session.output().slice(seen).replace(ANSI, '')).not.toMatch(/waiting|stopping/)
    } finally {
      await session.stop()
    }
  })

  it('NO_COLOR=1 turns color off, even in a terminal', async () => {
    const session = startInPty(['start', '--target', upstream.url, '--port', '0', '--no-watch'], { NO_COLOR: '1' })
    try {
      const [, url] = await session.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/)
      await request(`${url}/plain`)
      await session.waitFor(/GET\s+\/plain/)
      expect(session.output()).not.toMatch(ANSI)
    } finally {
      await session.stop()
    }
  })
})
