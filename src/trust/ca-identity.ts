import { X509Certificate } from 'node:crypto'
import { CA_NAMES, type CaRole } from '../tls/local-ca.js'

/**
 * How the stores know one devproxy CA from another: by names and file names carrying its
 * fingerprint, so that uninstalling or reissuing removes this CA and never another user's or an
 * older one's entry.
 */
export interface CaIdentity {
  /** Which of devproxy's CAs: its store entries are named for it. Default: 'local'. */
  readonly role?: CaRole
  /** ca.pem (intercept-ca.pem), absolute. */
  readonly certFile: string
  /** SHA-256, `AB:CD:…`. */
  readonly fingerprint256: string
  /** SHA-1, `AB:CD:…`: how macOS's `security` and Windows' `certutil` name a certificate. */
  readonly fingerprint1: string
}

export function identifyCa(certPem: string, certFile: string, role: CaRole = 'local'): CaIdentity {
  const certificate = new X509Certificate(certPem)
  return { role, certFile, fingerprint256: certificate.fingerprint256, fingerprint1: certificate.fingerprint }
}

/** `devproxy local CA`, `devproxy intercept CA`: how its CN, and so its store entries, start. */
export function caLabel(ca: CaIdentity): string {
  return CA_NAMES[ca.role ?? 'local']
}

/** The first 8 bytes of the SHA-256 fingerprint, lower-case hex: unique enough to tell CAs apart. */
export function shortFingerprint(ca: CaIdentity): string {
  return hex(ca.fingerprint256).slice(0, 16).toLowerCase()
}

/** `devproxy local CA 3f9a…` (`devproxy intercept CA 3f9a…`): no colon, which NSS would read as `token:nickname`. */
export function nssNickname(ca: CaIdentity): string {
  return `${caLabel(ca)} ${shortFingerprint(ca)}`
}

/** `devproxy-3f9a….crt` (`devproxy-intercept-3f9a….crt`) in a Linux system store's anchors directory. */
export function anchorFileName(ca: CaIdentity, extension: string): string {
  return `devproxy-${ca.role === 'intercept' ? 'intercept-' : ''}${shortFingerprint(ca)}${extension}`
}

/** `AB:CD:…` → `ABCD…`. */
export function hex(fingerprint: string): string {
  return fingerprint.replaceAll(':', '').toUpperCase()
}
