import type { Entry } from 'har-format'
import type { StandIn } from '../proxy/index.js'
import { recordedHeadersMs } from './har-timings.js'
import { replayResponse } from './replay-answer.js'
import type { ReplayIndex } from './replay-match.js'

/** `devproxy replay`: what the recording answers with, and where misses go. */
export interface ReplaySource {
  readonly index: ReplayIndex
  /** Routes whose misses are forwarded to the live target (`--fallthrough`). */
  readonly fallthroughRoutes: ReadonlySet<string>
  /** What answers, as the log and `--json` name it in place of a target: `replay session1.har`. */
  readonly name: string
  /**
   * `fast` (default): every answer at once. `recorded`: each answer after the time the recorded
   * one took to its headers (HAR `timings` up to `wait`: har-timings.ts), and a streamed body
   * chunk by chunk at its recorded times (`_devproxy.chunks`).
   */
  readonly pace?: 'fast' | 'recorded' | undefined
}

/** Request bodies up to this size are read whole in replay mode, to match them. */
const REPLAY_MATCH_BYTES = 10 * 1024 * 1024

/**
 * The recording standing in for the upstream (DESIGN.md §3): a hit is served as recorded, a
 * miss is answered 404 `replay_miss` — or, on a `--fallthrough` route, left to the live target.
 */
export function createReplayStandIn(source: ReplaySource): StandIn {
  return {
    kind: 'replay',
    serves: () => true,
    bodyBytes: () => REPLAY_MATCH_BYTES,
    answer({ route, tx, url, body, headers }) {
      const match = source.index.match({ method: tx.method, url, body, headers })
      if (match.kind === 'miss' && source.fallthroughRoutes.has(route.name)) {
        tx.replay = 'fallthrough'
        return undefined
      }
      const paced = source.pace === 'recorded'
      const answer = () => ({ kind: 'respond', response: replayResponse(match, tx, url, paced), by: 'replay', name: source.name }) as const
      const waitMs = paced && match.kind === 'hit' ? recordedHeadersMs(match.entry.timings) : 0
      return waitMs > 0 ? new Promise((resolve) => setTimeout(() => resolve(answer()), waitMs)) : answer()
    },
    refuseUpgrade(route, url) {
      // Replaying is offline: nothing goes to a live service unless --fallthrough says so.
      if (source.fallthroughRoutes.has(route.name)) return undefined
      return {
        type: 'replay_websocket_not_recorded',
        details: {
          message: `WebSocket traffic is not recorded in HAR: devproxy replay cannot answer the upgrade for ${url}`,
          hint: 'Use --fallthrough to send it to the live service (the routes of proxy.config.ts, or --target).',
          route: route.name,
        },
      }
    },
  }
}
