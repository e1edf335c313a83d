/**
 * What `devproxy trust` finds on a Linux machine, from a temporary home: the NSS databases of
 * Chrome and of each Firefox profile, certutil on PATH, and the system store (moved by
 * DEVPROXY_SYSTEM_CA_DIR, which is how every test keeps off this machine's).
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anchorFileName, type CaIdentity } from '../../src/trust/ca-identity.js'
import { surveyMachine } from '../../src/trust/survey-machine.js'
import { SYSTEM_STORE_LAYOUTS } from '../../src/trust/trust-facts.js'

const PEM = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'
let root: string
let ca: CaIdentity
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'devproxy-survey-'))
  await writeFile(join(root, 'ca.pem'), PEM)
  ca = { certFile: join(root, 'ca.pem'), fingerprint256: 'AB:'.repeat(31) + 'AB', fingerprint1: 'CD:'.repeat(19) + 'CD' }
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

async function database(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'cert9.db'), '')
}

describe('NSS databases', () => {
  it("Chrome's is always listed (devproxy makes it); Firefox profiles only with a database in them", async () => {
    const home = join(root, 'home-1')
    await database(join(home, '.mozilla', 'firefox', 'b.default-release'))
    await database(join(home, '.mozilla', 'firefox', 'a.old'))
    await mkdir(join(home, '.mozilla', 'firefox', 'Crash Reports'), { recursive: true })
    await database(join(home, 'snap', 'firefox', 'common', '.mozilla', 'firefox', 's.default'))
    await database(join(home, 'snap', 'chromium', 'current', '.pki', 'nssdb'))
    const facts = await surveyMachine(ca, { home, platform: 'linux', env: { PATH: '' } })
    expect(facts.nssDatabases).toEqual([
      { browser: 'Chrome/Chromium', dir: join(home, '.pki', 'nssdb'), exists: false },
      { browser: 'Chromium (snap)', dir: join(home, 'snap', 'chromium', 'current', '.pki', 'nssdb'), exists: true },
      { browser: 'Firefox', dir: join(home, '.mozilla', 'firefox', 'a.old'), exists: true },
      { browser: 'Firefox', dir: join(home, '.mozilla', 'firefox', 'b.default-release'), exists: true },
      { browser: 'Firefox (snap)', dir: join(home, 'snap', 'firefox', 'common', '.mozilla', 'firefox', 's.default'), exists: true },
    ])
  })

  it("Chrome's, once made, exists", async () => {
    const home = join(root, 'home-2')
    await database(join(home, '.pki', 'nssdb'))
    const facts = await surveyMachine(ca, { home, platform: 'linux', env: { PATH: '' } })
    expect(facts.nssDatabases).toEqual([{ browser: 'Chrome/Chromium', dir: join(home, '.pki', 'nssdb'), exists: true }])
  })
})

it('certutil: found only as an executable file on PATH', async () => {
  const bin = join(root, 'bin')
  await mkdir(bin)
  await writeFile(join(bin, 'certutil'), '#!/bin/sh\n')
  const home = join(root, 'home-3')
  expect((await surveyMachine(ca, { home, platform: 'linux', env: { PATH: bin } })).certutilFound).toBe(false)
  await chmod(join(bin, 'certutil'), 0o755)
  expect((await surveyMachine(ca, { home, platform: 'linux', env: { PATH: `/nonexistent:${bin}` } })).certutilFound).toBe(true)
  expect((await surveyMachine(ca, { home, platform: 'linux', env: {} })).certutilFound).toBe(false)
})

describe('the system store', () => {
  it("DEVPROXY_SYSTEM_CA_DIR: that directory, the machine's file name, and no update command unless DEVPROXY_SYSTEM_CA_UPDATE names one", async () => {
    const anchors = join(root, 'anchors')
    await mkdir(anchors)
    const facts = await surveyMachine(ca, { home: root, platform: 'linux', env: { DEVPROXY_SYSTEM_CA_DIR: anchors } })
    expect(facts.systemStore).toMatchObject({ dir: anchors, update: [], current: 'none' })
    // As root in this test run, or not: the answer is the OS's.
    expect(typeof facts.systemStore?.writable).toBe('boolean')
    const withUpdate = await surveyMachine(ca, { home: root, platform: 'linux', env: { DEVPROXY_SYSTEM_CA_DIR: anchors, DEVPROXY_SYSTEM_CA_UPDATE: '/opt/fake-update --fresh' } })
    expect(withUpdate.systemStore?.update).toEqual(['/opt/fake-update', '--fresh'])
  })

  it('tells this certificate at its file name from something else there', async () => {
    const anchors = join(root, 'anchors-2')
    await mkdir(anchors)
    const env = { DEVPROXY_SYSTEM_CA_DIR: anchors }
    const kind = (await surveyMachine(ca, { home: root, platform: 'linux', env })).systemStore!.kind
    const file = join(anchors, anchorFileName(ca, SYSTEM_STORE_LAYOUTS[kind].extension))
    await writeFile(file, PEM)
    expect((await surveyMachine(ca, { home: root, platform: 'linux', env })).systemStore?.current).toBe('same')
    await writeFile(file, 'something else')
    expect((await surveyMachine(ca, { home: root, platform: 'linux', env })).systemStore?.current).toBe('other')
  })
})

it('macOS and Windows: nothing to look at beyond the platform and home', async () => {
  for (const platform of ['darwin', 'win32'] as const) {
    expect(await surveyMachine(ca, { home: '/Users/ada', platform, privileged: false, env: {} })).toEqual({
      platform,
      home: '/Users/ada',
      privileged: false,
      certutilFound: false,
      nssDatabases: [],
      systemStore: undefined,
    })
  }
})
