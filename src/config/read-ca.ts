import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { isPlainObject, issueAt, type ConfigIssue } from './checks.js'

/**
 * Reads the `ca` files of https:// routes when a config is resolved: the one piece of config
 * resolution that touches the disk, kept here so validation stays pure. A file that cannot be
 * read, or holds no usable certificate, is a config issue at `routes[N].ca`, found at start
 * (or on reload, where the last good config keeps serving) rather than at the first request.
 */

/** A `ca` file's certificates, or why it cannot be used. */
export type CaRead = { readonly pem: string } | { readonly problem: string; readonly suggestion: string }

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g
const MKCERT = 'for mkcert, it is the file printed by: echo "$(mkcert -CAROOT)/rootCA.pem"'

/**
 * Reads one `ca` file, `ca` relative to `baseDir` (the config file's directory). The PEM
 * returned holds the certificate blocks only: a key or anything else in the file is left out.
 */
export function readCaFile(ca: string, baseDir: string): CaRead {
  const file = resolve(baseDir, ca)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    return {
      problem: `cannot read ${file}: ${describeOsError(error)}`,
      suggestion: `ca is a PEM file of CA certificates, relative to ${baseDir}; ${MKCERT}`,
    }
  }
  const blocks = text.match(CERTIFICATE) ?? []
  if (blocks.length === 0) {
    const what = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text) ? 'holds a private key, not a certificate' : 'holds no "-----BEGIN CERTIFICATE-----" block'
    return {
      problem: `${file} ${what}`,
      suggestion: `ca takes the CA's certificate in PEM form (mkcert's rootCA.pem, not rootCA-key.pem); convert a DER file with: openssl x509 -inform der -in ca.cer -out ca.pem`,
    }
  }
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block)
    } catch (error) {
      const which = blocks.length === 1 ? 'its certificate' : `certificate ${index + 1} of ${blocks.length}`
      return {
        problem: `${file}: ${which} does not parse (${(error as Error).message})`,
        suggestion: `export the CA certificate again; ${MKCERT}`,
      }
    }
  }
  return { pem: blocks.join('\n') + '\n' }
}

/**
 * Every route's `ca` PEM (undefined without `ca`), and an issue for each file that cannot be
 * used. Takes the config as exported, valid or not: a route whose `ca` already has an issue
 * (`known`, from validation) is not read.
 */
export function readRouteCas(config: unknown, baseDir: string, known: readonly ConfigIssue[] = []): { pems: Array<string | undefined>; issues: ConfigIssue[] } {
  const routes: unknown[] = isPlainObject(config) && Array.isArray(config.routes) ? config.routes : []
  const issues: ConfigIssue[] = []
  const pems = routes.map((route, index) => {
    const at = `routes[${index}].ca`
    if (!isPlainObject(route) || typeof route.ca !== 'string' || route.ca === '' || known.some((issue) => issue.path === at)) return undefined
    const read = readCaFile(route.ca, baseDir)
    if ('pem' in read) return read.pem
    issues.push(issueAt(at, read.problem, read.suggestion))
    return undefined
  })
  return { pems, issues }
}

/** `ENOENT: no such file or directory, open '/x'` → `no such file or directory (ENOENT)`. */
function describeOsError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException
  if (code === undefined) return message
  const words = message.replace(`${code}: `, '').replace(/, \w+( '.*')?$/, '')
  return `${words} (${code})`
}
