/**
 * The real step runner: a store's tool run without a shell and with a time limit, files copied
 * and removed; every failure an outcome in the tool's or the OS's words, never a throw.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runStep } from '../../src/trust/run-step.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devproxy-run-step-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const node = (script: string, timeoutMs?: number) => ({ op: 'run', file: process.execPath, args: ['-e', script], ...(timeoutMs === undefined ? {} : { timeoutMs }) }) as const

describe('run', () => {
  it('exit 0: ok, with what it printed', async () => {
    expect(await runStep(node('process.stdout.write("SHA-1 hash: AB")'))).toEqual({ ok: true, stdout: 'SHA-1 hash: AB' })
  })

  it('arguments reach the program as they are (no shell): spaces, quotes, $HOME', async () => {
    const outcome = await runStep({ op: 'run', file: process.execPath, args: ['-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', "it's a $HOME test"] })
    expect(outcome).toEqual({ ok: true, stdout: JSON.stringify(["it's a $HOME test"]) })
  })

  it('a non-zero exit: the code and the first lines of stderr, on one line', async () => {
    const outcome = await runStep(node('console.error("certutil: Could not find cert: x\\n: PR_FILE_NOT_FOUND_ERROR: File not found\\nmore"); process.exit(255)'))
    expect(outcome).toEqual({ ok: false, problem: 'exited with code 255 (certutil: Could not find cert: x : PR_FILE_NOT_FOUND_ERROR: File not found)' })
  })

  it('a program that is not installed', async () => {
    expect(await runStep({ op: 'run', file: 'devproxy-no-such-tool', args: [] })).toEqual({ ok: false, problem: 'not found (it is not on PATH)' })
  })

  it('a program that never ends (a dialog nobody answers) is stopped at its time limit', async () => {
    const started = Date.now()
    const outcome = await runStep(node('setInterval(() => {}, 1000)', 300))
    expect(outcome).toEqual({ ok: false, problem: 'did not finish within 0.3s, so it was stopped' })
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})

describe('files', () => {
  it('copy: the certificate, readable by everyone', async () => {
    const from = join(dir, 'ca.pem')
    const to = join(dir, 'devproxy-abc.crt')
    await writeFile(from, 'PEM', { mode: 0o600 })
    expect(await runStep({ op: 'copy', from, to })).toEqual({ ok: true, stdout: '' })
    expect(await readFile(to, 'utf8')).toBe('PEM')
    expect((await stat(to)).mode & 0o777).toBe(0o644)
  })

  it('copy into a directory that is not there: the OS error, in words', async () => {
    const outcome = await runStep({ op: 'copy', from: join(dir, 'ca.pem'), to: join(dir, 'missing', 'x.crt') })
    expect(outcome).toEqual({ ok: false, problem: 'no such file or directory (ENOENT)' })
  })

  it('remove: a file gone already is fine', async () => {
    const file = join(dir, 'gone.crt')
    await writeFile(file, 'x')
    expect(await runStep({ op: 'remove', file })).toEqual({ ok: true, stdout: '' })
    await expect(stat(file)).rejects.toThrow()
    expect(await runStep({ op: 'remove', file })).toEqual({ ok: true, stdout: '' })
  })

  it('mkdir: parents too, the last one private', async () => {
    const nssdb = join(dir, 'home', '.pki', 'nssdb')
    expect(await runStep({ op: 'mkdir', dir: nssdb })).toEqual({ ok: true, stdout: '' })
    expect((await stat(nssdb)).mode & 0o777).toBe(0o700 & ~process.umask())
  })
})
