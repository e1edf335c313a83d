import { X509Certificate } from 'node:crypto'

/**
 * How the stores know one devproxy CA from another: by names and file names carrying its
 * fingerprint, so that uninstalling or reissuing removes this CA and never another user's or an
 * older one's entry.
 */
export interface CaIdentity {
  /** ca.pem, absolute. */
  readonly certFile: string
  /** SHA-256, `AB:CD:…`. */
  readonly fingerprint256: string
  /** SHA-1, `AB:CD:…`: how macOS's `security` and Windows' `certutil` name a certificate. */
  readonly fingerprint1: string
}

export function identifyCa(certPem: string, certFile: string): CaIdentity {
  const certificate = new X509Certificate(certPem)
  return { certFile, fingerprint256: certificate.fingerprint256, fingerprint1: certificate.fingerprint }
}

/** The first 8 bytes of the SHA-256 fingerprint, lower-case hex: unique enough to tell CAs apart. */
export function shortFingerprint(ca: CaIdentity): string {
  return hex(ca.fingerprint256).slice(0, 16).toLowerCase()
}

/** `devproxy local CA 3f9a…`: no colon, which NSS would read as `token:nickname`. */
export function nssNickname(ca: CaIdentity): string {
  return `devproxy local CA ${shortFingerprint(ca)}`
}

/** `devproxy-3f9a….crt` in a Linux system store's anchors directory. */
export function anchorFileName(ca: CaIdentity, extension: string): string {
  return `devproxy-${shortFingerprint(ca)}${extension}`
}

/** `AB:CD:…` → `ABCD…`. */
export function hex(fingerprint: string): string {
  return fingerprint.replaceAll(':', '').toUpperCase()
}
