/**
 * The local CA behind `devproxy start --https`: where it lives, how it is made and read back,
 * what it may certify (its name constraints) and how each way of breaking its files is reported.
 */
import { execFileSync } from 'node:child_process'
import { X509Certificate as NodeX509Certificate } from 'node:crypto'
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { LocalCaError } from '../../src/tls/ca-error.js'
import { describeOutdatedCa } from '../../src/tls/ca-restrictions.js'
import { caFiles, openLocalCa, readLocalCa, resolveDataDir } from '../../src/tls/ca-store.js'
import { CA_VALIDITY_DAYS, createLocalCa, defaultLeafNames, issueLeafCertificate, requireCovered, type LocalCa } from '../../src/tls/local-ca.js'
import { LOCAL_PERMITTED, describePermitted, formatIpRange, isPermitted, parseHostName, parseIpRange } from '../../src/tls/local-names.js'
import { NAME_CONSTRAINTS_OID, readNameConstraints } from '../../src/tls/name-constraints.js'
import { BasicConstraintsExtension, ExtendedKeyUsage, ExtendedKeyUsageExtension, KeyUsageFlags, KeyUsagesExtension, X509Certificate } from '../../src/tls/x509.js'

const DAY_MS = 86_400_000
const opensslMissing = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return false
  } catch {
    return true
  }
})()
const isRoot = process.getuid?.() === 0

let root: string
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'devproxy-local-ca-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})
let dirCount = 0
/** A data directory that does not exist yet, as on a first run. */
const freshDir = () => join(root, `data-${++dirCount}`)

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<LocalCaError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(LocalCaError)
  return error as LocalCaError
}

describe('resolveDataDir: the user data directory, never the project', () => {
  it.each<[string, NodeJS.Platform, Record<string, string>, string]>([
    ['Linux, XDG_DATA_HOME unset', 'linux', {}, '/home/ada/.local/share/devproxy'],
    ['Linux, XDG_DATA_HOME set', 'linux', { XDG_DATA_HOME: '/data/ada' }, '/data/ada/devproxy'],
    ['Linux, a relative XDG_DATA_HOME (invalid per the spec: ignored)', 'linux', { XDG_DATA_HOME: 'share' }, '/home/ada/.local/share/devproxy'],
    ['FreeBSD, as Linux', 'freebsd', {}, '/home/ada/.local/share/devproxy'],
    ['macOS', 'darwin', { XDG_DATA_HOME: '/ignored' }, '/home/ada/Library/Application Support/devproxy'],
    ['Windows', 'win32', { LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' }, 'C:\\Users\\ada\\AppData\\Local\\devproxy'],
    ['Windows without LOCALAPPDATA', 'win32', {}, 'C:\\Users\\ada\\AppData\\Local\\devproxy'],
    ['DEVPROXY_DATA_DIR over everything', 'linux', { DEVPROXY_DATA_DIR: '/tmp/dp', XDG_DATA_HOME: '/data/ada' }, '/tmp/dp'],
    ['an empty DEVPROXY_DATA_DIR, ignored', 'darwin', { DEVPROXY_DATA_DIR: '' }, '/home/ada/Library/Application Support/devproxy'],
  ])('%s', (_what, platform, env, dir) => {
    const home = platform === 'win32' ? 'C:\\Users\\ada' : '/home/ada'
    expect(resolveDataDir({ env, platform, home })).toBe(dir)
  })
})

describe('local names: what a certificate may name and what the constraints permit', () => {
  it.each([
    ['app.localhost', { kind: 'dns', name: 'app.localhost' }],
    ['App.LocalHost.', { kind: 'dns', name: 'app.localhost' }],
    ['münchen.localhost', { kind: 'dns', name: 'xn--mnchen-3ya.localhost' }],
    ['127.0.0.1', { kind: 'ip', address: '127.0.0.1' }],
    ['[::1]', { kind: 'ip', address: '::1' }],
    ['0:0:0:0:0:0:0:1', { kind: 'ip', address: '::1' }],
    ['::ffff:127.0.0.1', { kind: 'ip', address: '::ffff:7f00:1' }],
  ])('parses %s', (input, expected) => {
    expect(parseHostName(input)).toMatchObject(expected)
  })

  it.each([
    ['*.localhost', 'wildcard'],
    ['bad_name.localhost', 'each dot-separated part'],
    ['-x.localhost', 'each dot-separated part'],
    ['a..localhost', 'each dot-separated part'],
    ['1.2.3', 'cannot end in a number'],
    ['fe80::1%eth0', 'not a host name'],
    ['', 'not a host name'],
  ])('refuses %j', (input, problem) => {
    const parsed = parseHostName(input)
    expect('problem' in parsed && parsed.problem).toContain(problem)
  })

  it.each([
    ['localhost', true],
    ['app.localhost', true],
    ['a.b.localhost', true],
    ['notlocalhost', false],
    ['localhost.example.com', false],
    ['example.com', false],
    ['127.0.0.1', true],
    ['127.255.10.3', true],
    ['128.0.0.1', false],
    ['192.168.1.20', false],
    ['::1', true],
    ['::2', false],
    ['::ffff:127.0.0.1', false],
  ])('the built-in constraints permit %s: %s', (host, permitted) => {
    const name = parseHostName(host)
    if (!('kind' in name)) throw new Error(name.problem)
    expect(isPermitted(LOCAL_PERMITTED, name)).toBe(permitted)
  })

  it.each([
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['192.168.1.20', '192.168.1.20'],
    ['fd00::1/8', 'fd00::/8'],
    ['::1/128', '::1'],
  ])('reads the IP range %s as %s', (input, shown) => {
    const range = parseIpRange(input)
    expect(range && formatIpRange(range)).toBe(shown)
  })

  it.each(['10.0.0.0/33', '10.0.0.0/x', 'example.com/8', '10.0.0.0/8/8'])('refuses the IP range %s', (input) => {
    expect(parseIpRange(input)).toBeUndefined()
  })

  it('describes the built-in constraints for messages', () => {
    expect(describePermitted(LOCAL_PERMITTED)).toBe('localhost, *.localhost, 127.0.0.0/8, ::1')
  })
})

describe('the CA certificate', () => {
  let ca: LocalCa
  let keyPem: string
  let certificate: X509Certificate
  beforeAll(async () => {
    ;({ ca, keyPem } = await createLocalCa({ owner: 'ada@laptop' }))
    certificate = new X509Certificate(ca.certPem)
  })

  it('is a P-256 CA named for its owner, for signing certificates only (pathLen 0), valid ten years', () => {
    const node = new NodeX509Certificate(ca.certPem)
    expect(node.subject).toContain('CN=devproxy local CA (ada@laptop)')
    expect(node.ca).toBe(true)
    expect(node.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1')
    const basic = certificate.getExtension(BasicConstraintsExtension)
    expect(basic).toMatchObject({ ca: true, pathLength: 0, critical: true })
    expect(certificate.getExtension(KeyUsagesExtension)).toMatchObject({ usages: KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, critical: true })
    const days = (Date.parse(node.validTo) - Date.now()) / DAY_MS
    expect(days).toBeGreaterThan(CA_VALIDITY_DAYS - 1)
    expect(days).toBeLessThanOrEqual(CA_VALIDITY_DAYS)
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/)
  })

  it('is name-constrained, critically, to localhost, *.localhost and loopback', () => {
    const raw = certificate.extensions.find((extension) => extension.type === NAME_CONSTRAINTS_OID)
    expect(raw?.critical).toBe(true)
    const constraints = readNameConstraints(certificate)
    expect(constraints?.unsupported).toBe(0)
    expect(constraints?.permitted.dns).toEqual(['localhost', '.localhost'])
    expect(constraints?.permitted.ip.map(formatIpRange)).toEqual(['127.0.0.0/8', '::1'])
    expect(ca.permitted).toEqual(constraints?.permitted)
  })

  it('closes the e-mail and URI forms (RFC 5280 §4.2.1.10): permitted only at the reserved name "invalid" (RFC 6761 §6.4), which no mailbox or site has', () => {
    expect(readNameConstraints(certificate)?.closed).toEqual({ rfc822Name: true, uniformResourceIdentifier: true })
    expect(ca.lacks).toEqual([])
    expect(describeOutdatedCa(ca)).toBeUndefined()
  })

  it('vouches for TLS servers only: extendedKeyUsage serverAuth on the CA (what stands in for DN constraints, which Go and rustls cannot take)', () => {
    const usage = certificate.getExtension(ExtendedKeyUsageExtension)
    expect(usage?.usages).toEqual([ExtendedKeyUsage.serverAuth])
    expect(usage?.critical).toBe(false)
  })

  it.skipIf(opensslMissing)('is read the same way by OpenSSL', () => {
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: ca.certPem, encoding: 'utf8' })
    expect(text).toMatch(/X509v3 Name Constraints: critical\s+Permitted:\s+DNS:localhost\s+DNS:\.localhost\s+IP:127\.0\.0\.0\/255\.0\.0\.0\s+IP:0:0:0:0:0:0:0:1\/FFFF(:FFFF){7}\s+email:invalid\s+URI:invalid\n/)
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/)
    expect(text).toMatch(/X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication\n/)
  })

  it('also covers the names asked for when it is made, and serves their single addresses without SNI', async () => {
    const { ca: wider } = await createLocalCa({ hosts: ['myapp.test', '192.168.1.20', '10.0.0.0/8', 'app.localhost'] })
    expect(describePermitted(wider.permitted)).toBe('localhost, *.localhost, myapp.test, *.myapp.test, 127.0.0.0/8, ::1, 192.168.1.20, 10.0.0.0/8')
    expect(requireCovered(wider, 'api.myapp.test')).toMatchObject({ name: 'api.myapp.test' })
    expect(requireCovered(wider, '10.9.8.7')).toMatchObject({ address: '10.9.8.7' })
    expect(defaultLeafNames(wider)).toEqual(['localhost', '127.0.0.1', '::1', '192.168.1.20'])
  })

  it('refuses to be made for something that is not a host', async () => {
    const error = await rejection(createLocalCa({ hosts: ['*.myapp.test'] }))
    expect(error.code).toBe('host_invalid')
  })
})

describe('leaf certificates', () => {
  let ca: LocalCa
  beforeAll(async () => {
    ;({ ca } = await createLocalCa())
  })

  it('for app.localhost: signed by the CA, serverAuth, the name in subjectAltName, 90 days', async () => {
    const leaf = await issueLeafCertificate(ca, 'app.localhost')
    const node = new NodeX509Certificate(leaf.certPem)
    const caCert = new NodeX509Certificate(ca.certPem)
    expect(node.checkIssued(caCert)).toBe(true)
    expect(node.verify(caCert.publicKey)).toBe(true)
    expect(node.ca).toBe(false)
    expect(node.subjectAltName).toBe('DNS:app.localhost')
    expect(node.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1'])
    expect(node.checkHost('app.localhost')).toBe('app.localhost')
    const days = (Date.parse(node.validTo) - Date.parse(node.validFrom)) / DAY_MS
    expect(days).toBeGreaterThan(90)
    expect(days).toBeLessThan(91)
    expect(leaf.names).toEqual(['app.localhost'])
    expect(leaf.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/)
  })

  it('for several names, DNS and IP', async () => {
    const leaf = await issueLeafCertificate(ca, ['localhost', '127.0.0.1', '[::1]'])
    expect(new NodeX509Certificate(leaf.certPem).subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1')
    expect(leaf.names).toEqual(['localhost', '127.0.0.1', '::1'])
  })

  it('not for example.com: host_outside_ca, saying what the CA covers and how to re-issue', async () => {
    const error = await rejection(issueLeafCertificate(ca, ['app.localhost', 'example.com']))
    expect(error.code).toBe('host_outside_ca')
    expect(error.host).toBe('example.com')
    expect(error.message).toBe('the devproxy local CA cannot issue a certificate for example.com: it only covers localhost, *.localhost, 127.0.0.0/8, ::1')
    expect(error.suggestion).toContain('devproxy trust --reissue --host example.com')
    expect(error.suggestion).toContain('example.localhost')
  })

  it.each(['192.168.1.20', '::2'])('not for the address %s either', async (host) => {
    expect((await rejection(issueLeafCertificate(ca, host))).code).toBe('host_outside_ca')
  })

  it('not for a wildcard or a malformed name: host_invalid', async () => {
    expect((await rejection(issueLeafCertificate(ca, '*.localhost'))).code).toBe('host_invalid')
    expect((await rejection(issueLeafCertificate(ca, 'a b.localhost'))).code).toBe('host_invalid')
  })

  it('never longer than browsers accept (397 days), nor past the CA', async () => {
    await expect(issueLeafCertificate(ca, 'app.localhost', { validityDays: 398 })).rejects.toThrow(RangeError)
    const late = new Date(ca.notAfter.getTime() - 10 * DAY_MS)
    const leaf = await issueLeafCertificate(ca, 'app.localhost', { now: late })
    expect(leaf.notAfter.getTime()).toBe(ca.notAfter.getTime())
  })
})

describe('the CA on disk', () => {
  it('is made on first use in DEVPROXY_DATA_DIR: directory 0700, key 0600', async () => {
    const dir = freshDir()
    vi.stubEnv('DEVPROXY_DATA_DIR', dir)
    try {
      const opened = await openLocalCa()
      expect(opened.created).toBe(true)
      expect(opened.files).toEqual({ role: 'local', dir, certFile: join(dir, 'ca.pem'), keyFile: join(dir, 'ca-key.pem') })
      expect((await stat(dir)).mode & 0o777).toBe(0o700)
      expect((await stat(opened.files.keyFile)).mode & 0o777).toBe(0o600)
      expect(await readFile(opened.files.certFile, 'utf8')).toBe(opened.ca.certPem)
      expect(await readFile(opened.files.keyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/)
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('is read back, the same CA, on every later use', async () => {
    const dir = freshDir()
    const first = await openLocalCa({ dir })
    const second = await openLocalCa({ dir, hosts: ['ignored.test'] })
    expect(second.created).toBe(false)
    expect(second.ca.fingerprint256).toBe(first.ca.fingerprint256)
    expect(second.ca.certPem).toBe(first.ca.certPem)
    expect(second.ca.permitted).toEqual(first.ca.permitted)
    const leaf = await issueLeafCertificate(second.ca, 'app.localhost')
    expect(new NodeX509Certificate(leaf.certPem).verify(new NodeX509Certificate(first.ca.certPem).publicKey)).toBe(true)
    expect((await readLocalCa(dir))?.ca.fingerprint256).toBe(first.ca.fingerprint256)
    expect(await readLocalCa(freshDir())).toBeUndefined()
  })

  it('is made once when several processes start at once', async () => {
    const dir = freshDir()
    const opened = await Promise.all([openLocalCa({ dir }), openLocalCa({ dir }), openLocalCa({ dir })])
    expect(new Set(opened.map((one) => one.ca.fingerprint256)).size).toBe(1)
    expect(opened.filter((one) => one.created)).toHaveLength(1)
    const reread = await openLocalCa({ dir })
    expect(reread.ca.fingerprint256).toBe(opened[0]!.ca.fingerprint256)
  })

  it('gets its key back to 0600 if someone loosened it', async () => {
    const dir = freshDir()
    const { files } = await openLocalCa({ dir })
    await chmod(files.keyFile, 0o644)
    await openLocalCa({ dir })
    expect((await stat(files.keyFile)).mode & 0o777).toBe(0o600)
  })

  describe('broken files: an error naming the file and how to start over', () => {
    /** A CA made in a fresh directory, then broken by `damage`; what opening it says. */
    async function openDamaged(damage: (files: ReturnType<typeof caFiles>) => Promise<void>): Promise<{ error: LocalCaError; files: ReturnType<typeof caFiles> }> {
      const dir = freshDir()
      const { files } = await openLocalCa({ dir })
      await damage(files)
      return { error: await rejection(openLocalCa({ dir })), files }
    }

    function expectStartOver(error: LocalCaError, dir: string): void {
      expect(error.suggestion).toContain(`rm -r '${dir}'`)
      expect(error.suggestion).toContain('devproxy trust')
    }

    it('a corrupt ca.pem: ca_invalid', async () => {
      const { error, files } = await openDamaged((f) => writeFile(f.certFile, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n'))
      expect(error.code).toBe('ca_invalid')
      expect(error.file).toBe(files.certFile)
      expect(error.message).toMatch(new RegExp(`^the devproxy CA file ${files.certFile} does not hold a readable certificate`))
      expectStartOver(error, files.dir)
    })

    it('an empty ca-key.pem: ca_invalid', async () => {
      const { error, files } = await openDamaged((f) => writeFile(f.keyFile, ''))
      expect(error.code).toBe('ca_invalid')
      expect(error.file).toBe(files.keyFile)
      expect(error.message).toContain('does not hold a readable private key')
      expectStartOver(error, files.dir)
    })

    it('a key that is not the certificate’s: ca_invalid', async () => {
      const other = await openLocalCa({ dir: freshDir() })
      const { error, files } = await openDamaged((f) => copyFile(other.files.keyFile, f.keyFile))
      expect(error.code).toBe('ca_invalid')
      expect(error.file).toBe(files.keyFile)
      expect(error.message).toBe(`the devproxy CA file ${files.keyFile} is not the key of the CA certificate next to it`)
      expectStartOver(error, files.dir)
    })

    it('an unreadable key (a directory in its place): ca_unreadable', async () => {
      const { error, files } = await openDamaged(async (f) => {
        await unlink(f.keyFile)
        await mkdir(f.keyFile)
      })
      expect(error.code).toBe('ca_unreadable')
      expect(error.file).toBe(files.keyFile)
      expect(error.message).toBe(`cannot read the devproxy CA file ${files.keyFile}: illegal operation on a directory (EISDIR)`)
      expect(error.suggestion).toContain('readable by the user running devproxy')
      expectStartOver(error, files.dir)
    })

    it.skipIf(isRoot || process.platform === 'win32')('an unreadable key (mode 000): ca_unreadable', async () => {
      const { error, files } = await openDamaged((f) => chmod(f.keyFile, 0))
      expect(error.code).toBe('ca_unreadable')
      expect(error.message).toContain('permission denied (EACCES)')
    })

    it('a certificate without its key: ca_invalid', async () => {
      const { error, files } = await openDamaged((f) => unlink(f.keyFile))
      expect(error.code).toBe('ca_invalid')
      expect(error.message).toBe(`the devproxy CA file ${files.keyFile} is missing, though ca.pem is there`)
    })

    it('a key without its certificate (after waiting for a CA being written): ca_invalid', async () => {
      const { error, files } = await openDamaged((f) => unlink(f.certFile))
      expect(error.code).toBe('ca_invalid')
      expect(error.file).toBe(files.certFile)
    })

    it('an expired CA: ca_invalid', async () => {
      const dir = freshDir()
      const { ca, keyPem } = await createLocalCa({ now: new Date(Date.now() - (CA_VALIDITY_DAYS + 5) * DAY_MS) })
      const files = caFiles(dir)
      await mkdir(dir, { mode: 0o700 })
      await writeFile(files.certFile, ca.certPem)
      await writeFile(files.keyFile, keyPem, { mode: 0o600 })
      const error = await rejection(openLocalCa({ dir }))
      expect(error.code).toBe('ca_invalid')
      expect(error.message).toMatch(/ca\.pem expired on \d{4}-\d\d-\d\d$/)
    })

    it('a CA devproxy did not make (no name constraints): ca_invalid', async () => {
      const { error } = await openDamaged(async (f) => {
        // The test fixture CA (test/fixtures/tls) is an ordinary, unconstrained one.
        await copyFile(new URL('../fixtures/tls/ca.pem', import.meta.url), f.certFile)
      })
      expect(error.code).toBe('ca_invalid')
      expect(error.message).toContain('is not a CA devproxy made')
    })
  })

  describe('a CA made by an older devproxy (test/fixtures/tls/older-ca: DNS and IP constraints only)', () => {
    const OLDER = new URL('../fixtures/tls/older-ca/', import.meta.url)

    it('is kept as the user trusted it, reported as lacking the stricter constraints, and still issues', async () => {
      const dir = freshDir()
      await mkdir(dir, { mode: 0o700 })
      const files = caFiles(dir)
      await copyFile(new URL('ca.pem', OLDER), files.certFile)
      await copyFile(new URL('ca-key.pem', OLDER), files.keyFile)
      await chmod(files.keyFile, 0o600)
      const before = await readFile(files.certFile, 'utf8')
      const opened = await openLocalCa({ dir })
      expect(opened.created).toBe(false)
      expect(opened.ca.fingerprint256).toBe(new NodeX509Certificate(before).fingerprint256)
      expect(await readFile(files.certFile, 'utf8')).toBe(before)
      expect(opened.ca.lacks).toEqual(['e-mail addresses', 'URIs', 'uses other than HTTPS servers'])
      expect(describeOutdatedCa(opened.ca)).toBe(
        "devproxy's local CA was made by an older devproxy and does not refuse e-mail addresses, URIs and uses other than HTTPS servers; `devproxy trust --reissue` replaces it with one that does, covering the same names",
      )
      const leaf = await issueLeafCertificate(opened.ca, 'app.localhost')
      expect(new NodeX509Certificate(leaf.certPem).verify(new NodeX509Certificate(before).publicKey)).toBe(true)
    })
  })

  it('cannot be made where the directory cannot be: ca_write_failed', async () => {
    const blocker = join(root, 'a-file')
    await writeFile(blocker, '')
    const error = await rejection(openLocalCa({ dir: join(blocker, 'devproxy') }))
    expect(error.code).toBe('ca_write_failed')
    expect(error.message).toMatch(/^cannot create the devproxy local CA in (.*): \1 or a directory above it is a file$/)
    expect(error.suggestion).toContain('DEVPROXY_DATA_DIR')
  })
})
