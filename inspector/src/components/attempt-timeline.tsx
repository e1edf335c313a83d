/** The upstream attempts on one time scale: each bar with its outcome, the backoff before it hatched. */
import type { AttemptView } from '../../../src/inspector/api.js'
import { formatDuration } from '../../../src/terminal/format.js'
import { layoutAttempts } from '../lib/attempt-timeline.js'

export interface AttemptTimelineProps {
  readonly attempts: readonly AttemptView[]
  /** The whole transaction's duration: the scale runs at least this far. */
  readonly totalMs: number
}

function describe(attempt: AttemptView): string {
  const parts = [attempt.outcome ?? 'in flight']
  if (attempt.status !== null) parts.push(String(attempt.status))
  if (attempt.errorCode !== null) parts.push(attempt.errorCode)
  if (attempt.by !== null) parts.push(`by ${attempt.by}`)
  parts.push(formatDuration(attempt.durationMs))
  return parts.join(' · ')
}

export function AttemptTimeline({ attempts, totalMs }: AttemptTimelineProps) {
  const { scaleMs, bars } = layoutAttempts(attempts, totalMs)
  return (
    <div class="timeline" data-testid="attempts">
      {bars.map(({ attempt, leftPct, widthPct, backoffLeftPct, backoffWidthPct, tone }) => (
        <div key={attempt.n} class="timeline-row" data-testid="attempt" data-tone={tone}>
          <div class="timeline-label ellipsis" title={attempt.target}>
            #{attempt.n} {attempt.target}
          </div>
          <div class="timeline-track">
            {backoffWidthPct > 0 && (
              <div
                class="timeline-backoff"
                style={{ left: `${backoffLeftPct}%`, width: `${backoffWidthPct}%` }}
                title={`backoff ${formatDuration(attempt.backoffMs)}`}
              />
            )}
            <div class={`timeline-bar tone-${tone}`} style={{ left: `${leftPct}%`, width: `${widthPct}%` }} title={describe(attempt)} />
          </div>
          <div class="timeline-outcome">
            {describe(attempt)}
            {attempt.backoffMs > 0 && <span class="muted"> after {formatDuration(attempt.backoffMs)} backoff</span>}
            {attempt.retryOf !== null && <span class="muted"> (retry of {attempt.retryOf})</span>}
          </div>
        </div>
      ))}
      <div class="timeline-row muted small">
        <span />
        <span class="timeline-scale">
          <span>0</span>
          <span>{formatDuration(scaleMs)}</span>
        </span>
        <span />
      </div>
    </div>
  )
}
