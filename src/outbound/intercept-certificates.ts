import { openInterceptCa } from '../tls/intercept-ca.js'
import { createLeafCache, type LeafServerOptions } from '../tls/leaf-cache.js'

/**
 * The certificates intercepted tunnels are served with: leaves from the intercept CA, a CA
 * name-constrained to exactly the hosts the user named (issue 30, item 2; src/tls/intercept-ca.ts),
 * kept in the data directory beside the localhost CA and made anew when the list names a host it
 * does not cover. The one place the proxy gets them from. Leaves are issued per SNI name.
 */
export async function interceptCertificates(
  hosts: readonly string[],
  dir?: string,
): Promise<{ certificates: LeafServerOptions; caPem: string; caPath: string | undefined; created: boolean }> {
  const { ca, certPath, created } = await openInterceptCa({ hosts, dir })
  const leaves = createLeafCache(ca)
  return { certificates: await leaves.serverOptions(), caPem: ca.certPem, caPath: certPath, created }
}
