import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { entryPath, findStates, isProcessAlive, parseState, proxiesDir, proxyPorts, proxyUrls, removeStaleEntry, removeState, writeState, type ProxyState } from '../../src/control/state-file.js'

const TOKEN = 'qjeQdItqeWPVwRZYv0Qtl36D57ANY8JuMs2td6sRbJQ'
const VALID: ProxyState = { pid: 4242, url: 'http://127.0.0.1:8080', controlUrl: 'http://127.0.0.1:40123', token: TOKEN, startedAt: 1_700_000_000_000, command: 'start' }
const json = (fields: Record<string, unknown>) => JSON.stringify(fields)
const without = (key: keyof ProxyState) => json(Object.fromEntries(Object.entries(VALID).filter(([k]) => k !== key)))

describe('parseState: what a state file must hold', () => {
  it.each<[string, string, ProxyState]>([
    ['the fields a --target proxy writes', json({ ...VALID }), VALID],
    ['a configFile when there is one', json({ ...VALID, configFile: '/p/proxy.config.ts' }), { ...VALID, configFile: '/p/proxy.config.ts' }],
    ['unknown extra fields, dropped', json({ ...VALID, version: 2 }), VALID],
    ['an https:// url (start --https)', json({ ...VALID, url: 'https://127.0.0.1:8443' }), { ...VALID, url: 'https://127.0.0.1:8443' }],
    [
      'every URL it listens on (--https-port)',
      json({ ...VALID, urls: ['http://127.0.0.1:8080', 'https://127.0.0.1:8443'] }),
      { ...VALID, urls: ['http://127.0.0.1:8080', 'https://127.0.0.1:8443'] },
    ],
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
    ['no url', without('url'), '"url" must be an http:// or https:// URL'],
    ['a url of another scheme', json({ ...VALID, url: 'ftp://127.0.0.1:21' }), '"url" must be an http:// or https:// URL'],
    ['urls that are not a list', json({ ...VALID, urls: 'http://127.0.0.1:8080' }), '"urls" must be a list of http:// or https:// URLs'],
    ['an empty urls', json({ ...VALID, urls: [] }), '"urls" must be a list of http:// or https:// URLs'],
    ['urls with a bad one', json({ ...VALID, urls: ['http://127.0.0.1:8080', 'nope'] }), '"urls" must be a list of http:// or https:// URLs'],
    ['no controlUrl', without('controlUrl'), '"controlUrl" must be http://127.0.0.1:PORT'],
    ['a controlUrl off this machine', json({ ...VALID, controlUrl: 'http://evil.example:40123' }), '"controlUrl" must be http://127.0.0.1:PORT'],
    ['a controlUrl without a port', json({ ...VALID, controlUrl: 'http://127.0.0.1' }), '"controlUrl" must be http://127.0.0.1:PORT'],
    ['no token', without('token'), '"token" must be a base64url string'],
    ['an empty token', json({ ...VALID, token: '' }), '"token" must be a base64url string'],
    ['no startedAt', without('startedAt'), '"startedAt" must be a time in epoch ms'],
    ['an empty configFile', json({ ...VALID, configFile: '' }), '"configFile" must be a path'],
    ['no command', without('command'), '"command" must be a command name such as "start"'],
    ['a command that is not a name', json({ ...VALID, command: 'rm -rf' }), '"command" must be a command name such as "start"'],
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

  it('one entry per proxy, written owner-only (0600 in 0700 directories), reads back the same', async () => {
    const dir = await tempDir()
    const file = await writeState(dir, { ...VALID, pid: process.pid })
    expect(file).toBe(join(dir, '.devproxy', 'proxies', `${process.pid}-8080.json`))
    expect(file).toBe(entryPath(dir, { pid: process.pid, url: VALID.url }))
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect((await stat(dirname(file))).mode & 0o777).toBe(0o700)
    expect((await stat(join(dir, '.devproxy'))).mode & 0o777).toBe(0o700)
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ ...VALID, pid: process.pid })
  })

  it('findStates lists every entry of the directory, by port, each checked for a live pid', async () => {
    const dir = await tempDir()
    const dead = await exitedPid()
    await writeState(dir, { ...VALID, pid: process.pid, url: 'http://127.0.0.1:9000' })
    await writeState(dir, { ...VALID, pid: dead, url: 'http://127.0.0.1:8080', command: 'record' })
    await writeFile(join(proxiesDir(dir), '.123.abc.tmp'), '{')
    await writeFile(join(proxiesDir(dir), 'notes.txt'), 'mine')
    const found = await findStates(dir)
    expect(found?.dir).toBe(dir)
    expect(found?.entries.map((entry) => [entry.state.url, entry.state.command, entry.alive])).toEqual([
      ['http://127.0.0.1:8080', 'record', false],
      ['http://127.0.0.1:9000', 'start', true],
    ])
  })

  it('findStates walks up from a subdirectory to the nearest directory with entries', async () => {
    const root = await tempDir()
    const deep = join(root, 'packages', 'web', 'src')
    await mkdir(deep, { recursive: true })
    await writeState(root, { ...VALID, pid: process.pid })
    const found = await findStates(deep)
    expect(found).toEqual({ dir: root, entries: [{ file: entryPath(root, { pid: process.pid, url: VALID.url }), state: { ...VALID, pid: process.pid }, alive: true }], unreadable: [] })
  })

  it('findStates prefers the nearest directory, and skips one whose proxies all stopped', async () => {
    const root = await tempDir()
    const inner = join(root, 'app')
    await mkdir(join(inner, '.devproxy', 'proxies'), { recursive: true })
    await writeState(root, { ...VALID, pid: process.pid, url: 'http://127.0.0.1:1111' })
    expect((await findStates(inner))?.dir).toBe(root)
    await writeState(inner, { ...VALID, pid: process.pid, url: 'http://127.0.0.1:2222' })
    expect((await findStates(inner))?.entries.map((entry) => entry.state.url)).toEqual(['http://127.0.0.1:2222'])
  })

  it('findStates finds nothing where no proxy ever ran', async () => {
    expect(await findStates(await tempDir())).toBeUndefined()
  })

  it('a corrupt entry is skipped, named with what to do; the entries beside it are still found', async () => {
    const dir = await tempDir()
    await writeState(dir, { ...VALID, pid: process.pid })
    const file = join(proxiesDir(dir), '12-8080.json')
    await writeFile(file, '{"pid": 12')
    const found = await findStates(dir)
    expect(found?.entries.map((entry) => entry.state.pid)).toEqual([process.pid])
    expect(found?.unreadable).toEqual([
      { file, problem: `${file} is not a devproxy state file: it is not valid JSON`, suggestion: `Delete it (rm ${file}); each devproxy writes its own entry again when it starts.` },
    ])
  })

  it('an https proxy removes its own entry at exit, as a plain one does', async () => {
    const dir = await tempDir()
    const mine = { ...VALID, pid: process.pid, url: 'https://127.0.0.1:8443', urls: ['https://127.0.0.1:8443'] }
    const file = await writeState(dir, mine)
    expect(file).toBe(join(proxiesDir(dir), `${process.pid}-8443.json`))
    await removeState(dir, mine)
    expect(existsSync(join(dir, '.devproxy'))).toBe(false)
  })

  it("removeState removes only this proxy's own entry, never another's; the last one out removes the directories", async () => {
    const dir = await tempDir()
    const mine = { ...VALID, pid: process.pid }
    const other = { ...VALID, pid: 4243, url: 'http://127.0.0.1:8081', token: 'another-token-another-token' }
    await writeState(dir, mine)
    await writeState(dir, other)
    await removeState(dir, { ...mine, token: 'another-token-another-token' })
    expect(existsSync(entryPath(dir, mine))).toBe(true)
    await removeState(dir, mine)
    expect(existsSync(entryPath(dir, mine))).toBe(false)
    expect(existsSync(entryPath(dir, other))).toBe(true)
    await removeState(dir, other)
    expect(existsSync(join(dir, '.devproxy'))).toBe(false)
    await expect(removeState(dir, other)).resolves.toBeUndefined()
  })

  it('the .devproxy directory stays when it holds something else', async () => {
    const dir = await tempDir()
    await writeState(dir, VALID)
    await writeFile(join(dir, '.devproxy', 'notes.txt'), 'mine')
    await removeState(dir, VALID)
    expect(existsSync(proxiesDir(dir))).toBe(false)
    expect(existsSync(join(dir, '.devproxy', 'notes.txt'))).toBe(true)
  })

  it('removeStaleEntry leaves an entry rewritten since by a new proxy with the same pid and port', async () => {
    const dir = await tempDir()
    await writeState(dir, VALID)
    const [stale] = (await findStates(dir))!.entries
    await writeState(dir, { ...VALID, token: 'a-newer-token-a-newer-token' })
    await removeStaleEntry(stale!)
    expect(existsSync(stale!.file)).toBe(true)
    await writeState(dir, VALID)
    await removeStaleEntry(stale!)
    expect(existsSync(stale!.file)).toBe(false)
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

describe('proxyUrls, proxyPorts: every listener of an entry', () => {
  it('an entry written before `urls` was: its one url', () => {
    expect(proxyUrls(VALID)).toEqual(['http://127.0.0.1:8080'])
    expect(proxyPorts(VALID)).toEqual([8080])
  })

  it('--https-port: the main one first, then the HTTPS one; a URL without a port has its scheme\'s (RFC 9110 §4.2)', () => {
    const state = { ...VALID, urls: ['http://127.0.0.1:8080', 'https://127.0.0.1:8443', 'https://localhost'] }
    expect(proxyPorts(state)).toEqual([8080, 8443, 443])
  })
})
