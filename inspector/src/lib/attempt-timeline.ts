/**
 * Where each upstream attempt sits on the transaction's timeline: its bar, the backoff before it,
 * and a tone for how it ended. Positions are percentages of one scale shared by every row.
 */
import type { AttemptView } from '../../../src/inspector/api.js'

/** `stand-in`: a mock, a hook, a recording answered instead of the upstream. */
export type AttemptTone = 'ok' | 'error' | 'fault' | 'stand-in'

export interface AttemptBar {
  readonly attempt: AttemptView
  readonly leftPct: number
  readonly widthPct: number
  readonly backoffLeftPct: number
  readonly backoffWidthPct: number
  readonly tone: AttemptTone
}

/** A zero-length attempt (a fault answering at once) still gets a visible sliver. */
const MIN_WIDTH_PCT = 0.5

export function attemptTone(attempt: AttemptView): AttemptTone {
  if (attempt.by === 'fault') return 'fault'
  if (attempt.outcome !== 'response' || (attempt.status !== null && attempt.status >= 500)) return 'error'
  return attempt.by === null ? 'ok' : 'stand-in'
}

export function layoutAttempts(attempts: readonly AttemptView[], totalMs: number): { scaleMs: number; bars: AttemptBar[] } {
  const scaleMs = Math.max(1, totalMs, ...attempts.map((a) => a.startMs + a.durationMs))
  const pct = (ms: number) => Math.max(0, Math.min(100, (ms / scaleMs) * 100))
  const bars = attempts.map((attempt) => {
    const leftPct = pct(attempt.startMs)
    const backoffLeftPct = pct(attempt.startMs - attempt.backoffMs)
    return {
      attempt,
      leftPct,
      widthPct: Math.min(100 - leftPct, Math.max(MIN_WIDTH_PCT, pct(attempt.durationMs))),
      backoffLeftPct,
      backoffWidthPct: leftPct - backoffLeftPct,
      tone: attemptTone(attempt),
    }
  })
  return { scaleMs, bars }
}
