/**
 * A port that is taken (issue 28, item 6): `devproxy record` fails before it writes anything
 * (no empty HAR, no "recorded 0 transactions", an existing recording left as it was), names
 * the devproxy of this directory that holds the port, and its hint never suggests a port that
 * is taken as well. Run with the built CLI, as a user runs it.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoStack, runCli, spawnCli, type RunningCli } from '../helpers/cli.js'
import { echoHandler, startUpstream, type TestUpstream } from '../helpers/servers.js'

let upstream: TestUpstream
let dir: string
let holder: RunningCli
let port: number
/** The port after the holder's, held by this test (undefined: someone else holds it). */
let next: Server | undefined

function occupy(at: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(undefined))
    server.listen(at, '127.0.0.1', () => resolve(server))
  })
}

beforeAll(async () => {
  upstream = await startUpstream(echoHandler)
  dir = await mkdtemp(join(tmpdir(), 'devproxy-port-in-use-'))
  holder = spawnCli(['start', '--target', upstream.url, '--port', '0', '--no-watch'], { cwd: dir })
  port = Number((await holder.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/))[1])
  await holder.waitFor(/control: /)
  // Taken too (by whoever holds it, if not us): the hint must skip it.
  next = await occupy(port + 1)
})

afterAll(async () => {
  await new Promise<void>((resolve) => (next ? next.close(() => resolve()) : resolve()))
  holder.child.kill('SIGINT')
  await holder.exited
  await upstream.close()
  await rm(dir, { recursive: true, force: true })
})

/** The port the hint suggests. */
const suggested = (stderr: string) => Number(/^hint: .*--port (\d+)/m.exec(stderr)?.[1])

describe('devproxy record on a port a devproxy of this directory holds', () => {
  it('fails before writing anything, names the holder (command, pid), and suggests a free port', async () => {
    const result = await runCli(['record', '--target', upstream.url, '--port', String(port), '--out', 'session.har', '--no-watch'], { cwd: dir })
    expect(result.code).toBe(1)
    expectNoStack(result.stderr)
    expect(result.stderr.split('\n')[0]).toBe(`error: port ${port} on 127.0.0.1 is already in use: devproxy start (pid ${holder.child.pid}) of this directory listens there`)
    expect(result.stderr).toMatch(new RegExp(`^hint: Stop it \\(Ctrl-C in its terminal, or kill ${holder.child.pid}\\), or pick another port: --port \\d+$`, 'm'))
    expect(suggested(result.stderr)).not.toBe(port)
    expect(suggested(result.stderr)).not.toBe(port + 1)
    expect(existsSync(join(dir, 'session.har'))).toBe(false)
    expect(result.stdout + result.stderr).not.toContain('recorded 0 transactions')
  })

  it('leaves an existing recording as it was', async () => {
    await writeFile(join(dir, 'kept.har'), 'the recording from yesterday')
    const result = await runCli(['record', '--target', upstream.url, '--port', String(port), '--out', 'kept.har', '--no-watch'], { cwd: dir })
    expect(result.code).toBe(1)
    expect(await readFile(join(dir, 'kept.har'), 'utf8')).toBe('the recording from yesterday')
  })

  it('the suggested port is free: record starts there and records', async () => {
    const first = await runCli(['record', '--target', upstream.url, '--port', String(port), '--out', 'later.har', '--no-watch'], { cwd: dir })
    const free = suggested(first.stderr)
    const cli = spawnCli(['record', '--target', upstream.url, '--port', String(free), '--out', 'later.har', '--no-watch'], { cwd: dir })
    await cli.waitFor(new RegExp(`listening on http://127\\.0\\.0\\.1:${free}`))
    cli.child.kill('SIGINT')
    const stopped = await cli.exited
    expect(stopped.code).toBe(0)
    expect(stopped.stdout).toContain('recorded 0 transactions to later.har')
    expect(JSON.parse(await readFile(join(dir, 'later.har'), 'utf8')).log.entries).toEqual([])
  })
})

describe('a port held by something else', () => {
  it('start says the port is in use, without naming a devproxy, and suggests a port that is free', async () => {
    const taken = (await occupy(0))!
    const at = (taken.address() as { port: number }).port
    // The one after it is taken too: by us, or (when occupy fails) by someone else.
    const after = await occupy(at + 1)
    const other = await mkdtemp(join(tmpdir(), 'devproxy-port-other-'))
    try {
      const result = await runCli(['start', '--target', upstream.url, '--port', String(at), '--no-watch'], { cwd: other })
      expect(result.code).toBe(1)
      expect(result.stderr.split('\n')[0]).toBe(`error: port ${at} on 127.0.0.1 is already in use`)
      expect(result.stderr).toMatch(/^hint: Stop whatever is listening there, or pick another port: --port \d+$/m)
      expect(suggested(result.stderr)).not.toBe(at)
      expect(suggested(result.stderr)).not.toBe(at + 1)
    } finally {
      await rm(other, { recursive: true, force: true })
      await new Promise<void>((resolve) => taken.close(() => resolve()))
      await new Promise<void>((resolve) => (after ? after.close(() => resolve()) : resolve()))
    }
  })
})
