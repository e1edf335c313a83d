/**
 * Where each upstream attempt sits on the transaction's timeline: its bar, or its phases end to
 * end as a waterfall when they were timed (issue 29), the backoff before it, and a tone for how
 * it ended. Positions are percentages of one scale shared by every row.
 */
import { PHASE_NAMES, type AttemptView, type PhaseName } from '../../../src/inspector/api.js'
import { formatDuration } from '../../../src/terminal/format.js'

/** `stand-in`: a mock, a hook, a recording answered instead of the upstream. */
export type AttemptTone = 'ok' | 'error' | 'fault' | 'stand-in'

/** What each phase is called on the page: its bar, its tooltip, the table's column. */
export const PHASE_LABELS: Readonly<Record<PhaseName, string>> = {
  poolWait: 'pool wait',
  connect: 'connect',
  tls: 'TLS',
  upload: 'upload',
  wait: 'wait',
  receive: 'receive',
}

/** One timed phase of an attempt, placed on the scale. */
export interface PhaseSegment {
  readonly name: PhaseName
  readonly ms: number
  /** When it began, ms since the transaction started. */
  readonly startMs: number
  readonly leftPct: number
  readonly widthPct: number
}

export interface AttemptBar {
  readonly attempt: AttemptView
  readonly leftPct: number
  readonly widthPct: number
  readonly backoffLeftPct: number
  readonly backoffWidthPct: number
  readonly tone: AttemptTone
  /** Its timed phases in order, the untimed left out; empty when none was timed (then the bar shows). */
  readonly phases: readonly PhaseSegment[]
}

/** A zero-length attempt (a fault answering at once) still gets a visible sliver. */
const MIN_WIDTH_PCT = 0.5
/** A phase too short to see at this scale (a 0.2 ms pool wait beside a 2 s wait) still gets a sliver to hover. */
const MIN_PHASE_WIDTH_PCT = 0.3

export function attemptTone(attempt: AttemptView): AttemptTone {
  if (attempt.by === 'fault') return 'fault'
  if (attempt.outcome !== 'response' || (attempt.status !== null && attempt.status >= 500)) return 'error'
  return attempt.by === null ? 'ok' : 'stand-in'
}

/** The attempt's timed phases, end to end from its start (ms since the transaction started). */
export function phaseSpans(attempt: AttemptView): Array<{ name: PhaseName; ms: number; startMs: number }> {
  const spans: Array<{ name: PhaseName; ms: number; startMs: number }> = []
  let at = attempt.startMs
  for (const name of PHASE_NAMES) {
    const ms = attempt.phases[name]
    if (ms === null) continue
    spans.push({ name, ms, startMs: at })
    at += ms
  }
  return spans
}

export function layoutAttempts(attempts: readonly AttemptView[], totalMs: number): { scaleMs: number; bars: AttemptBar[] } {
  const spans = attempts.map(phaseSpans)
  const phasesEnd = spans.flatMap((one) => (one.length === 0 ? [] : [one.at(-1)!.startMs + one.at(-1)!.ms]))
  const scaleMs = Math.max(1, totalMs, ...attempts.map((a) => a.startMs + a.durationMs), ...phasesEnd)
  const pct = (ms: number) => Math.max(0, Math.min(100, (ms / scaleMs) * 100))
  const bars = attempts.map((attempt, i) => {
    const leftPct = pct(attempt.startMs)
    const backoffLeftPct = pct(attempt.startMs - attempt.backoffMs)
    return {
      attempt,
      leftPct,
      widthPct: Math.min(100 - leftPct, Math.max(MIN_WIDTH_PCT, pct(attempt.durationMs))),
      backoffLeftPct,
      backoffWidthPct: leftPct - backoffLeftPct,
      tone: attemptTone(attempt),
      phases: spans[i]!.map((span) => {
        const left = pct(span.startMs)
        return { ...span, leftPct: left, widthPct: Math.min(100 - left, Math.max(MIN_PHASE_WIDTH_PCT, pct(span.ms))) }
      }),
    }
  })
  return { scaleMs, bars }
}

/** A phase's ms as the waterfall's tooltips and table give them: tenths below 10 ms (a 1.5 ms connect is not `2ms`). */
export function formatPhaseMs(ms: number): string {
  return ms < 9.95 ? `${ms.toFixed(1)}ms` : formatDuration(ms)
}
