import { createSecureContext, type SecureContext, type SecureContextOptions, type Server as TlsServer } from 'node:tls'
import { LEAF_VALIDITY_DAYS, defaultLeafNames, issueLeafCertificate, type LeafCertificate, type LocalCa } from './local-ca.js'
import { parseHostName } from './local-names.js'

/**
 * Leaf certificates by SNI name for a TLS listener: issued on the first handshake that asks for
 * a name (one issuance in flight per name, however many handshakes wait on it), then served from
 * memory as a ready SecureContext, and renewed in the background before they expire, so a
 * handshake waits for the CA only the first time a name is seen.
 */

const DAY_MS = 86_400_000
/** A certificate this close to its end is not served even while its renewal is on the way. */
const EXPIRY_MARGIN_MS = 60_000
/** The key of the certificate for clients that send no SNI. */
const DEFAULT_NAME = ''

export interface LeafCacheOptions {
  /** Renew a certificate when it has fewer days than this left. Default: 30 (of 90). */
  renewBeforeDays?: number
  /** Lifetime of each leaf. Default: LEAF_VALIDITY_DAYS (90). */
  validityDays?: number
  /**
   * Most names kept; the least recently used is dropped beyond it. Default: 1000. A client can
   * send any `*.localhost` name it likes, and each would otherwise stay in memory for good.
   */
  maxEntries?: number
  /**
   * Settings every context shares (minVersion, ciphers, …): the context an SNICallback returns
   * replaces the server's own, so whatever the listener sets must be repeated here. Default: none.
   */
  contextOptions?: SecureContextOptions
  /** Told when a background renewal fails; the current certificate serves until it expires. Default: ignored. */
  onRenewalError?: (error: unknown, servername: string) => void
  /** The clock, in ms. Default: Date.now. */
  now?: () => number
}

export interface IssuedLeaf {
  /** The name it was issued for; '' for the default certificate. */
  readonly servername: string
  readonly certificate: LeafCertificate
  readonly context: SecureContext
}

export type SniCallback = (servername: string, callback: (error: Error | null, context?: SecureContext) => void) => void

export interface LeafServerOptions {
  /** The default certificate: for clients that send no SNI (those that connect to an IP address). */
  readonly key: string
  readonly cert: string
  readonly SNICallback: SniCallback
}

export interface LeafCache {
  /**
   * The certificate for `servername` (a DNS name, or an IP address some clients send); '' or
   * undefined for the default one, which covers localhost and the loopback addresses. Rejects
   * with `host_outside_ca` or `host_invalid` for a name the CA cannot certify.
   */
  get(servername?: string): Promise<IssuedLeaf>
  /** For `tls.createServer` / `http2.createSecureServer`: answers from memory once a name is known. */
  readonly SNICallback: SniCallback
  /** `{ key, cert, SNICallback }` to spread into the server's options. */
  serverOptions(): Promise<LeafServerOptions>
  /**
   * Issues certificates now for names the config already knows, so that their first handshakes
   * do not wait and a name the CA does not cover fails at start rather than in the browser.
   */
  prepare(servernames: readonly string[]): Promise<void>
  /**
   * Keeps `server`'s own (default) certificate fresh: SNI contexts renew by themselves, but the
   * one given at creation is the server's until replaced. Checks every `checkEveryMs` (default:
   * 6 hours; the timer does not hold the process open). Returns a function that stops it.
   */
  keepServerCertificate(server: Pick<TlsServer, 'setSecureContext'>, checkEveryMs?: number): () => void
  /** How many names are held. */
  readonly size: number
}

interface Entry {
  current?: IssuedLeaf
  pending?: Promise<IssuedLeaf>
}

export function createLeafCache(ca: LocalCa, options: LeafCacheOptions = {}): LeafCache {
  const renewBeforeMs = (options.renewBeforeDays ?? 30) * DAY_MS
  const validityDays = options.validityDays ?? LEAF_VALIDITY_DAYS
  const maxEntries = options.maxEntries ?? 1000
  const now = options.now ?? Date.now
  const entries = new Map<string, Entry>()

  /** The entry's certificate if it can be served now, renewing it in the background when due. */
  function servable(name: string, entry: Entry): IssuedLeaf | undefined {
    const current = entry.current
    if (current === undefined) return undefined
    const left = current.certificate.notAfter.getTime() - now()
    if (left <= EXPIRY_MARGIN_MS) return undefined
    if (left < renewBeforeMs && entry.pending === undefined) {
      issue(name, entry).catch((error: unknown) => options.onRenewalError?.(error, name))
    }
    return current
  }

  function issue(name: string, entry: Entry): Promise<IssuedLeaf> {
    entry.pending ??= (async () => {
      try {
        const certificate = await issueLeafCertificate(ca, name === DEFAULT_NAME ? defaultLeafNames(ca) : [name], { validityDays, now: new Date(now()) })
        const context = createSecureContext({ ...options.contextOptions, key: certificate.keyPem, cert: certificate.certPem })
        entry.current = { servername: name, certificate, context }
        return entry.current
      } catch (error) {
        if (entry.current === undefined && entries.get(name) === entry) entries.delete(name)
        throw error
      } finally {
        entry.pending = undefined
      }
    })()
    return entry.pending
  }

  /** The entry for `name`, most recently used last; the least recently used go beyond maxEntries. */
  function entryFor(name: string): Entry {
    const entry = entries.get(name) ?? {}
    entries.delete(name)
    entries.set(name, entry)
    for (const oldest of entries.keys()) {
      if (entries.size <= maxEntries) break
      entries.delete(oldest)
    }
    return entry
  }

  function get(servername = DEFAULT_NAME): Promise<IssuedLeaf> {
    const name = cacheKey(servername)
    const entry = entryFor(name)
    const ready = servable(name, entry)
    return ready === undefined ? issue(name, entry) : Promise.resolve(ready)
  }

  const SNICallback: SniCallback = (servername, callback) => {
    const name = cacheKey(servername)
    const entry = entries.get(name)
    const ready = entry === undefined ? undefined : servable(name, entryFor(name))
    if (ready !== undefined) return callback(null, ready.context)
    get(name).then(
      (leaf) => callback(null, leaf.context),
      (error: Error) => callback(error),
    )
  }

  return {
    get,
    SNICallback,
    async serverOptions() {
      const leaf = await get(DEFAULT_NAME)
      return { key: leaf.certificate.keyPem, cert: leaf.certificate.certPem, SNICallback }
    },
    async prepare(servernames) {
      await Promise.all(servernames.map((servername) => get(servername)))
    },
    keepServerCertificate(server, checkEveryMs = 6 * 3_600_000) {
      let applied: IssuedLeaf | undefined
      void get(DEFAULT_NAME).then((leaf) => (applied ??= leaf), () => {})
      const timer = setInterval(() => {
        get(DEFAULT_NAME).then(
          (leaf) => {
            if (leaf === applied) return
            server.setSecureContext({ ...options.contextOptions, key: leaf.certificate.keyPem, cert: leaf.certificate.certPem })
            applied = leaf
          },
          (error: unknown) => options.onRenewalError?.(error, DEFAULT_NAME),
        )
      }, checkEveryMs)
      timer.unref()
      return () => clearInterval(timer)
    },
    get size() {
      return entries.size
    },
  }
}

/** `App.Localhost.` and `app.localhost` share a certificate; a name that does not parse keeps its text and fails on issuing. */
function cacheKey(servername: string): string {
  if (servername === '') return DEFAULT_NAME
  const name = parseHostName(servername)
  if (!('kind' in name)) return servername
  return name.kind === 'dns' ? name.name : name.address
}
