import type { Server as TlsServer } from 'node:tls'
import type { ResolvedConfig } from '../../config/types.js'
import { describeOutdatedCa } from '../../tls/ca-restrictions.js'
import { openLocalCa } from '../../tls/ca-store.js'
import { createLeafCache, type LeafServerOptions } from '../../tls/leaf-cache.js'
import { requireCovered } from '../../tls/local-ca.js'

export interface ListenerCertificates {
  /** `{ key, cert, SNICallback }` for the HTTPS listener. */
  readonly options: LeafServerOptions
  readonly certFile: string
  /** This start made the CA: no client trusts it yet. */
  readonly created: boolean
  /** The CA was made by an older devproxy: what it does not restrict and how to replace it, in one line. */
  readonly outdated: string | undefined
  /** Keeps the listener's default certificate renewed; returns the stop. */
  keepFresh(server: TlsServer): () => void
}

/**
 * The HTTPS listener's certificates, from the local CA (made on first use). Every host a route
 * names is checked against the CA's name constraints and issued now, off the request path: a
 * name the CA cannot cover fails the start, with the way to fix it, instead of a browser tab.
 */
export async function prepareCertificates(config: ResolvedConfig, caDir: string | undefined): Promise<ListenerCertificates> {
  const { ca, files, created } = await openLocalCa({ dir: caDir })
  const names = new Set<string>(['localhost'])
  for (const route of config.routes) {
    if (route.host === undefined) continue
    // `*.app.localhost`: every name under the suffix is judged alike, so one stands for all.
    if (route.host.startsWith('*.')) {
      requireCovered(ca, `devproxy${route.host.slice(1)}`)
      continue
    }
    requireCovered(ca, route.host)
    names.add(route.host)
  }
  const leaves = createLeafCache(ca)
  await leaves.prepare([...names])
  return {
    options: await leaves.serverOptions(),
    certFile: files.certFile,
    created,
    outdated: describeOutdatedCa(ca),
    keepFresh: (server) => leaves.keepServerCertificate(server),
  }
}
