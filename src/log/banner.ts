import { targetLabels } from '../config/route-targets.js'
import type { ResolvedConfig, ResolvedRoute } from '../config/types.js'
import type { Palette } from '../terminal/palette.js'
import { padEndColumns, textWidth } from '../terminal/text-width.js'

/**
 * The start-up banner: which command runs (`devproxy record`, `devproxy replay x.har`: as the
 * user typed it), where the proxy listens and where each route goes (`servedBy`: what answers
 * a route instead of its targets, e.g. `replay x.har`).
 */
export function formatBanner(config: ResolvedConfig, url: string, palette: Palette, source: string, command = 'devproxy start', servedBy: (route: ResolvedRoute) => string | undefined = () => undefined): string[] {
  const lines = [`${palette.bold(command)} listening on ${palette.ok(url)} ${palette.dim(`(${source})`)}`]
  const width = Math.max(...config.routes.map((r) => textWidth(r.path)))
  for (const route of config.routes) {
    const filters = [route.host ? `host ${route.host}` : '', route.methods ? route.methods.join(',') : ''].filter(Boolean).join(' ')
    const targets = servedBy(route) ?? targetLabels(route).join(', ')
    const extras = [route.stripPrefix ? 'strip prefix' : '', route.changeOrigin ? 'change origin' : '', route.ws ? '' : 'no ws'].filter(Boolean).join(', ')
    lines.push(
      `  ${padEndColumns(route.path, width)}  →  ${palette.route(targets)}  ${palette.dim(route.name)}${filters ? palette.dim(` [${filters}]`) : ''}${extras ? palette.dim(` (${extras})`) : ''}`,
    )
  }
  return lines
}

/** A bound address anyone on the network can reach deserves a loud line. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
