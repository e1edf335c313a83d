import type { ResolvedRoute } from './types.js'

/**
 * One warning per route with `secure: false`: its https:// targets are reached without
 * checking who answers, which is fine for a dev server's self-signed certificate and worth
 * saying out loud everywhere else. Pure; `start` and `check` print the lines.
 */
export function insecureRouteWarnings(routes: readonly ResolvedRoute[]): string[] {
  return routes.flatMap((route) => {
    if (route.tls.rejectUnauthorized) return []
    const targets = route.targets.filter((t) => t.protocol === 'https:').map((t) => t.origin)
    if (targets.length === 0) return []
    const whose = targets.length === 1 ? `the certificate of ${targets[0]} is` : `the certificates of ${targets.join(', ')} are`
    return [`route ${route.name} has secure: false, so ${whose} not verified (any certificate is accepted). Give it ca: "path/to/rootCA.pem" instead to trust just the dev server's CA.`]
  })
}
