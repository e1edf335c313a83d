/**
 * `devproxy trust` run as a user runs it, against real NSS databases (certutil) in a temporary
 * HOME and a temporary data directory. The system store is a temporary directory too
 * (DEVPROXY_SYSTEM_CA_DIR) with a recording script as its update command
 * (DEVPROXY_SYSTEM_CA_UPDATE): these tests run as root on the build machines, and must never
 * change /usr/local/share/ca-certificates or run update-ca-certificates there (checked at the end).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { openLocalCa } from '../../src/tls/ca-store.js'
import { BIN, expectNoStack, runCli, spawnCli } from '../helpers/cli.js'

const MACHINE_STORE = '/usr/local/share/ca-certificates'
const certutil = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'certutil')).find((file) => existsSync(file))
const machineStoreBefore = existsSync(MACHINE_STORE) ? await readdir(MACHINE_STORE) : []

let root: string
beforeAll(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'devproxy-trust-cli-')))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

let count = 0
interface Sandbox {
  home: string
  data: string
  anchors: string
  bin: string
  updateLog: string
  env: NodeJS.ProcessEnv
}

/** A user with an empty home, no CA yet, and a system store of their own. */
async function sandbox(): Promise<Sandbox> {
  const base = join(root, `u${++count}`)
  const s = { home: join(base, 'home'), data: join(base, 'data'), anchors: join(base, 'anchors'), bin: join(base, 'bin'), updateLog: join(base, 'update.log') }
  await Promise.all([mkdir(s.home, { recursive: true }), mkdir(s.anchors, { recursive: true }), mkdir(s.bin, { recursive: true })])
  const update = join(s.bin, 'fake-update-ca-certificates')
  await writeFile(update, `#!/bin/sh\necho "ran $*" >> '${s.updateLog}'\n`)
  await chmod(update, 0o755)
  // SUDO_USER unset: a test run under sudo would otherwise get the warning tested below.
  return { ...s, env: { HOME: s.home, DEVPROXY_DATA_DIR: s.data, DEVPROXY_SYSTEM_CA_DIR: s.anchors, DEVPROXY_SYSTEM_CA_UPDATE: `${update} --fresh`, SUDO_USER: undefined } }
}

/** `devproxy local CA …` → trust flags, as `certutil -L` lists a database. */
function nssEntries(dir: string): Record<string, string> {
  const listing = execFileSync(certutil!, ['-L', '-d', `sql:${dir}`], { encoding: 'utf8' })
  const entries: Record<string, string> = {}
  for (const match of listing.matchAll(/^(devproxy local CA \S+)\s+(\S+)\s*$/gm)) entries[match[1]!] = match[2]!
  return entries
}

/** The certificate NSS holds under `nickname`, PEM, or undefined. */
function nssCertificate(dir: string, nickname: string): string | undefined {
  const result = spawnSync(certutil!, ['-L', '-d', `sql:${dir}`, '-n', nickname, '-a'], { encoding: 'utf8' })
  return result.status === 0 ? result.stdout : undefined
}

async function caOf(s: Sandbox): Promise<{ pem: string; fingerprint: string; nickname: string }> {
  const pem = await readFile(join(s.data, 'ca.pem'), 'utf8')
  const fingerprint = new X509Certificate(pem).fingerprint256
  return { pem, fingerprint, nickname: `devproxy local CA ${fingerprint.replaceAll(':', '').slice(0, 16).toLowerCase()}` }
}

const updateRuns = async (s: Sandbox) => (await readFile(s.updateLog, 'utf8').catch(() => '')).split('\n').filter(Boolean)
const samePem = (a: string | undefined, b: string) => new X509Certificate(a ?? '').fingerprint256 === new X509Certificate(b).fingerprint256

describe.skipIf(certutil === undefined)('devproxy trust, with certutil (libnss3-tools)', () => {
  it('installs into Chrome\'s NSS database (made for it), a Firefox profile\'s and the system store; prints the Node.js line; a second run changes nothing', async () => {
    const s = await sandbox()
    const chrome = join(s.home, '.pki', 'nssdb')
    const firefox = join(s.home, '.mozilla', 'firefox', 'x1y2.default-release')
    await mkdir(firefox, { recursive: true })
    execFileSync(certutil!, ['-N', '-d', `sql:${firefox}`, '--empty-password'])

    const first = await runCli(['trust'], { env: s.env })
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    const ca = await caOf(s)
    expect(nssEntries(chrome)).toEqual({ [ca.nickname]: 'C,,' })
    expect(nssEntries(firefox)).toEqual({ [ca.nickname]: 'C,,' })
    expect(samePem(nssCertificate(chrome, ca.nickname), ca.pem)).toBe(true)
    const anchors = await readdir(s.anchors)
    expect(anchors).toEqual([`${ca.nickname.replace('devproxy local CA ', 'devproxy-')}.crt`])
    expect(await readFile(join(s.anchors, anchors[0]!), 'utf8')).toBe(ca.pem)
    expect(await updateRuns(s)).toEqual(['ran --fresh'])
    expect(first.stdout).toContain(`✓ made a new local CA in ${s.data}`)
    expect(first.stdout).toContain('✓ Chrome/Chromium (~/.pki/nssdb): made the database and added the CA, trusted to identify websites (C,,)')
    expect(first.stdout).toContain('✓ Firefox (~/.mozilla/firefox/x1y2.default-release): added, trusted to identify websites (C,,)')
    expect(first.stdout).toContain(`✓ system store (${s.anchors}): added ${anchors[0]}`)
    expect(first.stdout).toContain(`NODE_EXTRA_CA_CERTS=${join(s.data, 'ca.pem')}`)
    expect(first.stdout).toContain(`curl --cacert ${join(s.data, 'ca.pem')}`)

    const second = await runCli(['trust', '--json'], { env: s.env })
    expect(second.code).toBe(0)
    const report = JSON.parse(second.stdout) as { ca: { certFile: string; fingerprint: string }; stores: Array<{ store: string; status: string }> }
    expect(report.ca).toEqual({ certFile: join(s.data, 'ca.pem'), fingerprint: ca.fingerprint })
    expect(report.stores.map((store) => [store.store, store.status])).toEqual([
      ['Chrome/Chromium (~/.pki/nssdb)', 'already'],
      ['Firefox (~/.mozilla/firefox/x1y2.default-release)', 'already'],
      [`system store (${s.anchors})`, 'already'],
    ])
    expect(await updateRuns(s)).toEqual(['ran --fresh'])
    expect(nssEntries(chrome)).toEqual({ [ca.nickname]: 'C,,' })
  })

  it('--uninstall takes it out of every store and keeps the CA files; a second --uninstall finds it nowhere', async () => {
    const s = await sandbox()
    expect((await runCli(['trust'], { env: s.env })).code).toBe(0)
    const ca = await caOf(s)
    const chrome = join(s.home, '.pki', 'nssdb')
    expect(nssEntries(chrome)).toEqual({ [ca.nickname]: 'C,,' })

    const removed = await runCli(['trust', '--uninstall'], { env: s.env })
    expect(removed.stderr).toBe('')
    expect(removed.code).toBe(0)
    expect(nssEntries(chrome)).toEqual({})
    expect(nssCertificate(chrome, ca.nickname)).toBeUndefined()
    expect(await readdir(s.anchors)).toEqual([])
    expect(await updateRuns(s)).toEqual(['ran --fresh', 'ran --fresh'])
    expect(removed.stdout).toContain('✓ Chrome/Chromium (~/.pki/nssdb): removed')
    expect((await caOf(s)).fingerprint).toBe(ca.fingerprint)

    const again = await runCli(['trust', '--uninstall', '--json'], { env: s.env })
    expect(again.code).toBe(0)
    expect((JSON.parse(again.stdout) as { stores: Array<{ status: string; detail: string }> }).stores).toEqual([
      { store: 'Chrome/Chromium (~/.pki/nssdb)', status: 'skipped', detail: 'not there' },
      { store: `system store (${s.anchors})`, status: 'skipped', detail: 'not there' },
    ])
  })

  it('--reissue: the old CA leaves the stores, the new one (covering --host too) goes in', async () => {
    const s = await sandbox()
    expect((await runCli(['trust'], { env: s.env })).code).toBe(0)
    const old = await caOf(s)
    const result = await runCli(['trust', '--reissue', '--host', 'myapp.test'], { env: s.env })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const ca = await caOf(s)
    expect(ca.fingerprint).not.toBe(old.fingerprint)
    expect(nssEntries(join(s.home, '.pki', 'nssdb'))).toEqual({ [ca.nickname]: 'C,,' })
    expect(await readdir(s.anchors)).toEqual([`${ca.nickname.replace('devproxy local CA ', 'devproxy-')}.crt`])
    expect(result.stdout).toContain(`Taking the old CA (SHA-256 ${old.fingerprint}) out of the stores:`)
    expect(result.stdout).toContain('covers localhost, *.localhost, myapp.test, *.myapp.test, 127.0.0.0/8, ::1, and nothing else')
  })
})

const isRoot = process.getuid?.() === 0
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((file) => existsSync(file))
const machineStoreWorldWritable = existsSync(MACHINE_STORE) && (statSync(MACHINE_STORE).mode & 0o002) !== 0
/** A checkout under /root, say, is out of nobody's reach: the test is then skipped, not failed. */
const nobodyCanRun =
  isRoot && setpriv !== undefined && spawnSync(setpriv, ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(BIN)})`]).status === 0

/**
 * The common case, a user who may not write the system store: run as nobody (setpriv) when the
 * tests run as root, against the machine's real store, which nobody cannot change.
 */
describe.skipIf(certutil === undefined || !nobodyCanRun || !existsSync(MACHINE_STORE) || machineStoreWorldWritable)('devproxy trust as a user without root', () => {
  it('exit 0: the browsers are done, the system store is left with the exact sudo commands', async () => {
    // Not under root (0700, as mkdtemp makes it): nobody must reach its home and data directory.
    const base = await mkdtemp(join(tmpdir(), 'devproxy-trust-nobody-'))
    onTestFinished(() => rm(base, { recursive: true, force: true }))
    await chmod(base, 0o777)
    const env = [`PATH=${(process.env.PATH ?? '').split(delimiter).filter((dir) => !dir.endsWith('sbin')).join(delimiter)}`, `HOME=${join(base, 'home')}`, `DEVPROXY_DATA_DIR=${join(base, 'data')}`, 'NO_COLOR=1']
    const result = spawnSync(setpriv!, ['--reuid=65534', '--regid=65534', '--clear-groups', 'env', '-i', ...env, process.execPath, BIN, 'trust'], { encoding: 'utf8', cwd: base })
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    const pem = await readFile(join(base, 'data', 'ca.pem'), 'utf8')
    const short = new X509Certificate(pem).fingerprint256.replaceAll(':', '').slice(0, 16).toLowerCase()
    expect(nssEntries(join(base, 'home', '.pki', 'nssdb'))).toEqual({ [`devproxy local CA ${short}`]: 'C,,' })
    const lines = result.stdout.split('\n')
    const at = lines.indexOf(`– system store (${MACHINE_STORE}): needs root: ${MACHINE_STORE} is not writable by you`)
    expect(at, result.stdout).toBeGreaterThan(-1)
    expect(lines[at + 1]).toBe(`    sudo cp ${join(base, 'data', 'ca.pem')} ${MACHINE_STORE}/devproxy-${short}.crt && sudo update-ca-certificates`)
  })
})

it.skipIf(!isRoot)('under sudo: a warning that the CA and profiles may be root\'s, not the user\'s', async () => {
  const s = await sandbox()
  const result = await runCli(['trust', '--json'], { env: { ...s.env, PATH: s.bin, SUDO_USER: 'ada' } })
  expect(result.stderr.trimEnd().split('\n')).toEqual([
    `warning: running under sudo: the CA is the one in ${s.data} and the browser profiles are under ${s.home}, which may be root's rather than ada's. Run devproxy trust as ada instead: it prints the sudo commands the system store needs.`,
  ])
})

describe('devproxy trust without certutil on PATH', () => {
  it('exit 1: one line saying Chrome/Chromium does not trust the CA, the install command under it; the other stores are still done', async () => {
    const s = await sandbox()
    const result = await runCli(['trust'], { env: { ...s.env, PATH: s.bin } })
    expect(result.code).toBe(1)
    expect(result.stderr).toBe('')
    const lines = result.stdout.split('\n')
    const at = lines.findIndex((line) => line.startsWith('✗ '))
    expect(lines[at]).toBe('✗ NSS databases (Chrome/Chromium): certutil (NSS tools) is not installed, so Chrome/Chromium do not trust the CA: install it, then run devproxy trust again')
    expect(lines[at + 1]).toBe('    sudo apt-get install libnss3-tools')
    expect(lines.filter((line) => line.startsWith('✗ '))).toHaveLength(1)
    expect(result.stdout).toContain(`✓ system store (${s.anchors}): added`)
    expect(existsSync(join(s.home, '.pki'))).toBe(false)
    expectNoStack(result.stdout)

    const json = await runCli(['trust', '--json'], { env: { ...s.env, PATH: s.bin } })
    expect(json.code).toBe(1)
    expect((JSON.parse(json.stdout) as { stores: unknown[] }).stores[0]).toEqual({
      store: 'NSS databases (Chrome/Chromium)',
      status: 'failed',
      detail: expect.stringContaining('certutil (NSS tools) is not installed'),
      command: 'sudo apt-get install libnss3-tools',
    })
  })
})

describe('devproxy trust --print', () => {
  it('the path, fingerprint, what the CA covers and its PEM; nothing installed', async () => {
    const s = await sandbox()
    // Made as start --https makes it, trusted nowhere.
    await openLocalCa({ dir: s.data })

    const result = await runCli(['trust', '--print'], { env: s.env })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const ca = await caOf(s)
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe(join(s.data, 'ca.pem'))
    expect(lines).toContain(`SHA-256:      ${ca.fingerprint}`)
    expect(lines).toContain('covers:       localhost, *.localhost, 127.0.0.0/8, ::1')
    expect(result.stdout).toContain('its name constraints make clients refuse a certificate it signs for any other name')
    expect(result.stdout.slice(result.stdout.indexOf('-----BEGIN CERTIFICATE-----'))).toBe(ca.pem)
    expect(await readdir(s.anchors)).toEqual([])
    expect(await updateRuns(s)).toEqual([])
    expect(existsSync(join(s.home, '.pki'))).toBe(false)
  })

  it('no CA yet: exit 1, error and hint, and none made', async () => {
    const s = await sandbox()
    const result = await runCli(['trust', '--print'], { env: s.env })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr.trimEnd().split('\n')).toEqual([`error: there is no devproxy local CA yet (looked in ${s.data})`, 'hint: `devproxy trust` makes it and installs it where your browsers and tools look.'])
    expect(existsSync(s.data)).toBe(false)
  })

  it('--print with --uninstall: a wrong command line, exit 2', async () => {
    const s = await sandbox()
    const result = await runCli(['trust', '--print', '--uninstall'], { env: s.env })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^error: --(print|uninstall) and --(print|uninstall) cannot be used together\n/)
  })
})

describe('the curl line devproxy trust prints', () => {
  it('tries the port devproxy start --https listens on by default, with no proxy running here', async () => {
    const s = await sandbox()
    const cwd = join(s.home, 'project')
    await mkdir(cwd)
    const result = await runCli(['trust'], { env: s.env, cwd })
    expect(result.stdout).toContain(`curl, and tools that take a CA file: curl --cacert ${join(s.data, 'ca.pem')} https://localhost:8080/\n`)
  })

  it('tries the HTTPS port of the devproxy running here, and that line works as printed', async () => {
    const s = await sandbox()
    const cwd = join(s.home, 'project')
    await mkdir(cwd)
    const proxy = spawnCli(['start', '--https', '--port', '0', '--demo', '--no-watch'], { env: s.env, cwd })
    onTestFinished(async () => {
      proxy.child.kill('SIGINT')
      await proxy.exited
    })
    const [, port] = await proxy.waitFor(/listening on https:\/\/127\.0\.0\.1:(\d+)/)
    await proxy.waitFor(/control: /)
    const result = await runCli(['trust'], { env: s.env, cwd })
    const [line] = /curl --cacert .*$/m.exec(result.stdout) ?? ['']
    expect(line).toBe(`curl --cacert ${join(s.data, 'ca.pem')} https://localhost:${port}/`)
    const curl = spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', ...line.split(' ').slice(1)], { encoding: 'utf8' })
    expect(curl.stderr).toBe('')
    expect(curl.stdout).toMatch(/^\d{3}$/)
  })
})

it("none of this touched the machine's own system store", async () => {
  expect(existsSync(MACHINE_STORE) ? await readdir(MACHINE_STORE) : []).toEqual(machineStoreBefore)
})
