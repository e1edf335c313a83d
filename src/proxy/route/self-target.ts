import type { ResolvedRoute } from '../../config/types.js'

/**
 * Targets that are the proxy's own listen address: a request sent there comes straight back
 * (`--target http://127.0.0.1:8080 --port 8080`). Pure: the bound host and port are passed in.
 * Loopback names are one machine, and a proxy bound to every address (0.0.0.0, ::) is reached
 * through any of them.
 */
export function findSelfTargets(routes: readonly ResolvedRoute[], host: string, port: number): { route: string; target: string }[] {
  const found: { route: string; target: string }[] = []
  for (const route of routes) {
    for (const target of route.targets) {
      const targetPort = Number(target.port) || (target.protocol === 'https:' ? 443 : 80)
      if (targetPort === port && sameHost(bare(target.hostname), host)) found.push({ route: route.name, target: target.origin })
    }
  }
  return found
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|0\.0\.0\.0|::)$/i
const ANY = new Set(['0.0.0.0', '::'])

function sameHost(targetHost: string, listenHost: string): boolean {
  const target = targetHost.toLowerCase()
  const listen = listenHost.toLowerCase()
  if (target === listen) return true
  if (ANY.has(listen)) return LOOPBACK.test(target)
  return LOOPBACK.test(target) && LOOPBACK.test(listen)
}

function bare(hostname: string): string {
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname
}
