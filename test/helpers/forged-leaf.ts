/**
 * What someone holding a devproxy CA's key could make: a certificate signed with ca-key.pem
 * directly (the issuer's own check never runs), in any name form (RFC 5280 §4.2.1.6), otherwise
 * like a devproxy leaf. What refuses it is the CA certificate's constraints, in the client.
 */
import { createPrivateKey, webcrypto } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { CaFiles } from '../../src/tls/ca-store.js'
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  PemConverter,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
  type JsonGeneralNames,
} from '../../src/tls/x509.js'

export { ExtendedKeyUsage }

export interface Forgery {
  /** The subject DN, `C=US, O=Google LLC, CN=www.google.com`. Default: none (an empty subject). */
  readonly subject?: string
  /** subjectAltName entries (`dns`, `ip`, `url`, `email`, …). Default: no SAN extension at all. */
  readonly names?: JsonGeneralNames
  /** What the leaf claims to be good for. Default: serverAuth. */
  readonly usage?: string
}

export interface ForgedLeaf {
  readonly certPem: string
  readonly keyPem: string
}

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const

/** A leaf for `host` (CN and DNS SAN) or for what `forgery` says, signed with the CA key in `files`. */
export async function forgeLeaf(files: Pick<CaFiles, 'certFile' | 'keyFile'>, what: string | Forgery): Promise<ForgedLeaf> {
  const forgery: Forgery = typeof what === 'string' ? { subject: `CN=${what}`, names: [{ type: 'dns', value: what }] } : what
  const keyDer = createPrivateKey(await readFile(files.keyFile, 'utf8')).export({ format: 'der', type: 'pkcs8' })
  const caKey = await webcrypto.subtle.importKey('pkcs8', keyDer, EC_KEY, false, ['sign'])
  const caCert = new X509Certificate(await readFile(files.certFile, 'utf8'))
  const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair
  const certificate = await X509CertificateGenerator.create({
    subject: forgery.subject ?? '',
    issuer: caCert.subjectName,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 30 * 86_400_000),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new BasicConstraintsExtension(false, undefined, true),
      new ExtendedKeyUsageExtension([forgery.usage ?? ExtendedKeyUsage.serverAuth]),
      // RFC 5280 §4.1.2.6: with an empty subject, the names are in a critical subjectAltName.
      ...(forgery.names === undefined ? [] : [new SubjectAlternativeNameExtension(forgery.names, forgery.subject === undefined)]),
      await SubjectKeyIdentifierExtension.create(keys.publicKey),
      await AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  })
  return { certPem: certificate.toString('pem'), keyPem: PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY') }
}

/**
 * Every name form a leaf can carry, for a real site, beside a name the CA does cover where that
 * is what would make a client accept it. `host` is the name clients ask for; `chromium`, the
 * error Chromium fails with: ERR_CERT_INVALID when it refuses the chain (the CA's constraints),
 * ERR_CERT_COMMON_NAME_INVALID for a leaf without a SAN (Chromium never reads a CN).
 */
export const FORGERIES: ReadonlyArray<{ readonly name: string; readonly forgery: Forgery; readonly host: string; readonly chromium: string }> = [
  {
    name: 'a URI for a real site beside a local name',
    forgery: { names: [{ type: 'dns', value: 'forged.localhost' }, { type: 'url', value: 'https://www.google.com/' }] },
    host: 'forged.localhost',
    chromium: 'net::ERR_CERT_INVALID',
  },
  { name: 'a URI alone (an empty subject, a critical SAN)', forgery: { names: [{ type: 'url', value: 'https://www.google.com/' }] }, host: 'www.google.com', chromium: 'net::ERR_CERT_INVALID' },
  {
    name: 'an e-mail address at a real site beside a local name',
    forgery: { names: [{ type: 'dns', value: 'forged.localhost' }, { type: 'email', value: 'security@google.com' }] },
    host: 'forged.localhost',
    chromium: 'net::ERR_CERT_INVALID',
  },
  // No SAN: a subject emailAddress is held to the e-mail constraint (RFC 5280 §4.2.1.10); clients that still read a CN take it.
  { name: 'an e-mail address in the subject, no SAN', forgery: { subject: 'CN=forged.localhost, E=security@google.com' }, host: 'forged.localhost', chromium: 'net::ERR_CERT_INVALID' },
  // OpenSSL holds a CN that looks like a host name to the DNS constraints; Chromium, Go and rustls never read a CN.
  { name: 'a subject DN naming a real site, no SAN', forgery: { subject: 'C=US, O=Google LLC, CN=www.google.com' }, host: 'www.google.com', chromium: 'net::ERR_CERT_COMMON_NAME_INVALID' },
]

/** The intercept list the intercept CA's forgery tests use: an exact name and a wildcard. */
export const INTERCEPT_HOSTS = ['api.example.test', '*.openai.com'] as const

/**
 * Leaves an intercept CA for INTERCEPT_HOSTS must never make a client accept, forged with its
 * key: `openssl` is OpenSSL's reason (Node's message and curl's too), `chromium` Chromium's error.
 */
export const INTERCEPT_FORGERIES: ReadonlyArray<{ readonly name: string; readonly forgery: Forgery; readonly host: string; readonly openssl: string; readonly chromium: string }> = [
  { name: 'another host', forgery: dnsLeaf('evil.test'), host: 'evil.test', openssl: 'permitted subtree violation', chromium: 'net::ERR_CERT_INVALID' },
  { name: 'a listed name as a prefix (api.example.test.evil.test)', forgery: dnsLeaf('api.example.test.evil.test'), host: 'api.example.test.evil.test', openssl: 'permitted subtree violation', chromium: 'net::ERR_CERT_INVALID' },
  { name: 'a subdomain of an exact listed name', forgery: dnsLeaf('x.api.example.test'), host: 'x.api.example.test', openssl: 'excluded subtree violation', chromium: 'net::ERR_CERT_INVALID' },
  { name: 'the wildcard’s own base name (openai.com for *.openai.com)', forgery: dnsLeaf('openai.com'), host: 'openai.com', openssl: 'permitted subtree violation', chromium: 'net::ERR_CERT_INVALID' },
  { name: 'localhost', forgery: dnsLeaf('localhost'), host: 'localhost', openssl: 'permitted subtree violation', chromium: 'net::ERR_CERT_INVALID' },
  { name: 'a loopback IP address alone (an empty subject, a critical SAN)', forgery: { names: [{ type: 'ip', value: '127.0.0.1' }] }, host: '127.0.0.1', openssl: 'permitted subtree violation', chromium: 'net::ERR_CERT_INVALID' },
  {
    name: 'a real IP address beside a listed name',
    forgery: { subject: 'CN=api.example.test', names: [{ type: 'dns', value: 'api.example.test' }, { type: 'ip', value: '8.8.8.8' }] },
    host: 'api.example.test',
    openssl: 'permitted subtree violation',
    chromium: 'net::ERR_CERT_INVALID',
  },
  {
    name: 'a URI for a real site beside a listed name',
    forgery: { names: [{ type: 'dns', value: 'api.example.test' }, { type: 'url', value: 'https://www.google.com/' }] },
    host: 'api.example.test',
    openssl: 'permitted subtree violation',
    chromium: 'net::ERR_CERT_INVALID',
  },
  {
    name: 'an e-mail address beside a listed name',
    forgery: { names: [{ type: 'dns', value: 'x.openai.com' }, { type: 'email', value: 'security@google.com' }] },
    host: 'x.openai.com',
    openssl: 'permitted subtree violation',
    chromium: 'net::ERR_CERT_INVALID',
  },
]

/** Names a forged leaf for which the intercept CA's constraints let through: what it was made for. */
export const INTERCEPT_ACCEPTED = ['api.example.test', 'x.openai.com', 'a.b.openai.com'] as const

function dnsLeaf(host: string): Forgery {
  return { subject: `CN=${host}`, names: [{ type: 'dns', value: host }] }
}
