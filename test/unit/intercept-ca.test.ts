/**
 * The intercept CA (issue 30 item 2): which hosts may be intercepted, the name constraints a
 * list becomes (RFC 5280 §4.2.1.10), and the CA in the data directory — made when a list first
 * needs it, kept while it covers the list, made anew when the list grows.
 */
import { X509Certificate as NodeX509Certificate } from 'node:crypto'
import { mkdtemp, readFile, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CA_CERT_FILE } from '../../src/tls/ca-store.js'
import { listRetiredInterceptCas, openInterceptCa, readInterceptCa } from '../../src/tls/intercept-ca.js'
import { interceptPermitted, parseInterceptHost, uncoveredHosts } from '../../src/tls/intercept-names.js'
import { createLeafCache } from '../../src/tls/leaf-cache.js'
import { defaultLeafNames, issueLeafCertificate, requireCovered } from '../../src/tls/local-ca.js'
import { describePermitted, formatIpRange, isPermitted, parseHostName, type LocalName } from '../../src/tls/local-names.js'
import { NAME_CONSTRAINTS_OID, readNameConstraints } from '../../src/tls/name-constraints.js'
import { ExtendedKeyUsage, ExtendedKeyUsageExtension, X509Certificate } from '../../src/tls/x509.js'

let root: string
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'devproxy-intercept-ca-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})
let dirCount = 0
const freshDir = () => join(root, `data-${++dirCount}`)
const name = (host: string) => parseHostName(host) as LocalName

describe('parseInterceptHost: one clear host_invalid for what cannot be intercepted', () => {
  it.each([
    ['api.example.test', { kind: 'exact', name: 'api.example.test' }],
    ['API.Example.Test.', { kind: 'exact', name: 'api.example.test' }],
    ['*.openai.com', { kind: 'wildcard', base: 'openai.com' }],
    ['münchen.example', { kind: 'exact', name: 'xn--mnchen-3ya.example' }],
  ])('%s → %o', (input, expected) => {
    expect(parseInterceptHost(input)).toEqual(expected)
  })

  it.each([
    ['', 'it is an empty name'],
    ['  ', 'it is an empty name'],
    ['*', 'a bare * would intercept every host'],
    ['*.com', '*.com would intercept a whole top-level domain'],
    ['127.0.0.1', 'it is an IP address'],
    ['[::1]', 'it is an IP address'],
    ['api.*.example.test', 'a wildcard may only be the whole leftmost label'],
    ['*api.example.test', 'a wildcard may only be the whole leftmost label'],
    ['*.*.example.test', 'a wildcard may only be the whole leftmost label'],
    ['api.example.test:443', 'give the host without a port'],
    ['localhost', 'localhost names are served by `devproxy start --https`'],
    ['*.localhost', 'localhost names are served by `devproxy start --https`'],
    ['app.localhost', 'localhost names are served by `devproxy start --https`'],
    ['api_x.example.test', 'it is not a host name: each dot-separated part'],
  ])('%j: host_invalid (%s…)', (input, problem) => {
    let caught: unknown
    try {
      parseInterceptHost(input)
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ code: 'host_invalid', host: input })
    expect((caught as Error).message).toContain(problem)
    expect((caught as Error).message.startsWith(`cannot intercept ${JSON.stringify(input)}: `)).toBe(true)
  })
})

describe('interceptPermitted: exactly the list as name constraints', () => {
  const closedIp = ['255.255.255.255', 'ff00::']
  it.each<[string[], string[], string[] | undefined]>([
    // An exact name: itself, its subdomains excluded.
    [['api.example.test'], ['api.example.test'], ['.api.example.test']],
    // A wildcard: subdomains only (the leading dot).
    [['*.openai.com'], ['.openai.com'], undefined],
    [['api.example.test', '*.openai.com'], ['api.example.test', '.openai.com'], ['.api.example.test']],
    // A name under a listed wildcard adds nothing; a wildcard under another neither.
    [['*.openai.com', 'api.openai.com', '*.eu.openai.com'], ['.openai.com'], undefined],
    // A name and a wildcard under it: the name as a constraint covers both, nothing excluded.
    [['example.test', '*.example.test'], ['example.test'], undefined],
    // A name with a listed name beneath it is not narrowed: the exclusion would refuse that one too.
    [['example.test', 'v2.example.test'], ['example.test', 'v2.example.test'], ['.v2.example.test']],
    [['a.test', 'a.test'], ['a.test'], ['.a.test']],
  ])('%j → permitted %j, excluded %j, IP closed', (hosts, dns, excluded) => {
    const permitted = interceptPermitted(hosts)
    expect(permitted.dns).toEqual(dns)
    expect(permitted.excludedDns).toEqual(excluded)
    expect(permitted.ip.map(formatIpRange)).toEqual(closedIp)
  })

  it('an empty list is host_invalid', () => {
    expect(() => interceptPermitted([])).toThrow(expect.objectContaining({ code: 'host_invalid', message: 'the intercept list is empty' }))
  })

  const permitted = interceptPermitted(['api.example.test', '*.openai.com'])
  it.each<[string, boolean]>([
    ['api.example.test', true],
    ['x.openai.com', true],
    ['a.b.openai.com', true],
    ['x.api.example.test', false],
    ['api.example.test.evil.test', false],
    ['example.test', false],
    ['openai.com', false],
    ['xopenai.com', false],
    ['localhost', false],
    ['app.localhost', false],
    ['127.0.0.1', false],
    ['::1', false],
    ['8.8.8.8', false],
    // The addresses that close the IP form permit nothing either.
    ['255.255.255.255', false],
    ['ff00::', false],
  ])('isPermitted(%s) → %s', (host, expected) => {
    expect(isPermitted(permitted, name(host))).toBe(expected)
  })

  it('describes itself as the list, without the closing addresses', () => {
    expect(describePermitted(permitted)).toBe('api.example.test, *.openai.com')
  })

  it.each<[string[], string[]]>([
    [['api.example.test'], []],
    [['*.openai.com', 'chat.openai.com', 'a.b.openai.com'], []],
    [['api.example.test', 'other.test'], ['other.test']],
    [['x.api.example.test'], ['x.api.example.test']],
    [['openai.com'], ['openai.com']],
    [['*.api.example.test'], ['*.api.example.test']],
    [['*.example.test'], ['*.example.test']],
  ])('uncoveredHosts(%j) → %j', (hosts, uncovered) => {
    expect(uncoveredHosts(permitted, hosts)).toEqual(uncovered)
  })
})

describe('openInterceptCa: the CA in the data directory', () => {
  it('makes it on first use: ECDSA P-256, its own files beside the local CA’s, the key 0600, the directory 0700', async () => {
    const dir = freshDir()
    const opened = await openInterceptCa({ hosts: ['api.example.test', '*.openai.com'], dir })
    expect(opened.created).toBe(true)
    expect(opened.certPath).toBe(join(dir, 'intercept-ca.pem'))
    expect((await readdir(dir)).sort()).toEqual(['intercept-ca-key.pem', 'intercept-ca.pem'])
    expect((await stat(join(dir, 'intercept-ca-key.pem'))).mode & 0o777).toBe(0o600)
    expect((await stat(join(dir, 'intercept-ca.pem'))).mode & 0o777).toBe(0o644)
    expect((await stat(dir)).mode & 0o777).toBe(0o700)
    expect(await readFile(opened.certPath, 'utf8')).toBe(opened.ca.certPem)
    const node = new NodeX509Certificate(opened.ca.certPem)
    expect(node.ca).toBe(true)
    expect(node.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1')
    expect(opened.ca.role).toBe('intercept')
    expect(opened.ca.subject).toMatch(/^O=devproxy, CN=devproxy intercept CA \(.+\)$/)
    expect(opened.ca.lacks).toEqual([])
  })

  it('writes the name constraints critical, exactly the list: DNS permitted and excluded, IP closed, e-mail and URI closed; serverAuth only', async () => {
    const { ca } = await openInterceptCa({ hosts: ['api.example.test', '*.openai.com'], dir: freshDir() })
    const certificate = new X509Certificate(ca.certPem)
    const constraints = readNameConstraints(certificate)
    expect(constraints).toMatchObject({ critical: true, closed: { rfc822Name: true, uniformResourceIdentifier: true }, unsupported: 0 })
    expect(constraints?.permitted.dns).toEqual(['api.example.test', '.openai.com'])
    expect(constraints?.permitted.excludedDns).toEqual(['.api.example.test'])
    expect(constraints?.permitted.ip.map(formatIpRange)).toEqual(['255.255.255.255', 'ff00::'])
    expect(certificate.extensions.filter((extension) => extension.type === NAME_CONSTRAINTS_OID)).toHaveLength(1)
    expect(certificate.getExtension(ExtendedKeyUsageExtension)?.usages).toEqual([ExtendedKeyUsage.serverAuth])
  })

  it('keeps the CA while it covers the list: the same list, a shrunk one, a name under a listed wildcard', async () => {
    const dir = freshDir()
    const first = await openInterceptCa({ hosts: ['api.example.test', '*.openai.com'], dir })
    for (const hosts of [['api.example.test', '*.openai.com'], ['*.openai.com'], ['chat.openai.com'], ['API.example.test.']]) {
      const again = await openInterceptCa({ hosts, dir })
      expect(again.created).toBe(false)
      expect(again.ca.fingerprint256).toBe(first.ca.fingerprint256)
    }
  })

  it('makes it anew, for exactly the new list, when the list names a host it does not cover; the old files are replaced', async () => {
    const dir = freshDir()
    const first = await openInterceptCa({ hosts: ['api.example.test'], dir })
    const oldKey = await readFile(join(dir, 'intercept-ca-key.pem'), 'utf8')
    const grown = await openInterceptCa({ hosts: ['api.example.test', 'billing.example.test'], dir })
    expect(grown.created).toBe(true)
    expect(grown.ca.fingerprint256).not.toBe(first.ca.fingerprint256)
    expect(grown.ca.permitted.dns).toEqual(['api.example.test', 'billing.example.test'])
    expect(await readFile(grown.certPath, 'utf8')).toBe(grown.ca.certPem)
    expect(await readFile(join(dir, 'intercept-ca-key.pem'), 'utf8')).not.toBe(oldKey)
    expect((await readdir(dir)).sort()).toEqual(['intercept-ca-key.pem', 'intercept-ca-retired', 'intercept-ca.pem'])
    expect((await stat(join(dir, 'intercept-ca-key.pem'))).mode & 0o777).toBe(0o600)
    // The old CA is no longer used: what is read back is the new one; its certificate waits for trust --intercept to take it out of the stores.
    expect((await readInterceptCa(dir))?.ca.fingerprint256).toBe(grown.ca.fingerprint256)
    const retired = await listRetiredInterceptCas(dir)
    expect(retired.map((old) => old.certPem)).toEqual([first.ca.certPem])
    expect(retired[0]?.certFile).toBe(join(dir, 'intercept-ca-retired', `${first.ca.fingerprint256.replaceAll(':', '').toLowerCase()}.pem`))
    // A subdomain of an exact name and a wildcard over one are growth too (the exact name was narrowed).
    expect((await openInterceptCa({ hosts: ['*.api.example.test'], dir })).created).toBe(true)
  })

  it('never touches the local CA: a local CA in the same directory stays as it is', async () => {
    const dir = freshDir()
    const { openLocalCa } = await import('../../src/tls/ca-store.js')
    const local = await openLocalCa({ dir })
    await openInterceptCa({ hosts: ['api.example.test'], dir })
    await openInterceptCa({ hosts: ['other.test'], dir })
    expect(await readFile(join(dir, CA_CERT_FILE), 'utf8')).toBe(local.ca.certPem)
    expect(local.ca.role).toBe('local')
  })

  it.each([
    ['expired', async (_dir: string) => {}, new Date(Date.now() + 3651 * 86_400_000)],
    ['a certificate file that is not one', async (dir: string) => writeFile(join(dir, 'intercept-ca.pem'), 'not a certificate\n'), undefined],
    ['a key without its certificate', async (dir: string) => unlink(join(dir, 'intercept-ca.pem')), undefined],
  ] as const)('replaces a CA it made that is %s, rather than failing the start', async (_what, breakIt, now) => {
    const dir = freshDir()
    const first = await openInterceptCa({ hosts: ['api.example.test'], dir })
    await breakIt(dir)
    const again = await openInterceptCa({ hosts: ['api.example.test'], dir, ...(now === undefined ? {} : { now }) })
    expect(again.created).toBe(true)
    expect(again.ca.fingerprint256).not.toBe(first.ca.fingerprint256)
    expect(await readFile(again.certPath, 'utf8')).toBe(again.ca.certPem)
  })

  it('two processes opening it at once end up with one CA', async () => {
    const dir = freshDir()
    const both = await Promise.all([openInterceptCa({ hosts: ['api.example.test'], dir }), openInterceptCa({ hosts: ['api.example.test'], dir })])
    expect(both[0].ca.fingerprint256).toBe(both[1].ca.fingerprint256)
    expect(both.filter((opened) => opened.created)).toHaveLength(1)
  })

  it('refuses an invalid host before anything is written', async () => {
    const dir = freshDir()
    await expect(openInterceptCa({ hosts: ['api.example.test', '*'], dir })).rejects.toMatchObject({ code: 'host_invalid' })
    await expect(readdir(dir)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('readInterceptCa makes nothing: undefined where there is none', async () => {
    expect(await readInterceptCa(freshDir())).toBeUndefined()
  })
})

describe('issuing from the intercept CA', () => {
  it('issues for listed names only; refuses the rest with host_outside_ca saying how to intercept it', async () => {
    const { ca } = await openInterceptCa({ hosts: ['api.example.test', '*.openai.com'], dir: freshDir() })
    expect((await issueLeafCertificate(ca, 'chat.openai.com')).names).toEqual(['chat.openai.com'])
    for (const host of ['x.api.example.test', 'openai.com', 'localhost', '127.0.0.1']) {
      expect(() => requireCovered(ca, host)).toThrow(expect.objectContaining({ code: 'host_outside_ca' }))
    }
    let caught: unknown
    try {
      requireCovered(ca, 'evil.test')
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({
      message: 'the devproxy intercept CA cannot issue a certificate for evil.test: it only covers api.example.test, *.openai.com',
      suggestion: 'It is name-constrained to the hosts you intercept. Add evil.test to outbound.intercept in the config (or --intercept evil.test) to intercept it; devproxy then makes a CA that covers it.',
    })
  })

  it.each<[string[], string[]]>([
    [['api.example.test', '*.openai.com'], ['api.example.test']],
    [['*.openai.com'], ['no-sni.openai.com']],
  ])('the default certificate (no SNI) of a CA for %j is for %j, one it can sign', async (hosts, names) => {
    const { ca } = await openInterceptCa({ hosts, dir: freshDir() })
    expect(defaultLeafNames(ca)).toEqual(names)
    const options = await createLeafCache(ca).serverOptions()
    expect(new NodeX509Certificate(options.cert).subjectAltName).toBe(names.map((host) => `DNS:${host}`).join(', '))
  })
})
