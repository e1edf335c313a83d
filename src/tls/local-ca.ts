import { X509Certificate as NodeX509Certificate, createPrivateKey, webcrypto, type KeyObject } from 'node:crypto'
import { hostname, userInfo } from 'node:os'
import { LocalCaError } from './ca-error.js'
import { missingRestrictions } from './ca-restrictions.js'
import { LOCAL_PERMITTED, LOOPBACK_NAMES, describePermitted, formatIpRange, isPermitted, parseHostName, parseIpRange, type LocalName, type PermittedNames } from './local-names.js'
import { createNameConstraintsExtension, readNameConstraints } from './name-constraints.js'
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from './x509.js'

/**
 * The local certificate authority behind `devproxy start --https`: made once per user, it
 * issues short-lived leaf certificates for local names. It is name-constrained (RFC 5280
 * §4.2.1.10) to localhost, `*.localhost`, loopback and the names asked for when it was made,
 * refuses every e-mail address and URI (name-constraints.ts), and vouches for TLS servers only
 * (extendedKeyUsage), so its key, should it leak, cannot impersonate a real site — or a mailbox,
 * or a signer — to a client that trusts it. Keys are ECDSA P-256 on Node's WebCrypto (a few ms
 * each). Crypto only: the files are ca-store.ts.
 */

type CryptoKey = webcrypto.CryptoKey

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const
const SIGNATURE = { name: 'ECDSA', hash: 'SHA-256' } as const
const DAY_MS = 86_400_000
/** Certificates start an hour in the past so that a client whose clock is a little behind accepts them. */
const BACKDATE_MS = 3_600_000

export const CA_VALIDITY_DAYS = 3650
export const LEAF_VALIDITY_DAYS = 90
/** Apple and Chromium refuse TLS server certificates valid for more than 398 days. */
export const MAX_LEAF_VALIDITY_DAYS = 397

/**
 * Which of devproxy's two CAs: `local`, for `start --https` (localhost, loopback and --host
 * names), or `intercept`, for the outbound hosts the user named (intercept-ca.ts). Read back
 * from the certificate's CN, which starts with CA_NAMES[role].
 */
export type CaRole = 'local' | 'intercept'
export const CA_NAMES: Readonly<Record<CaRole, string>> = { local: 'devproxy local CA', intercept: 'devproxy intercept CA' }

export interface LocalCa {
  readonly role: CaRole
  /** The certificate, PEM: what ca.pem holds and `devproxy trust` installs. */
  readonly certPem: string
  /** `CN=devproxy local CA (ada@laptop), O=devproxy` */
  readonly subject: string
  readonly notAfter: Date
  /** SHA-256 fingerprint, `AB:CD:…`, as trust stores and browsers show it. */
  readonly fingerprint256: string
  /** The names the CA may certify (its name constraints). */
  readonly permitted: PermittedNames
  /**
   * What a CA made by an older devproxy does not restrict that one made now does, in words
   * (`e-mail addresses`, `URIs`, `uses other than HTTPS servers`); [] for a CA made now.
   */
  readonly lacks: readonly string[]
  /** The parsed certificate, for issuing (its subject becomes each leaf's issuer). */
  readonly certificate: X509Certificate
  readonly privateKey: CryptoKey
}

export interface CreateLocalCaOptions {
  /**
   * Names and IP addresses or ranges (`myapp.test`, `192.168.1.20`, `10.0.0.0/8`) the CA may
   * certify besides localhost, `*.localhost` and loopback. A DNS name covers its subdomains too.
   * Default: none.
   */
  hosts?: readonly string[]
  /**
   * Exactly the names the CA may certify, instead of localhost, loopback and `hosts`: the
   * intercept CA's (intercept-names.ts). Default: from `hosts`.
   */
  permitted?: PermittedNames
  /** Its name (CN) says which CA it is. Default: 'local'. */
  role?: CaRole
  /** Who the CA is for, shown in its name. Default: `user@host` of this process. */
  owner?: string
  /** Default: the current time. */
  now?: Date
}

/** A new CA and its private key as PKCS#8 PEM, for the caller to store (ca-store.ts). */
export async function createLocalCa(options: CreateLocalCaOptions = {}): Promise<{ ca: LocalCa; keyPem: string }> {
  const permitted = options.permitted ?? permittedFor(options.hosts ?? [])
  const now = options.now ?? new Date()
  const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair
  const certificate = await X509CertificateGenerator.createSelfSigned({
    name: [{ O: ['devproxy'] }, { CN: [`${CA_NAMES[options.role ?? 'local']} (${options.owner ?? currentOwner()})`] }],
    keys,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: SIGNATURE,
    extensions: [
      // pathLen 0: it signs leaves only, never another CA that could escape its constraints' reach.
      new BasicConstraintsExtension(true, 0, true),
      new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
      await SubjectKeyIdentifierExtension.create(keys.publicKey),
      createNameConstraintsExtension(permitted),
      // TLS servers only: OpenSSL, NSS, Go, Windows and macOS hold a chain to the usages every
      // certificate in it allows, so a leaf for S/MIME, client auth or code signing, named by a
      // DN the name constraints do not reach, is refused. Not critical, as CA/B Forum CAs mark it.
      new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth]),
    ],
  })
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)
  // The CA in memory signs with a key that cannot be exported again: only ca-key.pem holds it.
  const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, EC_KEY, false, ['sign'])
  return { ca: describeCa(certificate, new NodeX509Certificate(certificate.toString('pem')), privateKey, permitted), keyPem: PemConverter.encode(pkcs8, 'PRIVATE KEY') }
}

/** Why stored CA material cannot be used, and which of the two files is at fault. */
export interface CaProblem {
  readonly file: 'certificate' | 'key'
  readonly problem: string
}

/**
 * A CA from its certificate and PKCS#8 key (PEM), checked: the certificate parses and is a
 * name-constrained ECDSA CA that has not expired, and the key is the one it certifies.
 */
export async function parseLocalCa(certPem: string, keyPem: string, now = new Date()): Promise<{ ca: LocalCa } | CaProblem> {
  let nodeCert: NodeX509Certificate
  let certificate: X509Certificate
  let constraints: ReturnType<typeof readNameConstraints>
  try {
    nodeCert = new NodeX509Certificate(certPem)
    certificate = new X509Certificate(nodeCert.raw)
    constraints = readNameConstraints(certificate)
  } catch (error) {
    return { file: 'certificate', problem: `does not hold a readable certificate (${(error as Error).message})` }
  }
  if (!nodeCert.ca) return { file: 'certificate', problem: 'is not a CA certificate' }
  if (constraints === undefined || constraints.unsupported > 0) return { file: 'certificate', problem: 'is not a CA devproxy made (it has no name constraints, or ones devproxy does not write)' }
  if (now.getTime() > Date.parse(nodeCert.validTo)) return { file: 'certificate', problem: `expired on ${new Date(nodeCert.validTo).toISOString().slice(0, 10)}` }
  let key: KeyObject
  try {
    key = createPrivateKey(keyPem)
  } catch (error) {
    return { file: 'key', problem: `does not hold a readable private key (${(error as Error).message})` }
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return { file: 'key', problem: 'is not an ECDSA P-256 key' }
  if (!nodeCert.checkPrivateKey(key)) return { file: 'key', problem: 'is not the key of the CA certificate next to it' }
  const der = key.export({ format: 'der', type: 'pkcs8' })
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, EC_KEY, false, ['sign'])
  return { ca: describeCa(certificate, nodeCert, privateKey, constraints.permitted) }
}

export interface LeafCertificate {
  readonly certPem: string
  /** PKCS#8 PEM of the leaf's own key, made with it. */
  readonly keyPem: string
  /** The subjectAltName entries: DNS names and IP addresses as parsed. */
  readonly names: readonly string[]
  readonly notBefore: Date
  readonly notAfter: Date
}

export interface IssueLeafOptions {
  /** Default: LEAF_VALIDITY_DAYS (90); at most MAX_LEAF_VALIDITY_DAYS, never past the CA's own end. */
  validityDays?: number
  /** Default: the current time. */
  now?: Date
}

/**
 * A TLS server certificate for `hosts` (DNS names and IP addresses; the first is the one the
 * certificate is for), with its own new key. A host the CA does not cover is refused before
 * anything is signed: `host_outside_ca` (a certificate signed anyway would be rejected by every
 * verifier that honours the constraint, with a far less helpful message).
 */
export async function issueLeafCertificate(ca: LocalCa, hosts: string | readonly string[], options: IssueLeafOptions = {}): Promise<LeafCertificate> {
  const list = typeof hosts === 'string' ? [hosts] : hosts
  if (list.length === 0) throw new RangeError('issueLeafCertificate needs at least one host')
  const names = list.map((host) => requireCovered(ca, host))
  const validityDays = options.validityDays ?? LEAF_VALIDITY_DAYS
  if (!(validityDays > 0 && validityDays <= MAX_LEAF_VALIDITY_DAYS)) throw new RangeError(`validityDays must be between 1 and ${MAX_LEAF_VALIDITY_DAYS} (got ${validityDays})`)
  const now = options.now ?? new Date()
  const notBefore = new Date(now.getTime() - BACKDATE_MS)
  const notAfter = new Date(Math.min(now.getTime() + validityDays * DAY_MS, ca.notAfter.getTime()))
  const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair
  const authorityKeyId = ca.certificate.getExtension(SubjectKeyIdentifierExtension)?.keyId
  const certificate = await X509CertificateGenerator.create({
    // No CN: browsers read the subjectAltName only, and OpenSSL would hold a CN to the DNS
    // constraints even on a certificate for an IP address.
    subject: [{ O: ['devproxy development certificate'] }],
    issuer: ca.certificate.subjectName,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: SIGNATURE,
    extensions: [
      new BasicConstraintsExtension(false, undefined, true),
      new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
      new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth]),
      new SubjectAlternativeNameExtension(names.map((name) => (name.kind === 'dns' ? { type: 'dns', value: name.name } : { type: 'ip', value: name.address }))),
      await SubjectKeyIdentifierExtension.create(keys.publicKey),
      ...(authorityKeyId === undefined ? [] : [new AuthorityKeyIdentifierExtension(authorityKeyId)]),
    ],
  })
  return {
    certPem: certificate.toString('pem'),
    keyPem: PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY'),
    names: names.map((name) => (name.kind === 'dns' ? name.name : name.address)),
    notBefore,
    notAfter,
  }
}

/**
 * The parsed host, or `host_invalid` / `host_outside_ca` saying what the CA covers and how to
 * make one that covers `host`. Cheap: call it at start for every host a config names.
 */
export function requireCovered(ca: LocalCa, host: string): LocalName {
  const name = requireHostName(host)
  if (isPermitted(ca.permitted, name)) return name
  const shown = name.kind === 'dns' ? name.name : name.address
  const covers = describePermitted(ca.permitted) || 'no name'
  if (ca.role === 'intercept') {
    throw new LocalCaError('host_outside_ca', `the devproxy intercept CA cannot issue a certificate for ${shown}: it only covers ${covers}`, {
      host: shown,
      suggestion: `It is name-constrained to the hosts you intercept. Add ${shown} to outbound.intercept in the config (or --intercept ${shown}) to intercept it; devproxy then makes a CA that covers it.`,
    })
  }
  throw new LocalCaError('host_outside_ca', `the devproxy local CA cannot issue a certificate for ${shown}: it only covers ${covers}`, {
    host: shown,
    suggestion:
      `The CA is name-constrained so that its key cannot impersonate real sites. Use a name under .localhost (e.g. ${suggestLocalhostName(name)}), ` +
      `or make a new CA that also covers ${shown}: devproxy trust --reissue --host ${shown} (browsers then trust the new CA instead of the old one).`,
  })
}

/**
 * The names a client that sends no SNI (one that connects to an IP address) is served: loopback
 * and the CA's single addresses. The intercept CA covers neither: its clients reach it through
 * CONNECT to a name, whose SNI they send, so its default certificate needs only to be one it can
 * sign — for its exact names, or else a name under its first wildcard.
 */
export function defaultLeafNames(ca: LocalCa): string[] {
  const addresses = ca.permitted.ip.filter((range) => range.prefix === range.network.length * 8).map(formatIpRange)
  const local = [...new Set<string>([...LOOPBACK_NAMES, ...addresses])].filter((host) => isPermitted(ca.permitted, requireHostName(host)))
  if (local.length > 0) return local
  const exact = ca.permitted.dns.filter((constraint) => !constraint.startsWith('.'))
  if (exact.length > 0) return exact
  const wildcard = ca.permitted.dns[0]
  if (wildcard === undefined) throw new LocalCaError('host_outside_ca', 'the devproxy CA covers no name to issue a default certificate for')
  return [`no-sni${wildcard}`]
}

/** Throws `host_invalid` for a host no CA can be made to cover, before anything is changed. */
export function checkCaHosts(hosts: readonly string[]): void {
  permittedFor(hosts)
}

function permittedFor(hosts: readonly string[]): PermittedNames {
  const dns = [...LOCAL_PERMITTED.dns]
  const ip = [...LOCAL_PERMITTED.ip]
  for (const host of hosts) {
    const range = host.includes('/') ? parseIpRange(host) : undefined
    if (range !== undefined) {
      ip.push(range)
      continue
    }
    const name = requireHostName(host)
    if (isPermitted({ dns, ip }, name)) continue
    if (name.kind === 'dns') dns.push(name.name)
    else ip.push({ network: name.bytes, prefix: name.bytes.length * 8 })
  }
  return { dns, ip }
}

function requireHostName(host: string): LocalName {
  const name = parseHostName(host)
  if ('kind' in name) return name
  throw new LocalCaError('host_invalid', `cannot issue a certificate for ${JSON.stringify(host)}: ${name.problem}`, {
    host,
    suggestion: 'Give a host name such as app.localhost, or an IP address such as 127.0.0.1.',
  })
}

function describeCa(certificate: X509Certificate, nodeCert: NodeX509Certificate, privateKey: CryptoKey, permitted: PermittedNames): LocalCa {
  const cn = certificate.subjectName.getField('CN')[0] ?? ''
  return {
    role: cn.startsWith(`${CA_NAMES.intercept} `) ? 'intercept' : 'local',
    certPem: nodeCert.toString(),
    subject: certificate.subject,
    notAfter: new Date(nodeCert.validTo),
    fingerprint256: nodeCert.fingerprint256,
    permitted,
    lacks: missingRestrictions(certificate),
    certificate,
    privateKey,
  }
}

function suggestLocalhostName(name: LocalName): string {
  if (name.kind === 'ip') return 'app.localhost'
  return `${name.name.split('.')[0]}.localhost`
}

/** `ada@laptop`; a process without a passwd entry (some containers) falls back to $USER. */
function currentOwner(): string {
  let user: string
  try {
    user = userInfo().username
  } catch {
    user = process.env.USER ?? process.env.USERNAME ?? 'user'
  }
  return `${user}@${hostname()}`
}
