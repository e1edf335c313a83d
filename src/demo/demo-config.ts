import type { UserConfig } from '../config/types.js'

/** Routes for `devproxy start --demo`: the API under /api, everything else (SSE, download, ws) at the root. */
export function demoConfig(upstreamUrl: string): UserConfig {
  return {
    routes: [
      { name: 'api', path: '/api', target: upstreamUrl, timeoutMs: 10_000 },
      { name: 'demo', path: '/', target: upstreamUrl },
    ],
  }
}

/** Commands to paste into a second terminal, pointed at the running proxy. */
export function demoTryLines(proxyUrl: string): string[] {
  return [
    `curl ${proxyUrl}/api/users`,
    `curl -X POST ${proxyUrl}/api/users -H 'content-type: application/json' -d '{"name":"Ada"}'`,
    `curl '${proxyUrl}/api/slow?ms=1500'            # slow endpoint`,
    `curl '${proxyUrl}/api/slow?ms=15000'           # over the 10 s timeout: 504`,
    `curl ${proxyUrl}/api/status/503                # upstream error, forwarded`,
    `curl -N '${proxyUrl}/events?count=5'           # server-sent events, streamed`,
    `curl -o /dev/null '${proxyUrl}/download?mb=500' # large download, streamed`,
    `WebSocket echo: ${proxyUrl.replace(/^http/, 'ws')}/ws`,
  ]
}
