/**
 * `devproxy trust`, planned: for each platform, which stores it changes and with which
 * commands, and what it prints for the user to run when it cannot (pure: no machine touched).
 */
import { describe, expect, it } from 'vitest'
import { anchorFileName, nssNickname, shortFingerprint, type CaIdentity } from '../../src/trust/ca-identity.js'
import { planTrust } from '../../src/trust/plan-trust.js'
import type { SystemStoreFacts, TrustFacts } from '../../src/trust/trust-facts.js'
import type { StorePlan } from '../../src/trust/trust-step.js'

const CA: CaIdentity = {
  certFile: '/home/ada/.local/share/devproxy/ca.pem',
  fingerprint256: '3F:9A:5C:7E:01:23:45:67:89:AB:CD:EF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:10:20:30:40',
  fingerprint1: '12:34:56:78:9A:BC:DE:F0:11:22:33:44:55:66:77:88:99:AA:BB:CC',
}
const NICK = 'devproxy local CA 3f9a5c7e01234567'
const SHA1 = '123456789ABCDEF0112233445566778899AABBCC'
const CHROME_DB = '/home/ada/.pki/nssdb'
const DEBIAN: SystemStoreFacts = { kind: 'debian', dir: '/usr/local/share/ca-certificates', update: ['update-ca-certificates'], writable: false, current: 'none' }
const ANCHOR = '/usr/local/share/ca-certificates/devproxy-3f9a5c7e01234567.crt'

/** Ada's laptop: Chrome's database exists, certutil is installed, devproxy runs as her (not root). */
function linux(facts: Partial<TrustFacts> = {}): TrustFacts {
  return {
    platform: 'linux',
    home: '/home/ada',
    privileged: false,
    certutilFound: true,
    nssDatabases: [{ browser: 'Chrome/Chromium', dir: CHROME_DB, exists: true }],
    systemStore: DEBIAN,
    ...facts,
  }
}

function only(plans: StorePlan[], store: string): StorePlan {
  const found = plans.filter((plan) => plan.store.startsWith(store))
  expect(found, plans.map((plan) => plan.store).join(', ')).toHaveLength(1)
  return found[0]!
}

describe('names that tell this CA from any other', () => {
  it('an NSS nickname without a colon (NSS reads "a:b" as token a, nickname b) and a file name, both from the fingerprint', () => {
    expect(shortFingerprint(CA)).toBe('3f9a5c7e01234567')
    expect(nssNickname(CA)).toBe(NICK)
    expect(nssNickname(CA)).not.toContain(':')
    expect(anchorFileName(CA, '.crt')).toBe('devproxy-3f9a5c7e01234567.crt')
  })
})

describe('Linux: NSS databases (Chrome/Chromium, Firefox)', () => {
  it('install into an existing database: asks for the nickname first, then adds the CA trusted for TLS servers (C,,)', () => {
    const plan = only(planTrust(linux(), CA, 'install'), 'Chrome/Chromium')
    expect(plan.store).toBe('Chrome/Chromium (~/.pki/nssdb)')
    expect(plan.settled).toBeUndefined()
    expect(plan.probe).toEqual({ step: { op: 'run', file: 'certutil', args: ['-L', '-d', `sql:${CHROME_DB}`, '-n', NICK] } })
    expect(plan.steps).toEqual([{ op: 'run', file: 'certutil', args: ['-A', '-d', `sql:${CHROME_DB}`, '-n', NICK, '-t', 'C,,', '-i', CA.certFile] }])
    expect(plan.manual).toBe(`certutil -A -d sql:${CHROME_DB} -n 'devproxy local CA 3f9a5c7e01234567' -t C,, -i ${CA.certFile}`)
  })

  it("Chrome's database missing (a fresh home): made first, with an empty password, as Chrome would", () => {
    const facts = linux({ nssDatabases: [{ browser: 'Chrome/Chromium', dir: CHROME_DB, exists: false }] })
    const plan = only(planTrust(facts, CA, 'install'), 'Chrome/Chromium')
    expect(plan.probe).toBeUndefined()
    expect(plan.steps.map((step) => (step.op === 'run' ? step.args[0] : step.op))).toEqual(['mkdir', '-N', '-A'])
    expect(plan.steps[1]).toEqual({ op: 'run', file: 'certutil', args: ['-N', '-d', `sql:${CHROME_DB}`, '--empty-password'] })
    expect(plan.manual).toMatch(/^mkdir -p -m 700 \/home\/ada\/\.pki\/nssdb && certutil -N -d sql:\/home\/ada\/\.pki\/nssdb --empty-password && certutil -A /)
  })

  it('every Firefox profile is a store of its own', () => {
    const profile = '/home/ada/.mozilla/firefox/x1y2.default-release'
    const snap = '/home/ada/snap/firefox/common/.mozilla/firefox/q9.default'
    const facts = linux({
      nssDatabases: [
        { browser: 'Chrome/Chromium', dir: CHROME_DB, exists: true },
        { browser: 'Firefox', dir: profile, exists: true },
        { browser: 'Firefox (snap)', dir: snap, exists: true },
      ],
    })
    const plans = planTrust(facts, CA, 'install')
    expect(plans.map((plan) => plan.store)).toEqual([
      'Chrome/Chromium (~/.pki/nssdb)',
      'Firefox (~/.mozilla/firefox/x1y2.default-release)',
      'Firefox (snap) (~/snap/firefox/common/.mozilla/firefox/q9.default)',
      'system store (/usr/local/share/ca-certificates)',
    ])
    expect(only(plans, 'Firefox (~').steps).toEqual([{ op: 'run', file: 'certutil', args: ['-A', '-d', `sql:${profile}`, '-n', NICK, '-t', 'C,,', '-i', CA.certFile] }])
  })

  it('uninstall: deletes by nickname where there is a database; a missing one is skipped without asking', () => {
    const facts = linux({
      nssDatabases: [
        { browser: 'Chrome/Chromium', dir: CHROME_DB, exists: false },
        { browser: 'Firefox', dir: '/home/ada/.mozilla/firefox/p.default', exists: true },
      ],
    })
    const plans = planTrust(facts, CA, 'uninstall')
    expect(only(plans, 'Chrome/Chromium').settled).toEqual({ status: 'skipped', detail: 'no database there' })
    const firefox = only(plans, 'Firefox')
    expect(firefox.settled).toBeUndefined()
    expect(firefox.probe?.step).toEqual({ op: 'run', file: 'certutil', args: ['-L', '-d', 'sql:/home/ada/.mozilla/firefox/p.default', '-n', NICK] })
    expect(firefox.steps).toEqual([{ op: 'run', file: 'certutil', args: ['-D', '-d', 'sql:/home/ada/.mozilla/firefox/p.default', '-n', NICK] }])
  })

  it.each<[string, SystemStoreFacts | undefined, string, string | undefined]>([
    ['Debian/Ubuntu', DEBIAN, 'sudo apt-get install libnss3-tools', undefined],
    ['Fedora/RHEL', { ...DEBIAN, kind: 'fedora', dir: '/etc/pki/ca-trust/source/anchors' }, 'sudo dnf install nss-tools', undefined],
    ['Arch', { ...DEBIAN, kind: 'arch', dir: '/etc/ca-certificates/trust-source/anchors' }, 'sudo pacman -S nss', undefined],
    ['a Linux devproxy cannot place', undefined, 'sudo apt-get install libnss3-tools', 'on Fedora/RHEL: sudo dnf install nss-tools'],
  ])('certutil missing on %s: one failed entry for all databases, with the install command', (_linux, systemStore, command, alternative) => {
    const facts = linux({ certutilFound: false, systemStore, nssDatabases: [{ browser: 'Chrome/Chromium', dir: CHROME_DB, exists: false }, { browser: 'Firefox', dir: '/x', exists: true }] })
    const plans = planTrust(facts, CA, 'install')
    const nss = only(plans, 'NSS databases')
    expect(nss.store).toBe('NSS databases (Chrome/Chromium, Firefox)')
    expect(nss.settled?.status).toBe('failed')
    expect(nss.settled?.command).toBe(command)
    expect(nss.settled?.detail).toContain('certutil (NSS tools) is not installed')
    if (alternative === undefined) expect(nss.settled?.detail).not.toContain('dnf')
    else expect(nss.settled?.detail).toContain(alternative)
    expect(plans.some((plan) => plan.steps.some((step) => step.op === 'run' && step.file === 'certutil'))).toBe(false)
  })

  it('certutil missing on uninstall: skipped (it cannot have added the CA either), with the install command only if there are databases', () => {
    const withDb = planTrust(linux({ certutilFound: false }), CA, 'uninstall')
    expect(only(withDb, 'NSS databases').settled).toMatchObject({ status: 'skipped', command: 'sudo apt-get install libnss3-tools' })
    const none = planTrust(linux({ certutilFound: false, nssDatabases: [{ browser: 'Chrome/Chromium', dir: CHROME_DB, exists: false }] }), CA, 'uninstall')
    expect(only(none, 'NSS databases').settled).toEqual({ status: 'skipped', detail: 'no database there' })
  })
})

describe('Linux: the system store', () => {
  it('not writable (not root): nothing run, the sudo commands printed', () => {
    const plan = only(planTrust(linux(), CA, 'install'), 'system store')
    expect(plan.settled).toEqual({
      status: 'skipped',
      detail: 'needs root: /usr/local/share/ca-certificates is not writable by you',
      command: `sudo cp ${CA.certFile} ${ANCHOR} && sudo update-ca-certificates`,
    })
  })

  it('as root: copies the certificate in and runs update-ca-certificates; the manual line has no sudo', () => {
    const plan = only(planTrust(linux({ privileged: true, systemStore: { ...DEBIAN, writable: true } }), CA, 'install'), 'system store')
    expect(plan.settled).toBeUndefined()
    expect(plan.steps).toEqual([
      { op: 'copy', from: CA.certFile, to: ANCHOR },
      { op: 'run', file: 'update-ca-certificates', args: [] },
    ])
    expect(plan.done).toBe('added devproxy-3f9a5c7e01234567.crt and ran update-ca-certificates')
    expect(plan.manual).toBe(`cp ${CA.certFile} ${ANCHOR} && update-ca-certificates`)
  })

  it('the same certificate already there: already, nothing run', () => {
    const plan = only(planTrust(linux({ systemStore: { ...DEBIAN, current: 'same' } }), CA, 'install'), 'system store')
    expect(plan.settled).toEqual({ status: 'already', detail: 'already there (devproxy-3f9a5c7e01234567.crt)' })
  })

  it('Fedora/RHEL: a .pem in the anchors directory, then update-ca-trust extract', () => {
    const fedora: SystemStoreFacts = { kind: 'fedora', dir: '/etc/pki/ca-trust/source/anchors', update: ['update-ca-trust', 'extract'], writable: false, current: 'none' }
    const plan = only(planTrust(linux({ systemStore: fedora }), CA, 'install'), 'system store')
    expect(plan.settled?.command).toBe(`sudo cp ${CA.certFile} /etc/pki/ca-trust/source/anchors/devproxy-3f9a5c7e01234567.pem && sudo update-ca-trust extract`)
  })

  it('a directory given by DEVPROXY_SYSTEM_CA_DIR with no update command: the copy alone', () => {
    const plan = only(planTrust(linux({ systemStore: { ...DEBIAN, dir: '/tmp/anchors', update: [], writable: true } }), CA, 'install'), 'system store')
    expect(plan.steps).toEqual([{ op: 'copy', from: CA.certFile, to: '/tmp/anchors/devproxy-3f9a5c7e01234567.crt' }])
    expect(plan.done).toBe('added devproxy-3f9a5c7e01234567.crt')
  })

  it('none found: skipped, saying where it looked', () => {
    const plan = only(planTrust(linux({ systemStore: undefined }), CA, 'install'), 'system store')
    expect(plan.settled?.status).toBe('skipped')
    expect(plan.settled?.detail).toContain('/usr/local/share/ca-certificates, /etc/pki/ca-trust/source/anchors, /etc/ca-certificates/trust-source/anchors')
  })

  it.each<[string, SystemStoreFacts, Partial<StorePlan>]>([
    ['not there', { ...DEBIAN, current: 'none' }, { settled: { status: 'skipped', detail: 'not there' } }],
    ['there, not writable', { ...DEBIAN, current: 'same' }, { settled: { status: 'skipped', detail: 'needs root: /usr/local/share/ca-certificates is not writable by you', command: `sudo rm -f ${ANCHOR} && sudo update-ca-certificates` } }],
    ['there, writable', { ...DEBIAN, current: 'same', writable: true }, { steps: [{ op: 'remove', file: ANCHOR }, { op: 'run', file: 'update-ca-certificates', args: [] }] }],
  ])('uninstall, the file %s', (_case, systemStore, expected) => {
    const plan = only(planTrust(linux({ systemStore }), CA, 'uninstall'), 'system store')
    expect(plan).toMatchObject(expected)
    if (expected.settled === undefined) expect(plan.settled).toBeUndefined()
  })
})

describe('macOS: the login keychain', () => {
  const mac: TrustFacts = { platform: 'darwin', home: '/Users/ada', privileged: false, certutilFound: false, nssDatabases: [], systemStore: undefined }
  const keychain = '/Users/ada/Library/Keychains/login.keychain-db'

  it('install: found by SHA-1 among the devproxy CAs, else added as a trusted root', () => {
    const [plan, ...rest] = planTrust(mac, CA, 'install')
    expect(rest).toEqual([])
    expect(plan!.store).toBe('macOS login keychain (~/Library/Keychains/login.keychain-db)')
    expect(plan!.probe).toEqual({ step: { op: 'run', file: 'security', args: ['find-certificate', '-a', '-Z', '-c', 'devproxy local CA', keychain] }, expect: `SHA-1 hash: ${SHA1}` })
    expect(plan!.manual).toBe(`security add-trusted-cert -d -r trustRoot -k ${keychain} ${CA.certFile}`)
  })

  it('uninstall: its trust setting, then the certificate by SHA-1', () => {
    const [plan] = planTrust(mac, CA, 'uninstall')
    expect(plan!.manual).toBe(`security remove-trusted-cert -d ${CA.certFile} && security delete-certificate -Z ${SHA1} ${keychain}`)
  })
})

describe("Windows: the current user's Trusted Root store", () => {
  const windows: TrustFacts = { platform: 'win32', home: 'C:\\Users\\Ada Lovelace', privileged: false, certutilFound: false, nssDatabases: [], systemStore: undefined }
  const ca: CaIdentity = { ...CA, certFile: 'C:\\Users\\Ada Lovelace\\AppData\\Local\\devproxy\\ca.pem' }

  it('install: certutil -user -addstore Root, the path in double quotes', () => {
    const [plan] = planTrust(windows, ca, 'install')
    expect(plan!.store).toBe('Windows certificate store (current user, Trusted Root)')
    expect(plan!.probe?.step).toEqual({ op: 'run', file: 'certutil', args: ['-user', '-store', 'Root', SHA1] })
    expect(plan!.manual).toBe('certutil -user -addstore Root "C:\\Users\\Ada Lovelace\\AppData\\Local\\devproxy\\ca.pem"')
  })

  it('uninstall: by SHA-1', () => {
    const [plan] = planTrust(windows, ca, 'uninstall')
    expect(plan!.manual).toBe(`certutil -user -delstore Root ${SHA1}`)
  })
})

it('a platform devproxy has no stores for: one skipped entry, nothing run', () => {
  const plans = planTrust({ platform: 'freebsd', home: '/home/ada', privileged: false, certutilFound: true, nssDatabases: [], systemStore: undefined }, CA, 'install')
  expect(plans).toEqual([{ store: 'freebsd trust stores', settled: { status: 'skipped', detail: 'devproxy does not know the trust stores of freebsd' }, steps: [], done: '', manual: '' }])
})
