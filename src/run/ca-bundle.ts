import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import tls from 'node:tls'

/**
 * The one CA file `devproxy run` points `NODE_EXTRA_CA_CERTS`, `SSL_CERT_FILE`,
 * `REQUESTS_CA_BUNDLE` and `CURL_CA_BUNDLE` at. Three of those replace the tool's whole trust
 * store (OpenSSL's default file, requests' certifi bundle, curl's built-in path), so the bundle
 * holds what the machine trusts as well as the intercept CA:
 * - Node's own roots (`tls.rootCertificates`, Mozilla's list), present on every machine;
 * - the system bundle file, when there is one: it also holds the CAs an administrator added
 *   (a company's, installed with update-ca-certificates), which curl and Python trust today;
 * - the system store as Node reads it, on a Node that can (`tls.getCACertificates('system')`,
 *   Node 22.15+: the macOS keychain, the Windows store);
 * - the files the user's own CA variables named: replacing the variables must not drop them;
 * - the intercept CA.
 * The same certificate from two sources is written once.
 */

/** Where Linux distributions and macOS keep their bundle (curl's and Go's search order). */
export const SYSTEM_BUNDLE_FILES: readonly string[] = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Gentoo, Arch
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/pki/tls/cacert.pem', // OpenELEC
  '/etc/ssl/cert.pem', // macOS, Alpine
]

/** The variables that name a CA file; all four get the bundle. */
export const CA_VARIABLES = ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'] as const

export interface CaSource {
  /** Said in a comment above its certificates: where they came from. */
  readonly label: string
  readonly pem: string
}

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

/** The bundle's text: each source's certificates under a comment naming it, each certificate once. Pure. */
export function composeBundle(sources: readonly CaSource[]): string {
  const seen = new Set<string>()
  const parts = ['# CA bundle written by `devproxy run` for its command; removed when the command ends.\n']
  for (const source of sources) {
    const fresh = (source.pem.match(CERTIFICATE) ?? []).filter((pem) => {
      const key = pem.replace(/-----[^-]+-----|\s/g, '')
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
    if (fresh.length > 0) parts.push(`\n# ${source.label}\n${fresh.join('\n')}\n`)
  }
  return parts.join('')
}

export interface BundleOptions {
  /** The intercept CA, PEM. */
  readonly interceptCaPem: string
  /** The environment `devproxy run` was given: its CA variables' files go in too. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Default: SYSTEM_BUNDLE_FILES. */
  readonly systemFiles?: readonly string[]
}

/** Writes `<dir>/ca-bundle.pem` (owner-only) and returns its path. */
export async function writeCaBundle(dir: string, options: BundleOptions): Promise<string> {
  const file = join(dir, 'ca-bundle.pem')
  await writeFile(file, composeBundle(await bundleSources(options)), { mode: 0o600 })
  return file
}

export async function bundleSources(options: BundleOptions): Promise<CaSource[]> {
  const sources: CaSource[] = [{ label: "devproxy's intercept CA", pem: options.interceptCaPem }]
  const userFiles = [...new Set(CA_VARIABLES.map((name) => options.env[name]).filter((file): file is string => file !== undefined && file !== ''))]
  for (const file of userFiles) {
    const pem = await readIfThere(file)
    if (pem !== undefined) sources.push({ label: `${file} (named by your CA variables)`, pem })
  }
  for (const file of options.systemFiles ?? SYSTEM_BUNDLE_FILES) {
    const pem = await readIfThere(file)
    if (pem === undefined) continue
    sources.push({ label: `the system bundle, ${file}`, pem })
    break
  }
  const getCaCertificates = (tls as { getCACertificates?: (type: string) => string[] }).getCACertificates
  if (typeof getCaCertificates === 'function') sources.push({ label: "the system store, as Node reads it", pem: getCaCertificates('system').join('\n') })
  sources.push({ label: "Node's bundled roots (tls.rootCertificates)", pem: tls.rootCertificates.join('\n') })
  return sources
}

async function readIfThere(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch {
    return undefined
  }
}
