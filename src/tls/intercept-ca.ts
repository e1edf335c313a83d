import { caFiles, readStoredCa, writeCa, type CaFiles } from './ca-store.js'
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
 * does not cover — a CA cannot be widened, and the old one, whose key is gone, signs nothing more.
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
  const fits = (ca: LocalCa | undefined): ca is LocalCa => ca !== undefined && ca.role === 'intercept' && uncoveredHosts(ca.permitted, options.hosts).length === 0
  const existing = await readStoredCa(files, options.now)
  if (fits(existing)) return { ca: existing, certPath: files.certFile, created: false }
  const create = { permitted, ...(options.now === undefined ? {} : { now: options.now }) }
  if (existing === undefined) {
    const made = await writeCa(files, create, 'create')
    if (made !== undefined) return { ca: made, certPath: files.certFile, created: true }
    // Another process made one first: it may be for another list.
    const winner = await readStoredCa(files, options.now)
    if (fits(winner)) return { ca: winner, certPath: files.certFile, created: false }
  }
  return { ca: await writeCa(files, create, 'replace'), certPath: files.certFile, created: true }
}

/** The intercept CA in `dir` if one was made there, never making one (`devproxy trust --intercept`). */
export async function readInterceptCa(dir?: string, now?: Date): Promise<{ ca: LocalCa; files: CaFiles } | undefined> {
  const files = interceptCaFiles(dir)
  const ca = await readStoredCa(files, now)
  return ca === undefined ? undefined : { ca, files }
}
