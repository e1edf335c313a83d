import { writeFile } from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createLocalCa, issueLeafCertificate } from '../../src/tls/local-ca.js'

/**
 * A fake "external" API on 127.0.0.1 with a CA of its own (one no client trusts by default),
 * serving HTTPS for `name` and, on another port, plain HTTP. It answers with the name it was
 * asked for and the path, so a test sees that its answer came from here.
 */

export interface FakeExternal {
  readonly name: string
  readonly httpsPort: number
  readonly httpPort: number
  /** The fake's own CA, PEM, and a file holding it. */
  readonly caPem: string
  readonly caFile: string
  close(): Promise<void>
}

export async function startFakeExternal(name: string, dir: string): Promise<FakeExternal> {
  const { ca } = await createLocalCa({ hosts: [name] })
  const leaf = await issueLeafCertificate(ca, name)
  const caFile = join(dir, 'fake-external-ca.pem')
  await writeFile(caFile, ca.certPem)
  const answer = (scheme: string) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ from: 'fake-external', scheme, host: req.headers.host, path: req.url }))
  }
  const secure = https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, answer('https'))
  secure.on('tlsClientError', () => {})
  const plain = http.createServer(answer('http'))
  await Promise.all([secure, plain].map((server) => new Promise<void>((done) => server.listen(0, '127.0.0.1', done))))
  return {
    name,
    httpsPort: (secure.address() as AddressInfo).port,
    httpPort: (plain.address() as AddressInfo).port,
    caPem: ca.certPem,
    caFile,
    close: async () => {
      for (const server of [secure, plain]) server.closeAllConnections()
      await Promise.all([secure, plain].map((server) => new Promise<void>((done) => server.close(() => done()))))
    },
  }
}
