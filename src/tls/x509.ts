/**
 * The one importer of @peculiar/x509 and the ASN.1 packages under it. @peculiar/x509 resolves
 * its algorithms through tsyringe, which throws at load time unless a Reflect metadata polyfill
 * is already installed; ES modules evaluate their imports in source order, so importing
 * reflect-metadata first, here, is enough — nothing else in devproxy needs to know.
 */
import 'reflect-metadata'
import { webcrypto } from 'node:crypto'
import { cryptoProvider } from '@peculiar/x509'

// Node's own WebCrypto (OpenSSL underneath): an explicit choice rather than whatever
// globalThis.crypto happens to be when the library loads.
cryptoProvider.set(webcrypto as unknown as Parameters<typeof cryptoProvider.set>[0])

export {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
  type JsonGeneralNames,
} from '@peculiar/x509'
export { GeneralName as AsnGeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints, id_ce_nameConstraints } from '@peculiar/asn1-x509'
export { AsnConvert } from '@peculiar/asn1-schema'
