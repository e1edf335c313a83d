/**
 * The intercept CA on the wire (issue 30 item 2): made for `api.example.test` and
 * `*.openai.com`, a leaf forged with its own key for any other name — another host, a suffix
 * trick, a subdomain of the exact name, the wildcard's base, localhost, an IP address, a URI or
 * e-mail address beside a listed name — is refused by `openssl verify`, curl, Node's tls and
 * NSS (certutil -V), because of the CA's name constraints (RFC 5280 §4.2.1.10); a leaf for a
 * listed name is accepted by each. Chromium: browser-intercept-ca.test.ts.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import https from 'node:https'
import { isIP, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import type { TLSSocket } from 'node:tls'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { openInterceptCa, interceptCaFiles, type OpenedInterceptCa } from '../../src/tls/intercept-ca.js'
import { createLeafCache } from '../../src/tls/leaf-cache.js'
import { INTERCEPT_ACCEPTED, INTERCEPT_FORGERIES, INTERCEPT_HOSTS, forgeLeaf } from '../helpers/forged-leaf.js'

const opensslMissing = spawnSync('openssl', ['version']).status !== 0
const certutil = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'certutil')).find((file) => existsSync(file))

let dir: string
let opened: OpenedInterceptCa
let caPem: string
let nssDb: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devproxy-intercept-tls-'))
  opened = await openInterceptCa({ hosts: INTERCEPT_HOSTS, dir: join(dir, 'data') })
  caPem = await readFile(opened.certPath, 'utf8')
  if (certutil !== undefined) {
    // As `devproxy trust --intercept` makes a user's: the CA trusted to identify websites (C,,).
    nssDb = join(dir, 'nssdb')
    await mkdir(nssDb)
    execFileSync(certutil, ['-N', '-d', `sql:${nssDb}`, '--empty-password'])
    execFileSync(certutil, ['-A', '-d', `sql:${nssDb}`, '-n', 'intercept', '-t', 'C,,', '-i', opened.certPath])
  }
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

const files = () => interceptCaFiles(join(dir, 'data'))

/** An HTTPS server on 127.0.0.1:0 presenting this certificate; its port. */
async function serve(leaf: { certPem: string; keyPem: string }): Promise<number> {
  const server = https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => res.writeHead(200).end(`hello ${(req.socket as TLSSocket).servername || 'no-sni'}`))
  server.on('tlsClientError', () => {})
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(() => new Promise((resolve) => server.close(() => resolve())))
  return (server.address() as AddressInfo).port
}

let written = 0
/** `openssl verify -purpose sslserver` with intercept-ca.pem the only trust anchor: `OK`, or OpenSSL's reason. */
async function opensslVerify(certPem: string): Promise<string> {
  const file = join(dir, `leaf-${++written}.pem`)
  await writeFile(file, certPem)
  const result = spawnSync('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', opened.certPath, file], { encoding: 'utf8' })
  if (result.status === 0) return result.stdout.replace(`${file}: `, '').trim()
  return /^error \d+ at \d+ depth lookup: (.*)$/m.exec(`${result.stdout}${result.stderr}`)?.[1] ?? `${result.stdout}${result.stderr}`
}

/** NSS's verifier (certutil -V, usage SSL server) with the CA trusted C,,: `valid`, or NSS's reason. */
async function nssVerify(certPem: string): Promise<string> {
  const nickname = `leaf-${++written}`
  const file = join(dir, `${nickname}.pem`)
  await writeFile(file, certPem)
  execFileSync(certutil!, ['-A', '-d', `sql:${nssDb}`, '-n', nickname, '-t', ',,', '-i', file])
  const result = spawnSync(certutil!, ['-V', '-d', `sql:${nssDb}`, '-n', nickname, '-u', 'V'], { encoding: 'utf8' })
  return /certificate is (valid|invalid: .*)/.exec(`${result.stdout}${result.stderr}`)?.[1] ?? `${result.stdout}${result.stderr}`
}

/** curl trusting only intercept-ca.pem, `host` resolved to the server: the status, or curl's first line of error. */
function curlGet(port: number, host: string): Promise<string> {
  const args = isIP(host) === 0 ? ['--resolve', `${host}:${port}:127.0.0.1`, `https://${host}:${port}/`] : [`https://${host}:${port}/`]
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', opened.certPath, ...args], (error, stdout, stderr) => {
      resolve(error === null ? stdout : `exit ${String((error as { code?: number }).code)}: ${stderr.split('\n')[0]}`)
    })
  })
}

/** Node's https trusting only intercept-ca.pem, `host` as SNI and the name checked: the status, or the error message. */
function nodeGet(port: number, host: string): Promise<string> {
  return new Promise((resolve) => {
    const servername = isIP(host) === 0 ? { servername: host } : {}
    const req = https.get({ host: '127.0.0.1', port, path: '/', ca: caPem, agent: false, ...servername }, (res) => {
      res.resume()
      res.on('end', () => resolve(String(res.statusCode)))
    })
    req.on('error', (error) => resolve(error.message))
  })
}

describe.each(INTERCEPT_FORGERIES)('a leaf forged with the intercept CA’s key for $name', ({ forgery, host, openssl }) => {
  let leaf: { certPem: string; keyPem: string }
  beforeAll(async () => {
    leaf = await forgeLeaf(files(), forgery)
  })

  it.skipIf(opensslMissing)(`openssl verify -purpose sslserver: refused (${openssl})`, async () => {
    expect(await opensslVerify(leaf.certPem)).toBe(openssl)
  })

  it('curl --cacert intercept-ca.pem: refused for the constraint (exit 60)', async () => {
    expect(await curlGet(await serve(leaf), host)).toBe(`exit 60: curl: (60) SSL certificate problem: ${openssl}`)
  })

  it('Node’s tls (https.get with ca): refused', async () => {
    expect(await nodeGet(await serve(leaf), host)).toBe(openssl)
  })

  it.skipIf(certutil === undefined)('NSS (certutil -V -u V, the CA trusted C,,): refused', async () => {
    expect(await nssVerify(leaf.certPem)).toBe('invalid: The Certifying Authority for this certificate is not permitted to issue a certificate with this name.')
  })
})

// The IP form is closed for IPv6 too, and right beside the address that closes it (255.255.255.255).
it.skipIf(opensslMissing || certutil === undefined).each(['::1', '::ffff:127.0.0.1', '2001:db8::1', '255.255.255.254', '10.0.0.1'])(
  'an IP SAN %s (beside a listed name): refused by openssl verify and NSS',
  async (address) => {
    const leaf = await forgeLeaf(files(), { subject: 'CN=api.example.test', names: [{ type: 'dns', value: 'api.example.test' }, { type: 'ip', value: address }] })
    expect(await opensslVerify(leaf.certPem)).toBe('permitted subtree violation')
    expect(await nssVerify(leaf.certPem)).toBe('invalid: The Certifying Authority for this certificate is not permitted to issue a certificate with this name.')
  },
)

describe.each(INTERCEPT_ACCEPTED)('a leaf for %s, inside the list', (host) => {
  it('forged with the key: accepted by openssl verify, curl, Node and NSS (the constraint is what refuses the others)', async () => {
    const leaf = await forgeLeaf(files(), host)
    const port = await serve(leaf)
    if (!opensslMissing) expect(await opensslVerify(leaf.certPem)).toBe('OK')
    if (certutil !== undefined) expect(await nssVerify(leaf.certPem)).toBe('valid')
    expect(await curlGet(port, host)).toBe('200')
    expect(await nodeGet(port, host)).toBe('200')
  })
})

describe('the leaf cache on the intercept CA, per SNI name', () => {
  it('issues a leaf for each listed name that curl and Node accept, and serves a default certificate for a client without SNI', async () => {
    const cache = createLeafCache(opened.ca)
    const server = https.createServer(await cache.serverOptions(), (req, res) => res.writeHead(200).end((req.socket as TLSSocket).servername))
    server.on('tlsClientError', () => {})
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    closers.push(() => new Promise((resolve) => server.close(() => resolve())))
    const port = (server.address() as AddressInfo).port
    for (const host of INTERCEPT_ACCEPTED) {
      expect(await curlGet(port, host)).toBe('200')
      expect(await nodeGet(port, host)).toBe('200')
      expect((await cache.get(host)).certificate.names).toEqual([host])
    }
    // No SNI: a certificate the CA can sign (for its exact name), which a client dialling 127.0.0.1 refuses by name.
    expect((await cache.get()).certificate.names).toEqual(['api.example.test'])
    expect(await nodeGet(port, '127.0.0.1')).toBe("Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: ")
  })

  it.each(['evil.test', 'api.example.test.evil.test', 'x.api.example.test', 'openai.com', 'localhost', '127.0.0.1', '::1', '255.255.255.255'])(
    'refuses to issue for %s (host_outside_ca) and keeps nothing for it',
    async (host) => {
      const cache = createLeafCache(opened.ca)
      await expect(cache.get(host)).rejects.toMatchObject({ code: 'host_outside_ca' })
      expect(cache.size).toBe(0)
    },
  )
})
