/**
 * `devproxy trust --intercept` run as a user runs it (issue 30 item 2): the intercept CA into
 * real NSS databases (certutil) and a system store of the test's own (DEVPROXY_SYSTEM_CA_DIR,
 * with a recording update command: these tests run as root on the build machines and must never
 * touch /usr/local/share/ca-certificates), out again with --uninstall, beside the local CA and
 * never in its place. The CA itself is made as the forward proxy makes it (openInterceptCa).
 */
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openInterceptCa } from '../../src/tls/intercept-ca.js'
import { expectNoStack, runCli } from '../helpers/cli.js'

const MACHINE_STORE = '/usr/local/share/ca-certificates'
const certutil = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'certutil')).find((file) => existsSync(file))
const machineStoreBefore = existsSync(MACHINE_STORE) ? await readdir(MACHINE_STORE) : []

let root: string
beforeAll(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'devproxy-trust-intercept-')))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

let count = 0
interface Sandbox {
  home: string
  data: string
  anchors: string
  updateLog: string
  env: NodeJS.ProcessEnv
}

/** A user with an empty home, no CA yet, a system store of their own, and a project directory to run in. */
async function sandbox(): Promise<Sandbox> {
  const base = join(root, `u${++count}`)
  const s = { home: join(base, 'home'), data: join(base, 'data'), anchors: join(base, 'anchors'), updateLog: join(base, 'update.log') }
  await Promise.all([mkdir(join(s.home, 'project'), { recursive: true }), mkdir(s.anchors, { recursive: true })])
  const update = join(base, 'fake-update-ca-certificates')
  await writeFile(update, `#!/bin/sh\necho "ran $*" >> '${s.updateLog}'\n`)
  await chmod(update, 0o755)
  return { ...s, env: { HOME: s.home, DEVPROXY_DATA_DIR: s.data, DEVPROXY_SYSTEM_CA_DIR: s.anchors, DEVPROXY_SYSTEM_CA_UPDATE: update, SUDO_USER: undefined, NO_COLOR: '1' } }
}

const run = (s: Sandbox, args: string[]) => runCli(args, { env: s.env, cwd: join(s.home, 'project') })

/** `devproxy … CA …` entries → trust flags, as `certutil -L` lists a database. */
function nssEntries(dir: string): Record<string, string> {
  const listing = execFileSync(certutil!, ['-L', '-d', `sql:${dir}`], { encoding: 'utf8' })
  return Object.fromEntries([...listing.matchAll(/^(devproxy (?:local|intercept) CA \S+)\s+(\S+)\s*$/gm)].map((match) => [match[1]!, match[2]!]))
}

/** The nickname and anchor file devproxy gives the CA in `file`: named for its fingerprint. */
async function namesOf(file: string, label: string, anchorPrefix: string): Promise<{ nickname: string; anchor: string }> {
  const short = new X509Certificate(await readFile(file, 'utf8')).fingerprint256.replaceAll(':', '').slice(0, 16).toLowerCase()
  return { nickname: `${label} ${short}`, anchor: `${anchorPrefix}${short}.crt` }
}

describe('devproxy trust --intercept before any intercept CA was made', () => {
  it('exit 1 with one error and one hint saying how to make one; makes nothing, changes no store', async () => {
    const s = await sandbox()
    const result = await run(s, ['trust', '--intercept'])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      `error: there is no devproxy intercept CA yet (looked in ${s.data})`,
      'hint: devproxy makes it when it first intercepts a host: `devproxy start --intercept HOST` (or outbound.intercept in proxy.config.ts), then `devproxy trust --intercept`.',
    ])
    expect(existsSync(s.data)).toBe(false)
    expect(existsSync(join(s.home, '.pki'))).toBe(false)
    expect(await readdir(s.anchors)).toEqual([])
  })

  it('--uninstall: nothing to take out, exit 0; --print: the same error as an install', async () => {
    const s = await sandbox()
    const uninstall = await run(s, ['trust', '--intercept', '--uninstall'])
    expect(uninstall).toMatchObject({ code: 0, stderr: '', stdout: `There is no devproxy intercept CA in ${s.data}: nothing to take out of the trust stores.\n` })
    const print = await run(s, ['trust', '--intercept', '--print'])
    expect(print.code).toBe(1)
    expect(print.stderr).toContain('error: there is no devproxy intercept CA yet')
  })

  it.each([['--reissue'], ['--host', 'myapp.test']])('--intercept with %s is a wrong command line: exit 2', async (...flag) => {
    const s = await sandbox()
    const result = await run(s, ['trust', '--intercept', ...flag])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^error: --intercept and --\w+ cannot be used together\n/)
    expectNoStack(result.stderr)
  })
})

describe.skipIf(certutil === undefined)('devproxy trust --intercept, with certutil (libnss3-tools)', () => {
  it('installs it as the local CA is installed, under its own names; a second run changes nothing; --uninstall takes it out and leaves the local CA', async () => {
    const s = await sandbox()
    const chrome = join(s.home, '.pki', 'nssdb')
    expect((await run(s, ['trust'])).code).toBe(0)
    const local = await namesOf(join(s.data, 'ca.pem'), 'devproxy local CA', 'devproxy-')
    const { certPath } = await openInterceptCa({ hosts: ['api.example.test', '*.openai.com'], dir: s.data })
    const intercept = await namesOf(certPath, 'devproxy intercept CA', 'devproxy-intercept-')

    const first = await run(s, ['trust', '--intercept'])
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(nssEntries(chrome)).toEqual({ [local.nickname]: 'C,,', [intercept.nickname]: 'C,,' })
    expect((await readdir(s.anchors)).sort()).toEqual([local.anchor, intercept.anchor].sort())
    expect(await readFile(join(s.anchors, intercept.anchor), 'utf8')).toBe(await readFile(certPath, 'utf8'))
    const lines = first.stdout.trimEnd().split('\n')
    expect(lines.slice(0, 3)).toEqual([`devproxy intercept CA ${certPath}`, expect.stringMatching(/^ {2}SHA-256 [0-9A-F:]{95}$/), '  covers api.example.test, *.openai.com, and nothing else'])
    expect(lines).toContain('✓ Chrome/Chromium (~/.pki/nssdb): added, trusted to identify websites (C,,)')
    expect(lines).toContain(`✓ system store (${s.anchors}): added ${intercept.anchor} and ran ${join(s.home, '..', 'fake-update-ca-certificates')}`)
    expect(lines).toContain(`Node.js reads none of these stores; give it the CA with: export NODE_EXTRA_CA_CERTS=${certPath}`)
    expect(lines).toContain(`curl, and tools that take a CA file: curl --proxy http://localhost:8080 --cacert ${certPath} https://api.example.test/`)
    expect(lines.at(-1)).toBe('When the intercept list names a host this CA does not cover, devproxy makes a new one: run devproxy trust --intercept again then.')

    const second = await run(s, ['trust', '--intercept', '--json'])
    expect(second.code).toBe(0)
    const report = JSON.parse(second.stdout) as { ca: { certFile: string }; stores: Array<{ store: string; status: string }> }
    expect(report.ca.certFile).toBe(certPath)
    expect(report.stores.map((store) => [store.store, store.status])).toEqual([
      ['Chrome/Chromium (~/.pki/nssdb)', 'already'],
      [`system store (${s.anchors})`, 'already'],
    ])

    const uninstall = await run(s, ['trust', '--intercept', '--uninstall'])
    expect(uninstall.code).toBe(0)
    expect(uninstall.stdout).toContain(`✓ system store (${s.anchors}): removed ${intercept.anchor}`)
    expect(uninstall.stdout).toContain(`The CA's files stay in ${s.data} (\`devproxy trust --intercept\` puts it back).`)
    expect(nssEntries(chrome)).toEqual({ [local.nickname]: 'C,,' })
    expect(await readdir(s.anchors)).toEqual([local.anchor])
    expect(existsSync(certPath)).toBe(true)
  })

  it('after the list grew: the replaced CA leaves every store and the new one goes in; the replaced one is then forgotten', async () => {
    const s = await sandbox()
    const chrome = join(s.home, '.pki', 'nssdb')
    const first = await openInterceptCa({ hosts: ['api.example.test'], dir: s.data })
    expect((await run(s, ['trust', '--intercept'])).code).toBe(0)
    const old = await namesOf(first.certPath, 'devproxy intercept CA', 'devproxy-intercept-')
    const grown = await openInterceptCa({ hosts: ['api.example.test', 'billing.example.test'], dir: s.data })
    expect(grown.created).toBe(true)
    const current = await namesOf(grown.certPath, 'devproxy intercept CA', 'devproxy-intercept-')
    // Until trust --intercept runs again, the stores still hold the old one (its key is gone).
    expect(nssEntries(chrome)).toEqual({ [old.nickname]: 'C,,' })

    const result = await run(s, ['trust', '--intercept'])
    expect(result.code).toBe(0)
    expect(result.stdout.split('\n').slice(0, 3)).toEqual([
      `Taking a replaced intercept CA (SHA-256 ${first.ca.fingerprint256}) out of the stores:`,
      '  ✓ Chrome/Chromium (~/.pki/nssdb): removed',
      expect.stringMatching(new RegExp(`^ {2}✓ system store \\(.+\\): removed ${old.anchor} and ran `)),
    ])
    expect(result.stdout).toContain('  covers api.example.test, billing.example.test, and nothing else')
    expect(nssEntries(chrome)).toEqual({ [current.nickname]: 'C,,' })
    expect(await readdir(s.anchors)).toEqual([current.anchor])
    expect(await readdir(join(s.data, 'intercept-ca-retired'))).toEqual([])

    const again = JSON.parse((await run(s, ['trust', '--intercept', '--json'])).stdout) as { retired?: unknown }
    expect(again.retired).toBeUndefined()
  })

  it('--print --intercept: its path, fingerprint, what it covers and its PEM; nothing installed', async () => {
    const s = await sandbox()
    const { ca, certPath } = await openInterceptCa({ hosts: ['*.openai.com'], dir: s.data })
    const result = await run(s, ['trust', '--intercept', '--print'])
    expect(result.code).toBe(0)
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines.slice(0, 6)).toEqual([
      certPath,
      expect.stringMatching(/^subject: {6}O=devproxy, CN=devproxy intercept CA \(.+\)$/),
      `SHA-256:      ${ca.fingerprint256}`,
      expect.stringMatching(/^valid until: {2}\d{4}-\d\d-\d\d$/),
      'covers:       *.openai.com',
      '              and nothing else: its name constraints make clients refuse a certificate it signs for any other name, any IP address, e-mail address or URI, and it vouches for HTTPS servers only.',
    ])
    expect(`${lines.slice(6).join('\n')}\n`).toBe(ca.certPem)
    expect(existsSync(join(s.home, '.pki'))).toBe(false)
  })
})

it("none of this touched the machine's own system store", async () => {
  expect(existsSync(MACHINE_STORE) ? await readdir(MACHINE_STORE) : []).toEqual(machineStoreBefore)
})
