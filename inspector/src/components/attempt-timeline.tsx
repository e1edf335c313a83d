/**
 * The upstream attempts on one time scale: each bar with its outcome, the backoff before it
 * hatched. An attempt whose phases were timed is drawn as a waterfall of them (pool wait,
 * connect, TLS, upload, wait, receive; the untimed left out), with their numbers in a table.
 */
import { PHASE_NAMES, type AttemptView } from '../../../src/inspector/api.js'
import { formatDuration } from '../../../src/terminal/format.js'
import { formatPhaseMs, layoutAttempts, PHASE_LABELS, type AttemptBar, type PhaseSegment } from '../lib/attempt-timeline.js'

export interface AttemptTimelineProps {
  readonly attempts: readonly AttemptView[]
  /** The whole transaction's duration: the scale runs at least this far. */
  readonly totalMs: number
}

/** A phase's bar is labelled inside when it is at least this wide; always in its tooltip. */
const LABEL_MIN_PCT = 12

function describe(attempt: AttemptView): string {
  const parts = [attempt.outcome ?? 'in flight']
  if (attempt.status !== null) parts.push(String(attempt.status))
  if (attempt.errorCode !== null) parts.push(attempt.errorCode)
  if (attempt.by !== null) parts.push(`by ${attempt.by}`)
  parts.push(formatDuration(attempt.durationMs))
  return parts.join(' · ')
}

function phaseTitle(attempt: AttemptView, phase: PhaseSegment): string {
  return `#${attempt.n} ${PHASE_LABELS[phase.name]} ${formatPhaseMs(phase.ms)}, from ${formatPhaseMs(phase.startMs)} to ${formatPhaseMs(phase.startMs + phase.ms)}`
}

function Track({ bar }: { readonly bar: AttemptBar }) {
  const { attempt, tone } = bar
  return (
    <div class="timeline-track">
      {bar.backoffWidthPct > 0 && (
        <div
          class="timeline-backoff"
          data-testid="backoff"
          style={{ left: `${bar.backoffLeftPct}%`, width: `${bar.backoffWidthPct}%` }}
          title={`backoff ${formatPhaseMs(attempt.backoffMs)} before #${attempt.n}`}
        />
      )}
      {bar.phases.length === 0 ? (
        <div class={`timeline-bar tone-${tone}`} style={{ left: `${bar.leftPct}%`, width: `${bar.widthPct}%` }} title={describe(attempt)} />
      ) : (
        bar.phases.map((phase) => (
          <div
            key={phase.name}
            class={`timeline-phase phase-${phase.name}`}
            data-testid="phase"
            data-phase={phase.name}
            style={{ left: `${phase.leftPct}%`, width: `${phase.widthPct}%` }}
            title={phaseTitle(attempt, phase)}
          >
            {phase.widthPct >= LABEL_MIN_PCT ? PHASE_LABELS[phase.name] : ''}
          </div>
        ))
      )}
    </div>
  )
}

/**
 * The numbers: a column per attempt (there are few), a row per phase in the order they happen,
 * its swatch the key to the bars' colors; – for a phase the attempt never went through.
 */
function PhaseTable({ attempts }: { readonly attempts: readonly AttemptView[] }) {
  return (
    <table class="phase-table" data-testid="phase-table">
      <thead>
        <tr>
          <th />
          {attempts.map((attempt) => (
            <th key={attempt.n}>#{attempt.n}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        <tr data-row="backoff">
          <th>backoff</th>
          {attempts.map((attempt) => (
            <td key={attempt.n}>{attempt.backoffMs > 0 ? formatPhaseMs(attempt.backoffMs) : '–'}</td>
          ))}
        </tr>
        <tr data-row="start">
          <th>starts at</th>
          {attempts.map((attempt) => (
            <td key={attempt.n}>{formatPhaseMs(attempt.startMs)}</td>
          ))}
        </tr>
        {PHASE_NAMES.map((name) => (
          <tr key={name} data-row={name}>
            <th>
              <span class={`phase-swatch phase-${name}`} /> {PHASE_LABELS[name]}
            </th>
            {attempts.map((attempt) => (
              <PhaseCell key={attempt.n} ms={attempt.phases[name]} />
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function PhaseCell({ ms }: { readonly ms: number | null }) {
  return <td>{ms === null ? '–' : formatPhaseMs(ms)}</td>
}

export function AttemptTimeline({ attempts, totalMs }: AttemptTimelineProps) {
  const { scaleMs, bars } = layoutAttempts(attempts, totalMs)
  const timed = bars.some((bar) => bar.phases.length > 0)
  return (
    <div class="timeline" data-testid="attempts">
      {bars.map((bar) => (
        <div key={bar.attempt.n} class={timed ? 'timeline-row waterfall' : 'timeline-row'} data-testid="attempt" data-tone={bar.tone}>
          <div class="timeline-label ellipsis" title={bar.attempt.target}>
            #{bar.attempt.n} {bar.attempt.target}
          </div>
          <Track bar={bar} />
          {/* Its phases are colored by phase: how it ended is told by the outcome's color. */}
          <div class={timed ? `timeline-outcome tone-text-${bar.tone}` : 'timeline-outcome'}>
            {describe(bar.attempt)}
            {bar.attempt.backoffMs > 0 && <span class="muted"> after {formatDuration(bar.attempt.backoffMs)} backoff</span>}
            {bar.attempt.retryOf !== null && <span class="muted"> (retry of {bar.attempt.retryOf})</span>}
          </div>
        </div>
      ))}
      <div class={timed ? 'timeline-row waterfall muted small' : 'timeline-row muted small'}>
        <span />
        <span class="timeline-scale">
          <span>0</span>
          <span>{formatDuration(scaleMs)}</span>
        </span>
        <span />
      </div>
      {timed && <PhaseTable attempts={attempts} />}
    </div>
  )
}
