import { CLOSED_FORMS, readNameConstraints, type ClosedForm } from './name-constraints.js'
import { ExtendedKeyUsage, ExtendedKeyUsageExtension, type X509Certificate } from './x509.js'

/**
 * What a devproxy CA restricts beyond the names it covers, and what one made by an older
 * devproxy does not: those made before e-mail addresses and URIs were closed (RFC 5280
 * §4.2.1.10) and before the CA was limited to TLS servers by its extendedKeyUsage. Such a CA is
 * kept — the user trusted that certificate — and the user is told how to get a stricter one.
 */

const FORM_WORDS: Readonly<Record<ClosedForm, string>> = { rfc822Name: 'e-mail addresses', uniformResourceIdentifier: 'URIs' }
const USES_WORDS = 'uses other than HTTPS servers'

/** `['e-mail addresses', 'URIs', 'uses other than HTTPS servers']`, or [] for a CA made now. */
export function missingRestrictions(certificate: X509Certificate): string[] {
  const closed = readNameConstraints(certificate)?.closed
  const usages = certificate.getExtension(ExtendedKeyUsageExtension)?.usages ?? []
  const serverOnly = usages.length === 1 && usages[0] === ExtendedKeyUsage.serverAuth
  return [...CLOSED_FORMS.filter((form) => closed?.[form] !== true).map((form) => FORM_WORDS[form]), ...(serverOnly ? [] : [USES_WORDS])]
}

/**
 * `devproxy's local CA was made by an older devproxy and does not refuse …; devproxy trust
 * --reissue replaces it …`: one line, or undefined for a CA that lacks nothing. `subject` starts
 * the sentence.
 */
export function describeOutdatedCa(ca: { readonly lacks: readonly string[] }, subject = "devproxy's local CA"): string | undefined {
  if (ca.lacks.length === 0) return undefined
  const list = ca.lacks.length === 1 ? ca.lacks[0] : `${ca.lacks.slice(0, -1).join(', ')} and ${ca.lacks.at(-1)}`
  return `${subject} was made by an older devproxy and does not refuse ${list}; \`devproxy trust --reissue\` replaces it with one that does, covering the same names`
}
