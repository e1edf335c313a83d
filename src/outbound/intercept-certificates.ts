import { createLeafCache, type LeafServerOptions } from '../tls/leaf-cache.js'
import { createLocalCa } from '../tls/local-ca.js'

/**
 * The certificates intercepted tunnels are served with: leaves from the intercept CA, a CA
 * name-constrained to exactly the hosts the user named (issue 30, item 2). The one place the
 * proxy gets them from (OUTBOUND-CONTRACT.md).
 *
 * Until the `ca` branch lands this CA lives in memory for the process's lifetime (`caPath`
 * undefined): clients trust it through `caPem`. At merge the body becomes `openInterceptCa` +
 * `createLeafCache`.
 */
export async function interceptCertificates(
  hosts: readonly string[],
  _dir?: string,
): Promise<{ certificates: LeafServerOptions; caPem: string; caPath: string | undefined; created: boolean }> {
  // `*.openai.com` is constrained as `openai.com` (RFC 5280 §4.2.1.10: a DNS name covers its subdomains).
  const { ca } = await createLocalCa({ hosts: hosts.map((host) => (host.startsWith('*.') ? host.slice(2) : host)) })
  const leaves = createLeafCache(ca)
  return { certificates: await leaves.serverOptions(), caPem: ca.certPem, caPath: undefined, created: true }
}
