/**
 * The local CA on the wire: a real HTTPS server on port 0 takes its certificates from the leaf
 * cache by SNI, and real clients that trust only ca.pem (Node's TLS, h2, `openssl verify`)
 * accept them — and reject a certificate for a real site forged with the CA's own key, in any
 * name form (DNS, IP, URI, e-mail, subject), because the CA's name constraints (RFC 5280
 * §4.2.1.10) and its extendedKeyUsage say it may not vouch for one; curl too.
 */
import { execFile, execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import http2 from 'node:http2'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TLSSocket } from 'node:tls'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { LocalCaError } from '../../src/tls/ca-error.js'
import { openLocalCa, type OpenedLocalCa } from '../../src/tls/ca-store.js'
import { createLeafCache, type LeafCache } from '../../src/tls/leaf-cache.js'
import { issueLeafCertificate } from '../../src/tls/local-ca.js'
import { ExtendedKeyUsage, FORGERIES, forgeLeaf, type Forgery } from '../helpers/forged-leaf.js'

const opensslMissing = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return false
  } catch {
    return true
  }
})()

let dir: string
let opened: OpenedLocalCa
let caPem: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devproxy-ca-tls-'))
  opened = await openLocalCa({ dir: join(dir, 'data') })
  // What a client trusts: the file on disk, as `devproxy trust` and NODE_EXTRA_CA_CERTS use it.
  caPem = await readFile(opened.files.certFile, 'utf8')
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

interface Reply {
  status: number
  body: string
  /** The subjectAltName of the certificate the server presented. */
  san: string
}

/** An HTTPS server on 127.0.0.1:0 answering 200 with the name it was reached by, certificates from `options`. */
async function startHttps(options: https.ServerOptions): Promise<{ port: number; server: https.Server; tlsErrors: Error[] }> {
  const server = https.createServer(options, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(`hello ${(req.socket as TLSSocket).servername || 'no-sni'}`)
  })
  const tlsErrors: Error[] = []
  server.on('tlsClientError', (error) => tlsErrors.push(error))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(() => new Promise((resolve) => server.close(() => resolve())))
  return { port: (server.address() as AddressInfo).port, server, tlsErrors }
}

/** GET / trusting only ca.pem, with `servername` as the SNI and the name the certificate must match. */
function get(port: number, servername?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/', ca: caPem, agent: false, ...(servername === undefined ? {} : { servername }) }, (res) => {
      const san = (res.socket as TLSSocket).getPeerCertificate().subjectaltname ?? ''
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, san }))
    })
    req.on('error', reject)
  })
}

/** The error a request fails with (fails the test if it succeeds). */
async function failure(request: Promise<unknown>): Promise<NodeJS.ErrnoException> {
  const error = await request.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(Error)
  return error as NodeJS.ErrnoException
}

describe('https.createServer with the leaf cache as SNICallback', () => {
  let cache: LeafCache
  beforeAll(() => {
    cache = createLeafCache(opened.ca)
  })

  it('serves app.localhost a certificate that Node verifies against ca.pem: 200', async () => {
    const { port } = await startHttps(await cache.serverOptions())
    const reply = await get(port, 'app.localhost')
    expect(reply).toEqual({ status: 200, body: 'hello app.localhost', san: 'DNS:app.localhost' })
    expect(await get(port, 'api.app.localhost')).toMatchObject({ status: 200, san: 'DNS:api.app.localhost' })
  })

  it('serves a client that sends no SNI (one that dials an IP address) the localhost/loopback certificate', async () => {
    const { port } = await startHttps(await cache.serverOptions())
    // No servername: Node checks the certificate against the host, 127.0.0.1.
    expect(await get(port)).toEqual({ status: 200, body: 'hello no-sni', san: 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1' })
  })

  it('fails the handshake for a name outside the CA, says why on the server, and keeps serving', async () => {
    const { port, tlsErrors } = await startHttps(await cache.serverOptions())
    await failure(get(port, 'example.com'))
    expect(tlsErrors).toHaveLength(1)
    expect((tlsErrors[0] as LocalCaError).code).toBe('host_outside_ca')
    expect(await get(port, 'app.localhost')).toMatchObject({ status: 200 })
  })

  it('speaks h2 through http2.createSecureServer({ allowHTTP1 }) with the same options', async () => {
    const server = http2.createSecureServer({ allowHTTP1: true, ...(await cache.serverOptions()) }, (req, res) => {
      res.writeHead(200)
      res.end(`h2 ${req.httpVersion}`)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    closers.push(() => new Promise((resolve) => server.close(() => resolve())))
    const port = (server.address() as AddressInfo).port
    const session = http2.connect(`https://127.0.0.1:${port}`, { ca: caPem, servername: 'app.localhost' })
    closers.push(async () => void session.close())
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const stream = session.request({ ':path': '/' })
      let status = 0
      let body = ''
      stream.on('response', (headers) => (status = Number(headers[':status'])))
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => (body += chunk))
      stream.on('end', () => resolve({ status, body }))
      stream.on('error', reject)
      session.on('error', reject)
    })
    expect(session.alpnProtocol).toBe('h2')
    expect({ status, body }).toEqual({ status: 200, body: 'h2 2.0' })
    expect(await get(port, 'app.localhost')).toMatchObject({ status: 200, body: 'h2 1.1' })
  })
})

describe('the name constraint: what a leaked CA key cannot do', () => {
  const forge = (what: string | Forgery) => forgeLeaf(opened.files, what)

  let files = 0
  /** `openssl verify` with ca.pem as the trust anchor: `OK`, or OpenSSL's reason for refusing. */
  async function opensslVerify(certPem: string, purpose = 'sslserver'): Promise<string> {
    const file = join(dir, `verify-${++files}.pem`)
    await writeFile(file, certPem)
    try {
      return execFileSync('openssl', ['verify', '-purpose', purpose, '-CAfile', opened.files.certFile, file], { encoding: 'utf8', stdio: 'pipe' }).replace(`${file}: `, '').trim()
    } catch (error) {
      const { stdout, stderr } = error as { stdout: string; stderr: string }
      return /^error \d+ at \d+ depth lookup: (.*)$/m.exec(`${stdout}${stderr}`)?.[1] ?? `${stdout}${stderr}`
    }
  }

  /** curl trusting only ca.pem, `host` resolved to the server: the status, or curl's exit code and first line of error. */
  function curlGet(port: number, host: string): Promise<string> {
    return new Promise((resolve) => {
      execFile('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', opened.files.certFile, '--resolve', `${host}:${port}:127.0.0.1`, `https://${host}:${port}/`], (error, stdout, stderr) => {
        resolve(error === null ? stdout : `exit ${String((error as { code?: number }).code)}: ${stderr.split('\n')[0]}`)
      })
    })
  }

  /** Node's https trusting only ca.pem: the status, or the error message. */
  const nodeGet = (port: number, host: string): Promise<string> =>
    get(port, host).then(
      (reply) => String(reply.status),
      (error: Error) => error.message,
    )

  it('the issuer refuses example.com outright', async () => {
    await expect(issueLeafCertificate(opened.ca, 'example.com')).rejects.toMatchObject({ code: 'host_outside_ca' })
  })

  it('a forged example.com certificate is rejected by Node’s TLS verification', async () => {
    const forged = await forge('example.com')
    const { port } = await startHttps({ key: forged.keyPem, cert: forged.certPem })
    const error = await failure(get(port, 'example.com'))
    // OpenSSL's X509_V_ERR_PERMITTED_VIOLATION; Node has no code name for it, only the message.
    expect(error).toMatchObject({ code: 'UNSPECIFIED', message: 'permitted subtree violation' })
    // The same forgery for a name inside the constraint is accepted: the constraint is what refused it.
    const control = await forge('forged.localhost')
    const { port: controlPort } = await startHttps({ key: control.keyPem, cert: control.certPem })
    expect(await get(controlPort, 'forged.localhost')).toMatchObject({ status: 200 })
  })

  it.skipIf(opensslMissing)('openssl verify: the issued leaf verifies, the forged one is a permitted subtree violation', async () => {
    const leaf = await issueLeafCertificate(opened.ca, 'app.localhost')
    const forged = await forge('example.com')
    expect(await opensslVerify(leaf.certPem)).toBe('OK')
    expect(await opensslVerify(forged.certPem)).toBe('permitted subtree violation')
  })

  describe.each(FORGERIES)('$name', ({ forgery, host }) => {
    let leaf: { certPem: string; keyPem: string }
    let port: number
    beforeAll(async () => {
      leaf = await forge(forgery)
    })

    it.skipIf(opensslMissing)('openssl verify -purpose sslserver, ca.pem the trust anchor: refused', async () => {
      expect(await opensslVerify(leaf.certPem)).toBe('permitted subtree violation')
    })

    it('curl --cacert ca.pem: refused for the constraint (exit 60), not for the host name', async () => {
      ;({ port } = await startHttps({ key: leaf.keyPem, cert: leaf.certPem }))
      expect(await curlGet(port, host)).toBe('exit 60: curl: (60) SSL certificate problem: permitted subtree violation')
    })

    it('Node’s tls (https.get with ca): refused', async () => {
      ;({ port } = await startHttps({ key: leaf.keyPem, cert: leaf.certPem }))
      expect(await nodeGet(port, host)).toBe('permitted subtree violation')
    })
  })

  it('the CA’s own leaves are accepted by all three: openssl verify -purpose sslserver, curl, Node', async () => {
    const leaf = await issueLeafCertificate(opened.ca, ['app.localhost', '127.0.0.1'])
    const { port } = await startHttps({ key: leaf.keyPem, cert: leaf.certPem })
    if (!opensslMissing) expect(await opensslVerify(leaf.certPem)).toBe('OK')
    expect(await curlGet(port, 'app.localhost')).toBe('200')
    expect(await nodeGet(port, 'app.localhost')).toBe('200')
  })

  /**
   * A DN names no host, so no TLS client takes a DN-only leaf for a site; outside TLS it is the
   * identity (S/MIME, client certificates). The CA vouches for TLS servers only (its
   * extendedKeyUsage), which is what refuses these — a directoryName constraint would too, but
   * Go and rustls then refuse every devproxy certificate (README, HTTPS).
   */
  it.skipIf(opensslMissing).each([
    ['S/MIME signing', ExtendedKeyUsage.emailProtection, 'smimesign'],
    ['TLS client authentication', ExtendedKeyUsage.clientAuth, 'sslclient'],
  ] as const)('a leaf for %s naming a real organisation (DN only) is an unsuitable purpose', async (_use, usage, purpose) => {
    const leaf = await forge({ subject: 'C=US, O=Google LLC', usage })
    expect(await opensslVerify(leaf.certPem, purpose)).toBe('unsuitable certificate purpose')
  })
})
