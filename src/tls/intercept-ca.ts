import { X509Certificate } from 'node:crypto'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { LocalCaError } from './ca-error.js'
import { caFiles, readStoredCa, resolveDataDir, writeCa, type CaFiles } from './ca-store.js'
import { interceptPermitted, uncoveredHosts } from './intercept-names.js'
import type { LocalCa } from './local-ca.js'

/**
 * The intercept CA: the one devproxy's forward proxy signs intercepted hosts' certificates with.
 * Separate from the local CA (its own files, `intercept-ca.pem` and `intercept-ca-key.pem` in
 * the data directory, key 0600), ECDSA P-256 like it, and name-constrained to exactly the hosts
 * the user named (intercept-names.ts): every other name, every IP address, e-mail address and
 * URI closed, TLS servers only. So the key, should it leak, speaks for nothing but those hosts.
 *
 * Made when an intercept list first needs it; kept while it covers the list (a list that shrinks
 * keeps it, so it stays trusted); made anew, replacing the files, when the list names a host it
 * does not cover — a CA cannot be widened, and the old one, whose key is gone, signs nothing more
 * (its certificate is kept in intercept-ca-retired/ until `devproxy trust --intercept` has taken
 * it out of the stores).
 */

export interface OpenInterceptCaOptions {
  /** The intercept list: `api.example.test`, `*.openai.com`. At least one. */
  hosts: readonly string[]
  /** Default: resolveDataDir(). */
  dir?: string
  /** Default: the current time. */
  now?: Date
}

export interface OpenedInterceptCa {
  /** The same shape as the local CA's: createLeafCache(ca) issues its leaves, per SNI name. */
  readonly ca: LocalCa
  /** `<data dir>/intercept-ca.pem`, what clients must trust (`devproxy trust --intercept`). */
  readonly certPath: string
  /** Made by this call: the first use, or the list grew past the old CA. */
  readonly created: boolean
}

export function interceptCaFiles(dir?: string): CaFiles {
  return caFiles(dir, 'intercept')
}

/**
 * The intercept CA for `hosts`: the one in the data directory if it covers them all, else a new
 * one for exactly `hosts`. `host_invalid` for a host that cannot be intercepted, before anything
 * is read or written.
 */
export async function openInterceptCa(options: OpenInterceptCaOptions): Promise<OpenedInterceptCa> {
  const permitted = interceptPermitted(options.hosts)
  const files = interceptCaFiles(options.dir)
  const fits = (ca: LocalCa | 'unusable' | undefined): ca is LocalCa => typeof ca === 'object' && ca.role === 'intercept' && uncoveredHosts(ca.permitted, options.hosts).length === 0
  let existing = await readExisting(files, options.now)
  if (fits(existing)) return { ca: existing, certPath: files.certFile, created: false }
  const create = { permitted, ...(options.now === undefined ? {} : { now: options.now }) }
  if (existing === undefined) {
    const made = await writeCa(files, create, 'create')
    if (made !== undefined) return { ca: made, certPath: files.certFile, created: true }
    // Another process made one first: it may be for another list.
    existing = await readExisting(files, options.now)
    if (fits(existing)) return { ca: existing, certPath: files.certFile, created: false }
  }
  await retireCertificate(files)
  return { ca: await writeCa(files, create, 'replace'), certPath: files.certFile, created: true }
}

/** Where replaced intercept CAs' certificates wait for `devproxy trust --intercept` to take them out of the stores. */
export const RETIRED_INTERCEPT_DIR = 'intercept-ca-retired'

export interface RetiredInterceptCa {
  /** `<data dir>/intercept-ca-retired/<fingerprint>.pem`: remove it once no store holds it. */
  readonly certFile: string
  readonly certPem: string
}

/**
 * The certificates of intercept CAs replaced since `devproxy trust --intercept` last ran. Their
 * keys are gone, so they sign nothing more, but a store that trusted one still trusts it: the
 * next install or uninstall takes them out.
 */
export async function listRetiredInterceptCas(dir: string = resolveDataDir()): Promise<RetiredInterceptCa[]> {
  const retiredDir = path.join(dir, RETIRED_INTERCEPT_DIR)
  const names = await readdir(retiredDir).catch(() => [])
  const found: RetiredInterceptCa[] = []
  for (const name of names.filter((entry) => entry.endsWith('.pem')).sort()) {
    const certFile = path.join(retiredDir, name)
    const certPem = await readFile(certFile, 'utf8').catch(() => undefined)
    if (certPem !== undefined) found.push({ certFile, certPem })
  }
  return found
}

/** Keeps the certificate about to be replaced, when there is a readable one (a corrupt file names no CA a store could hold). */
async function retireCertificate(files: CaFiles): Promise<void> {
  const certPem = await readFile(files.certFile, 'utf8').catch(() => undefined)
  if (certPem === undefined) return
  let fingerprint: string
  try {
    fingerprint = new X509Certificate(certPem).fingerprint256
  } catch {
    return
  }
  const retiredDir = path.join(files.dir, RETIRED_INTERCEPT_DIR)
  await mkdir(retiredDir, { recursive: true, mode: 0o700 })
  await writeFile(path.join(retiredDir, `${fingerprint.replaceAll(':', '').toLowerCase()}.pem`), certPem, { mode: 0o644 })
}

/**
 * The CA there, or `unusable` for one that is corrupt, half-written or expired: devproxy made it
 * for a list and makes it again when a list needs it, so such a CA is replaced, not reported.
 * Files that cannot be read at all (permissions) are still an error.
 */
async function readExisting(files: CaFiles, now: Date | undefined): Promise<LocalCa | 'unusable' | undefined> {
  try {
    return await readStoredCa(files, now)
  } catch (error) {
    if (error instanceof LocalCaError && error.code === 'ca_invalid') return 'unusable'
    throw error
  }
}

/** The intercept CA in `dir` if one was made there, never making one (`devproxy trust --intercept`). */
export async function readInterceptCa(dir?: string, now?: Date): Promise<{ ca: LocalCa; files: CaFiles } | undefined> {
  const files = interceptCaFiles(dir)
  const ca = await readStoredCa(files, now)
  return ca === undefined ? undefined : { ca, files }
}
