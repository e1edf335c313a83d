import type { Random } from '../proxy/index.js'
import type { FaultAction, FaultSpec } from './types.js'

/** The statuses a 5xx fault draws from when it names none (`--5xx`). */
export const FIVE_XX = [500, 502, 503, 504] as const

/** What a fault that fired does this time: the status drawn, the delay drawn. Pure. */
export function chooseAction(spec: FaultSpec, random: Random): FaultAction {
  switch (spec.kind) {
    case '5xx':
      return { kind: 'respond', status: pick(spec.statuses ?? FIVE_XX, random), retryAfterS: spec.retryAfterS }
    case 'status':
      return { kind: 'respond', status: pick(spec.statuses ?? [500], random), retryAfterS: spec.retryAfterS }
    case 'latency': {
      const [lo, hi] = spec.latencyMs ?? [0, 0]
      return { kind: 'delay', ms: Math.round(lo + random() * (hi - lo)) }
    }
    case 'timeout':
      return { kind: 'hang' }
    case 'reset':
      return { kind: 'reset' }
    case 'truncate':
      return { kind: 'truncate' }
    case 'throttle':
      return { kind: 'throttle', bytesPerSecond: Math.max(1, Math.round((spec.kbps ?? 1) * 1024)) }
  }
}

function pick<T>(values: readonly T[], random: Random): T {
  return values[Math.min(values.length - 1, Math.floor(random() * values.length))] as T
}
