import { getProxyForUrl } from 'proxy-from-env'

/**
 * Whether a Node connection to `host:port` goes through the proxy, and which: what the
 * preload's http/https agents ask before each connection. NO_PROXY is read as axios reads it
 * (proxy-from-env, at each call), so the two agree on what stays direct.
 *
 * A connection to the proxy itself is always direct: axios proxies plain-HTTP URLs by itself,
 * sending the absolute-form request to the proxy through `http.globalAgent`; sent through the
 * proxy again it would be proxied twice (and a loop under `--proxy-loopback`).
 */
export function proxyFor(protocol: 'http:' | 'https:', host: string, port: number): URL | undefined {
  const bare = host.replace(/^\[|\]$/g, '')
  const found = getProxyForUrl(`${protocol}//${bare.includes(':') ? `[${bare}]` : bare}:${port}`)
  if (found === '') return undefined
  let proxy: URL
  try {
    proxy = new URL(found)
  } catch {
    return undefined
  }
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') return undefined
  return isSameEndpoint(proxy, bare, port) ? undefined : proxy
}

function isSameEndpoint(proxy: URL, host: string, port: number): boolean {
  const proxyPort = Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80))
  if (proxyPort !== port) return false
  const proxyHost = proxy.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  const target = host.toLowerCase()
  return proxyHost === target || (isLoopback(proxyHost) && isLoopback(target))
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
