import { expandIpRange, parseIpRange, type IpRange, type PermittedNames } from './local-names.js'
import { AsnConvert, AsnGeneralName, Extension, GeneralSubtree, GeneralSubtrees, NameConstraints, X509Certificate, id_ce_nameConstraints } from './x509.js'

/**
 * The X.509 Name Constraints extension (RFC 5280 §4.2.1.10, OID 2.5.29.30), which
 * @peculiar/x509 has no class for: built from the ASN.1 schema of @peculiar/asn1-x509. Only
 * permitted subtrees of DNS names and IP ranges: what a local CA needs so that its key, if it
 * leaks, cannot vouch for any real site.
 */

export const NAME_CONSTRAINTS_OID: string = id_ce_nameConstraints

/**
 * The extension, critical: RFC 5280 says conforming CAs MUST mark it so, and a verifier that
 * does not understand it must then refuse the certificate rather than ignore the constraint.
 */
export function createNameConstraintsExtension(permitted: PermittedNames): Extension {
  const subtrees = [
    ...permitted.dns.map((dNSName) => new GeneralSubtree({ base: new AsnGeneralName({ dNSName }) })),
    ...permitted.ip.map((range) => new GeneralSubtree({ base: new AsnGeneralName({ iPAddress: expandIpRange(range) }) })),
  ]
  const value = AsnConvert.serialize(new NameConstraints({ permittedSubtrees: new GeneralSubtrees(subtrees) }))
  return new Extension(NAME_CONSTRAINTS_OID, true, value)
}

/** A certificate's name constraints as devproxy reads them, or undefined when it has none. */
export interface ReadNameConstraints {
  readonly critical: boolean
  readonly permitted: PermittedNames
  /** Subtrees devproxy does not model (excluded subtrees, other name types): a CA it did not make. */
  readonly unsupported: number
}

export function readNameConstraints(certificate: X509Certificate): ReadNameConstraints | undefined {
  const extension = certificate.extensions.find((candidate) => candidate.type === NAME_CONSTRAINTS_OID)
  if (extension === undefined) return undefined
  const constraints = AsnConvert.parse(extension.value, NameConstraints)
  const dns: string[] = []
  const ip: IpRange[] = []
  let unsupported = constraints.excludedSubtrees?.length ?? 0
  for (const { base } of constraints.permittedSubtrees ?? []) {
    const range = base.iPAddress === undefined ? undefined : parseIpRange(base.iPAddress)
    if (base.dNSName !== undefined) dns.push(base.dNSName.toLowerCase())
    else if (range !== undefined) ip.push(range)
    else unsupported++
  }
  return { critical: extension.critical, permitted: { dns, ip }, unsupported }
}
