import { basename } from 'node:path'
import type { ResolvedConfig } from '../config/types.js'
import { resolveConfig } from '../features.js'
import { readHarFile } from '../record/har-read.js'
import { createReplayIndex } from '../record/replay-match.js'
import type { ReplaySource } from '../record/replay-stand-in.js'

/**
 * `startProxy({ replay })`: answers from a HAR file as `devproxy replay` does. Without
 * `fallthrough` every request goes to the recording (one catch-all route); with it, the
 * options' routes take their requests and send the misses live, and a catch-all route for
 * the recording is added unless one of them is already the root.
 */
export async function replayConfig(replay: { readonly file: string; readonly fallthrough: boolean }, live: ResolvedConfig, routesGiven: boolean): Promise<{ config: ResolvedConfig; source: ReplaySource }> {
  const read = await readHarFile(replay.file)
  const fallthrough = replay.fallthrough && routesGiven
  // The route names the recorded origin (the log and --json show it); it is never contacted.
  const origin = firstOrigin(read.har.log.entries)
  const replayRoute = resolveConfig({ routes: [{ name: 'replay', path: '/', target: origin }] }).routes
  const hasRoot = fallthrough && live.routes.some((r) => r.path === '/' && !r.host && !r.methods)
  const routes = !fallthrough ? replayRoute : hasRoot ? live.routes : [...live.routes, ...replayRoute]
  return {
    config: Object.freeze({ ...live, routes }),
    source: {
      index: createReplayIndex(read.har.log.entries),
      fallthroughRoutes: new Set(fallthrough ? live.routes.map((r) => r.name) : []),
      name: `replay ${basename(replay.file)}`,
    },
  }
}

function firstOrigin(entries: ReadonlyArray<{ request: { url: string } }>): string {
  for (const entry of entries) {
    try {
      return new URL(entry.request.url).origin
    } catch {
      // keep looking
    }
  }
  return 'http://recording.invalid'
}
