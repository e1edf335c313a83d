import { expandIpRange, parseIpRange, type IpRange, type PermittedNames } from './local-names.js'
import { AsnConvert, AsnGeneralName, Extension, GeneralSubtree, GeneralSubtrees, NameConstraints, X509Certificate, id_ce_nameConstraints } from './x509.js'

/**
 * The X.509 Name Constraints extension (RFC 5280 §4.2.1.10, OID 2.5.29.30), which
 * @peculiar/x509 has no class for: built from the ASN.1 schema of @peculiar/asn1-x509. What a
 * local CA needs so that its key, if it leaks, cannot vouch for any real site, in any name form
 * a verifier checks:
 *
 * - DNS names and IP addresses: permitted subtrees for the names the CA covers; the intercept CA
 *   closes the IP form by permitting only addresses nothing real has (CLOSED_IP_RANGES), and
 *   leaves out the subdomains of an exact name by excluding `.name` (excluded subtrees win).
 * - e-mail addresses (rfc822Name, also a subject's emailAddress) and URIs: closed, by a
 *   permitted subtree no real name falls in — the reserved name `invalid` (RFC 6761 §6.4). An
 *   excluded subtree cannot say "all" for these forms (OpenSSL reads an empty one as the empty
 *   host), while one permitted entry of a form makes every other name of that form refused.
 * - directoryName and otherName: not constrained. Go's crypto/x509 treats a critical name
 *   constraints extension holding either as unhandled and refuses every chain through the CA, and
 *   rustls/webpki refuses every leaf under any directoryName constraint (it holds the subject to
 *   it and matches none). A DN names no host that TLS clients check: OpenSSL and NSS hold a CN
 *   that looks like one to the DNS constraints, and Chromium, Go and rustls never read a CN. What
 *   a DN is used for outside TLS servers (S/MIME, client certificates) is closed by the CA's
 *   extendedKeyUsage instead (local-ca.ts).
 */

export const NAME_CONSTRAINTS_OID: string = id_ce_nameConstraints

/** The one name permitted in the closed forms: never a real host (RFC 6761 §6.4), so never a real mailbox or site. */
export const CLOSED_FORM_NAME = 'invalid'

/** The name forms closed by CLOSED_FORM_NAME, keyed as @peculiar/asn1-x509's GeneralName names them. */
export type ClosedForm = 'rfc822Name' | 'uniformResourceIdentifier'
export const CLOSED_FORMS: readonly ClosedForm[] = ['rfc822Name', 'uniformResourceIdentifier']

/**
 * The extension, critical: RFC 5280 says conforming CAs MUST mark it so, and a verifier that
 * does not understand it must then refuse the certificate rather than ignore the constraint.
 */
export function createNameConstraintsExtension(permitted: PermittedNames): Extension {
  const subtrees = [
    ...permitted.dns.map((dNSName) => new GeneralSubtree({ base: new AsnGeneralName({ dNSName }) })),
    ...permitted.ip.map((range) => new GeneralSubtree({ base: new AsnGeneralName({ iPAddress: expandIpRange(range) }) })),
    ...CLOSED_FORMS.map((form) => new GeneralSubtree({ base: new AsnGeneralName({ [form]: CLOSED_FORM_NAME }) })),
  ]
  const excluded = (permitted.excludedDns ?? []).map((dNSName) => new GeneralSubtree({ base: new AsnGeneralName({ dNSName }) }))
  const value = AsnConvert.serialize(
    new NameConstraints({ permittedSubtrees: new GeneralSubtrees(subtrees), ...(excluded.length === 0 ? {} : { excludedSubtrees: new GeneralSubtrees(excluded) }) }),
  )
  return new Extension(NAME_CONSTRAINTS_OID, true, value)
}

/** A certificate's name constraints as devproxy reads them, or undefined when it has none. */
export interface ReadNameConstraints {
  readonly critical: boolean
  readonly permitted: PermittedNames
  /** Which of the forms devproxy closes are closed; a CA made before devproxy closed them has neither. */
  readonly closed: Readonly<Record<ClosedForm, boolean>>
  /** Subtrees devproxy does not write (excluded ones other than DNS, other name types or values): a CA it did not make. */
  readonly unsupported: number
}

export function readNameConstraints(certificate: X509Certificate): ReadNameConstraints | undefined {
  const extension = certificate.extensions.find((candidate) => candidate.type === NAME_CONSTRAINTS_OID)
  if (extension === undefined) return undefined
  const constraints = AsnConvert.parse(extension.value, NameConstraints)
  const dns: string[] = []
  const ip: IpRange[] = []
  const closed: Record<ClosedForm, boolean> = { rfc822Name: false, uniformResourceIdentifier: false }
  const excludedDns: string[] = []
  let unsupported = 0
  for (const { base } of constraints.excludedSubtrees ?? []) {
    if (base.dNSName !== undefined) excludedDns.push(base.dNSName.toLowerCase())
    else unsupported++
  }
  for (const { base } of constraints.permittedSubtrees ?? []) {
    const range = base.iPAddress === undefined ? undefined : parseIpRange(base.iPAddress)
    const form = CLOSED_FORMS.find((candidate) => base[candidate] !== undefined)
    if (base.dNSName !== undefined) dns.push(base.dNSName.toLowerCase())
    else if (range !== undefined) ip.push(range)
    else if (form !== undefined && base[form] === CLOSED_FORM_NAME) closed[form] = true
    else unsupported++
  }
  return { critical: extension.critical, permitted: { dns, ip, ...(excludedDns.length === 0 ? {} : { excludedDns }) }, closed, unsupported }
}
