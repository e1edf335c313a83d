/**
 * `devproxy trust` as a service, on a real data directory and a real (temporary) system store
 * directory, with certutil simulated by a runner that keeps an NSS database as a set of
 * nicknames: install, a second run, --reissue, --uninstall, and what is refused before anything
 * is changed.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalCaError } from '../../src/tls/ca-error.js'
import { caFiles, openLocalCa, reissueLocalCa } from '../../src/tls/ca-store.js'
import { createLocalCa } from '../../src/tls/local-ca.js'
import { LOCAL_PERMITTED, extraPermittedHosts, parseIpRange } from '../../src/tls/local-names.js'
import { identifyCa, nssNickname } from '../../src/trust/ca-identity.js'
import { runStep } from '../../src/trust/run-step.js'
import { reissueLocalCaAndTrust, requireLocalCa, trustLocalCa, untrustLocalCa, type TrustOptions } from '../../src/trust/trust-ca.js'
import type { StepRunner } from '../../src/trust/trust-step.js'

let root: string
let bin: string
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'devproxy-trust-ca-'))
  // survey-machine.ts looks for certutil on PATH; the simulated one below answers for it.
  bin = join(root, 'bin')
  await mkdir(bin)
  await writeFile(join(bin, 'certutil'), '#!/bin/sh\nexit 99\n')
  await chmod(join(bin, 'certutil'), 0o755)
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

let count = 0
interface Machine {
  options: TrustOptions
  dataDir: string
  anchors: string
  /** The nicknames in Chrome's simulated NSS database. */
  nss: Set<string>
  /** Every step run, `certutil -A devproxy local CA …`, `copy …`. */
  log: string[]
}

/** A fresh machine: empty home, empty data directory, an empty system store directory devproxy may write. */
async function machine(): Promise<Machine> {
  const base = join(root, `m${++count}`)
  const [home, dataDir, anchors] = [join(base, 'home'), join(base, 'data'), join(base, 'anchors')]
  await Promise.all([mkdir(home, { recursive: true }), mkdir(anchors, { recursive: true })])
  const nss = new Set<string>()
  const log: string[] = []
  const run: StepRunner = async (step) => {
    if (step.op !== 'run') {
      log.push(step.op === 'copy' ? `copy ${step.to}` : step.op === 'remove' ? `remove ${step.file}` : `mkdir ${step.dir}`)
      return runStep(step)
    }
    const [command, , , , nickname] = step.args
    log.push(`${step.file} ${command}${nickname === undefined ? '' : ` ${nickname}`}`)
    if (step.file !== 'certutil') return { ok: true, stdout: '' }
    if (command === '-N') {
      // What survey-machine.ts looks for to tell that a database is there.
      await writeFile(join(step.args[2]!.slice('sql:'.length), 'cert9.db'), '')
      return { ok: true, stdout: '' }
    }
    if (command === '-L') return nss.has(nickname!) ? { ok: true, stdout: '' } : { ok: false, problem: 'exited with code 255' }
    if (command === '-A') nss.add(nickname!)
    if (command === '-D' && !nss.delete(nickname!)) return { ok: false, problem: 'exited with code 255' }
    return { ok: true, stdout: '' }
  }
  const env = { PATH: bin, DEVPROXY_SYSTEM_CA_DIR: anchors }
  return { options: { dir: dataDir, run, machine: { env, home, platform: 'linux', privileged: true } }, dataDir, anchors, nss, log }
}

async function fingerprintIn(dataDir: string): Promise<string> {
  const { certFile } = caFiles(dataDir)
  return identifyCa(await readFile(certFile, 'utf8'), certFile).fingerprint256
}

describe('trust: install', () => {
  it('a first run makes the CA and puts it in every store: NSS by a nickname from its fingerprint, the system store as a file', async () => {
    const m = await machine()
    const outcome = await trustLocalCa(m.options)
    const { certFile } = caFiles(m.dataDir)
    const ca = identifyCa(await readFile(certFile, 'utf8'), certFile)
    expect(outcome.created).toBe(true)
    expect(outcome.covers).toBe('localhost, *.localhost, 127.0.0.0/8, ::1')
    expect(outcome.report.ca).toEqual({ certFile, fingerprint: ca.fingerprint256 })
    expect(outcome.report.stores.map((store) => [store.store, store.status])).toEqual([
      ['Chrome/Chromium (~/.pki/nssdb)', 'installed'],
      [`system store (${m.anchors})`, 'installed'],
    ])
    expect([...m.nss]).toEqual([nssNickname(ca)])
    const [anchor, ...others] = await readdir(m.anchors)
    expect(others).toEqual([])
    expect(await readFile(join(m.anchors, anchor!), 'utf8')).toBe(await readFile(certFile, 'utf8'))
  })

  it('a second run keeps the CA and changes nothing', async () => {
    const m = await machine()
    await trustLocalCa(m.options)
    const before = await fingerprintIn(m.dataDir)
    m.log.length = 0
    const outcome = await trustLocalCa(m.options)
    expect(outcome.created).toBe(false)
    expect(await fingerprintIn(m.dataDir)).toBe(before)
    expect(outcome.report.stores.map((store) => store.status)).toEqual(['already', 'already'])
    expect(m.log).toEqual([expect.stringMatching(/^certutil -L devproxy local CA /)])
  })

  it('--host on a first run: the CA covers it', async () => {
    const m = await machine()
    expect((await trustLocalCa({ ...m.options, hosts: ['myapp.test'] })).covers).toBe('localhost, *.localhost, myapp.test, *.myapp.test, 127.0.0.0/8, ::1')
  })

  it('--host the existing CA does not cover: refused before any store is touched, pointing at --reissue', async () => {
    const m = await machine()
    await trustLocalCa(m.options)
    m.log.length = 0
    const error = await trustLocalCa({ ...m.options, hosts: ['myapp.test'] }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(LocalCaError)
    expect((error as LocalCaError).code).toBe('host_outside_ca')
    expect((error as LocalCaError).suggestion).toContain('devproxy trust --reissue --host myapp.test')
    expect(m.log).toEqual([])
  })
})

describe('a CA made by an older devproxy (test/fixtures/tls/older-ca)', () => {
  const OLDER = new URL('../fixtures/tls/older-ca/', import.meta.url)
  const NOTICE =
    "devproxy's local CA was made by an older devproxy and does not refuse e-mail addresses, URIs and uses other than HTTPS servers; `devproxy trust --reissue` replaces it with one that does, covering the same names"

  async function withOlderCa(m: Machine): Promise<string> {
    const { certFile, keyFile } = caFiles(m.dataDir)
    await mkdir(m.dataDir, { recursive: true, mode: 0o700 })
    await writeFile(certFile, await readFile(new URL('ca.pem', OLDER), 'utf8'))
    await writeFile(keyFile, await readFile(new URL('ca-key.pem', OLDER), 'utf8'), { mode: 0o600 })
    return fingerprintIn(m.dataDir)
  }

  it('trust installs it as it is (the user may trust it already) and says, once, what --reissue adds', async () => {
    const m = await machine()
    const before = await withOlderCa(m)
    const outcome = await trustLocalCa(m.options)
    expect(outcome.created).toBe(false)
    expect(outcome.report.ca?.fingerprint).toBe(before)
    expect(outcome.warnings).toEqual([NOTICE])
  })

  it('--reissue replaces it with one that has the stricter constraints, and no notice', async () => {
    const m = await machine()
    const before = await withOlderCa(m)
    const outcome = await reissueLocalCaAndTrust(m.options)
    expect(outcome.report.previous?.fingerprint).toBe(before)
    expect(outcome.warnings).toEqual([])
    expect((await requireLocalCa({ dir: m.dataDir })).ca.lacks).toEqual([])
  })
})

describe('trust --reissue', () => {
  it('takes the old CA out of every store first, then puts the new one in; the new one keeps what the old covered', async () => {
    const m = await machine()
    await trustLocalCa({ ...m.options, hosts: ['myapp.test'] })
    const oldFile = await readFile(caFiles(m.dataDir).certFile, 'utf8')
    const old = identifyCa(oldFile, 'ca.pem')
    m.log.length = 0

    const outcome = await reissueLocalCaAndTrust({ ...m.options, hosts: ['10.0.0.0/8'] })
    const ca = identifyCa(await readFile(caFiles(m.dataDir).certFile, 'utf8'), 'ca.pem')
    expect(ca.fingerprint256).not.toBe(old.fingerprint256)
    expect(outcome.report.previous?.fingerprint).toBe(old.fingerprint256)
    expect(outcome.report.previous?.stores.map((store) => store.status)).toEqual(['removed', 'removed'])
    expect(outcome.report.stores.map((store) => store.status)).toEqual(['installed', 'installed'])
    expect(outcome.covers).toBe('localhost, *.localhost, myapp.test, *.myapp.test, 127.0.0.0/8, ::1, 10.0.0.0/8')
    // Removal before installation, each by its own CA's nickname.
    expect(m.log.filter((line) => line.startsWith('certutil -D') || line.startsWith('certutil -A'))).toEqual([
      `certutil -D ${nssNickname(old)}`,
      `certutil -A ${nssNickname(ca)}`,
    ])
    expect([...m.nss]).toEqual([nssNickname(ca)])
    expect(await readdir(m.anchors)).toEqual([`devproxy-${ca.fingerprint256.replaceAll(':', '').slice(0, 16).toLowerCase()}.crt`])
    // What start --https will load from now on.
    expect((await openLocalCa({ dir: m.dataDir })).ca.fingerprint256).toBe(ca.fingerprint256)
  })

  it('a --host no CA can cover: refused before the old CA leaves any store', async () => {
    const m = await machine()
    await trustLocalCa(m.options)
    const before = await fingerprintIn(m.dataDir)
    m.log.length = 0
    const error = await reissueLocalCaAndTrust({ ...m.options, hosts: ['*.wild.test'] }).catch((caught: unknown) => caught)
    expect((error as LocalCaError).code).toBe('host_invalid')
    expect(m.log).toEqual([])
    expect(await fingerprintIn(m.dataDir)).toBe(before)
  })

  it('an old certificate that cannot be read: a warning, and a new CA made and installed all the same', async () => {
    const m = await machine()
    await trustLocalCa(m.options)
    await writeFile(caFiles(m.dataDir).certFile, 'not a certificate\n')
    const outcome = await reissueLocalCaAndTrust(m.options)
    expect(outcome.warnings).toEqual([expect.stringContaining('cannot tell which certificate to take out of the trust stores')])
    expect(outcome.report.previous).toBeUndefined()
    expect(outcome.report.stores.map((store) => store.status)).toEqual(['installed', 'installed'])
    await expect(openLocalCa({ dir: m.dataDir })).resolves.toMatchObject({ created: false })
  })

  it('with no CA yet: just makes one', async () => {
    const m = await machine()
    const outcome = await reissueLocalCaAndTrust(m.options)
    expect(outcome.report.previous).toBeUndefined()
    expect(outcome.created).toBe(true)
  })
})

describe('trust --uninstall', () => {
  it('takes the CA out of every store; its files stay', async () => {
    const m = await machine()
    await trustLocalCa(m.options)
    const fingerprint = await fingerprintIn(m.dataDir)
    const outcome = await untrustLocalCa(m.options)
    expect(outcome.report.stores.map((store) => store.status)).toEqual(['removed', 'removed'])
    expect(m.nss.size).toBe(0)
    expect(await readdir(m.anchors)).toEqual([])
    expect(await fingerprintIn(m.dataDir)).toBe(fingerprint)
    const again = await untrustLocalCa(m.options)
    expect(again.report.stores.map((store) => store.status)).toEqual(['skipped', 'skipped'])
  })

  it('no CA: nothing to remove, nothing run, none made', async () => {
    const m = await machine()
    const outcome = await untrustLocalCa(m.options)
    expect(outcome.report).toEqual({ ca: null, stores: [] })
    expect(m.log).toEqual([])
    await expect(stat(m.dataDir)).rejects.toThrow()
  })
})

it('--print with no CA: ca_missing, saying where it looked and that `devproxy trust` makes one', async () => {
  const dir = join(root, 'never-made')
  const error = await requireLocalCa({ dir }).catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(LocalCaError)
  expect(error).toMatchObject({ code: 'ca_missing', message: `there is no devproxy local CA yet (looked in ${dir})` })
  expect((error as LocalCaError).suggestion).toContain('`devproxy trust` makes it')
  await expect(stat(dir)).rejects.toThrow()
})

describe('reissueLocalCa (ca-store.ts)', () => {
  it('replaces both files: a new key (still 0600) and its certificate, read back as the CA from then on', async () => {
    const dir = join(root, 'reissue')
    const first = await openLocalCa({ dir })
    const oldKey = await readFile(first.files.keyFile, 'utf8')
    const second = await reissueLocalCa({ dir, hosts: ['myapp.test'] })
    expect(second.created).toBe(true)
    expect(second.ca.fingerprint256).not.toBe(first.ca.fingerprint256)
    expect(await readFile(second.files.keyFile, 'utf8')).not.toBe(oldKey)
    expect((await stat(second.files.keyFile)).mode & 0o777).toBe(0o600)
    expect((await readdir(dir)).sort()).toEqual(['ca-key.pem', 'ca.pem'])
    const reopened = await openLocalCa({ dir })
    expect(reopened.ca.fingerprint256).toBe(second.ca.fingerprint256)
    expect(extraPermittedHosts(reopened.ca.permitted)).toEqual(['myapp.test'])
  })
})

describe('extraPermittedHosts: what a reissued CA keeps covering', () => {
  it.each<[string, string[]]>([
    ['none beyond the built-in names', []],
    ['a name', ['myapp.test']],
    ['names and ranges', ['myapp.test', 'api.dev.internal', '192.168.1.20', '10.0.0.0/8', 'fd00::/8']],
  ])('%s', async (_case, hosts) => {
    const { ca } = await createLocalCa({ hosts, owner: 'ada@laptop' })
    expect(extraPermittedHosts(ca.permitted)).toEqual(hosts)
  })

  it('the built-in constraints alone give nothing', () => {
    expect(extraPermittedHosts(LOCAL_PERMITTED)).toEqual([])
    expect(extraPermittedHosts({ dns: ['localhost', '.localhost'], ip: [parseIpRange('127.0.0.0/8')!] })).toEqual([])
  })
})
