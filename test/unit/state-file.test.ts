import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { findState, isProcessAlive, parseState, removeState, stateFilePath, writeState, type ProxyState } from '../../src/control/state-file.js'
import { ControlError } from '../../src/errors.js'

const TOKEN = 'qjeQdItqeWPVwRZYv0Qtl36D57ANY8JuMs2td6sRbJQ'
const VALID: ProxyState = { pid: 4242, url: 'http://127.0.0.1:8080', controlUrl: 'http://127.0.0.1:40123', token: TOKEN, startedAt: 1_700_000_000_000 }
const json = (fields: Record<string, unknown>) => JSON.stringify(fields)
const without = (key: keyof ProxyState) => json(Object.fromEntries(Object.entries(VALID).filter(([k]) => k !== key)))

describe('parseState: what a state file must hold', () => {
  it.each<[string, string, ProxyState]>([
    ['the fields a --target proxy writes', json({ ...VALID }), VALID],
    ['a configFile when there is one', json({ ...VALID, configFile: '/p/proxy.config.ts' }), { ...VALID, configFile: '/p/proxy.config.ts' }],
    ['unknown extra fields, dropped', json({ ...VALID, version: 2 }), VALID],
  ])('accepts %s', (_what, text, state) => {
    expect(parseState(text)).toEqual({ ok: true, state })
  })

  it.each([
    ['corrupt JSON', '{"pid": 42,', 'it is not valid JSON'],
    ['an empty file', '', 'it is not valid JSON'],
    ['an array', '[]', 'it is not a JSON object'],
    ['null', 'null', 'it is not a JSON object'],
    ['no pid', without('pid'), '"pid" must be a positive integer'],
    ['a pid as a string', json({ ...VALID, pid: '4242' }), '"pid" must be a positive integer'],
    ['pid 0', json({ ...VALID, pid: 0 }), '"pid" must be a positive integer'],
    ['no url', without('url'), '"url" must be an http:// URL'],
    ['no controlUrl', without('controlUrl'), '"controlUrl" must be http://127.0.0.1:PORT'],
    ['a controlUrl off this machine', json({ ...VALID, controlUrl: 'http://evil.example:40123' }), '"controlUrl" must be http://127.0.0.1:PORT'],
    ['a controlUrl without a port', json({ ...VALID, controlUrl: 'http://127.0.0.1' }), '"controlUrl" must be http://127.0.0.1:PORT'],
    ['no token', without('token'), '"token" must be a base64url string'],
    ['an empty token', json({ ...VALID, token: '' }), '"token" must be a base64url string'],
    ['no startedAt', without('startedAt'), '"startedAt" must be a time in epoch ms'],
    ['an empty configFile', json({ ...VALID, configFile: '' }), '"configFile" must be a path'],
  ])('rejects %s', (_what, text, problem) => {
    expect(parseState(text)).toEqual({ ok: false, problem })
  })
})

describe('the state file on disk', () => {
  const dirs: string[] = []
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
  })
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devproxy-state-'))
    dirs.push(dir)
    return dir
  }

  it('is written owner-only (0600 in a 0700 directory) and reads back the same', async () => {
    const dir = await tempDir()
    const file = await writeState(dir, { ...VALID, pid: process.pid })
    expect(file).toBe(join(dir, '.devproxy', 'state.json'))
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect((await stat(dirname(file))).mode & 0o777).toBe(0o700)
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ ...VALID, pid: process.pid })
  })

  it('findState walks up from a subdirectory to the nearest state file', async () => {
    const root = await tempDir()
    const deep = join(root, 'packages', 'web', 'src')
    await mkdir(deep, { recursive: true })
    await writeState(root, { ...VALID, pid: process.pid })
    const found = await findState(deep)
    expect(found).toEqual({ file: stateFilePath(root), state: { ...VALID, pid: process.pid }, alive: true })
  })

  it('findState prefers the nearest directory', async () => {
    const root = await tempDir()
    const inner = join(root, 'app')
    await mkdir(inner)
    await writeState(root, { ...VALID, pid: process.pid, url: 'http://127.0.0.1:1111' })
    await writeState(inner, { ...VALID, pid: process.pid, url: 'http://127.0.0.1:2222' })
    expect((await findState(inner))?.state.url).toBe('http://127.0.0.1:2222')
  })

  it('findState finds nothing where no proxy ever ran', async () => {
    expect(await findState(await tempDir())).toBeUndefined()
  })

  it('a file left by a process that has exited is reported as not alive', async () => {
    const dir = await tempDir()
    const pid = await exitedPid()
    await writeState(dir, { ...VALID, pid })
    const found = await findState(dir)
    expect(found?.state.pid).toBe(pid)
    expect(found?.alive).toBe(false)
  })

  it('a corrupt file is an error naming the file, with what to do', async () => {
    const dir = await tempDir()
    await mkdir(join(dir, '.devproxy'))
    await writeFile(stateFilePath(dir), '{"pid": 12')
    const error = await findState(dir).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ControlError)
    expect(error).toMatchObject({ code: 'state_invalid', message: `${stateFilePath(dir)} is not a devproxy state file: it is not valid JSON` })
    expect((error as ControlError).suggestion).toContain(`rm ${stateFilePath(dir)}`)
  })

  it('removeState removes only a file that is still ours, and the emptied directory', async () => {
    const dir = await tempDir()
    await writeState(dir, VALID)
    await removeState(dir, { pid: VALID.pid, token: 'another-token-another-token' })
    expect(existsSync(stateFilePath(dir))).toBe(true)
    await removeState(dir, { pid: VALID.pid + 1, token: VALID.token })
    expect(existsSync(stateFilePath(dir))).toBe(true)
    await removeState(dir, VALID)
    expect(existsSync(stateFilePath(dir))).toBe(false)
    expect(existsSync(join(dir, '.devproxy'))).toBe(false)
    await expect(removeState(dir, VALID)).resolves.toBeUndefined()
  })

  it('isProcessAlive: this process yes, pid 1 yes (even when signalling it is not permitted), an exited one no', async () => {
    expect(isProcessAlive(process.pid)).toBe(true)
    expect(isProcessAlive(1)).toBe(true)
    expect(isProcessAlive(await exitedPid())).toBe(false)
  })
})

/** The pid of a process that has exited (and been reaped). */
function exitedPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
    child.on('error', reject)
    child.on('exit', () => resolve(child.pid!))
  })
}
