/** This response's body against the previous response of the same endpoint, as a line diff. */
import { useMemo } from 'preact/hooks'
import type { BodyView } from '../../../src/inspector/api.js'
import { classifyBody, type DecodedBody } from '../lib/body.js'
import { countChanges, diffTextLines, foldUnchanged, prettyForDiff } from '../lib/line-diff.js'

export interface BodyDiffViewProps {
  readonly before: BodyView
  readonly after: BodyView
  readonly previousId: string | null
  readonly onSelect: (id: string) => void
}

function textOf(body: DecodedBody): string | null {
  if (body.kind === 'empty') return ''
  if (body.kind === 'json') return prettyForDiff(body.text, true)
  return 'text' in body ? body.text : null
}

function sameBytes(a: BodyView, b: BodyView): boolean {
  return a.base64 === b.base64
}

export function BodyDiffView({ before, after, previousId, onSelect }: BodyDiffViewProps) {
  const diff = useMemo(() => {
    const was = textOf(classifyBody(before))
    const now = textOf(classifyBody(after))
    if (was === null || now === null) return null
    const lines = diffTextLines(was, now)
    return { rows: foldUnchanged(lines), ...countChanges(lines) }
  }, [before, after])

  const previous =
    previousId === null ? (
      'the previous response'
    ) : (
      <button type="button" class="link-button" onClick={() => onSelect(previousId)}>
        the previous response
      </button>
    )

  if (diff === null) {
    return <p>{sameBytes(before, after) ? <>Byte for byte the same as {previous}.</> : <>Binary, and different from {previous}.</>}</p>
  }
  if (diff.added === 0 && diff.removed === 0) return <p>The same as {previous}.</p>
  return (
    <div data-testid="body-diff">
      <p class="muted">
        Against {previous}: <span class="diff-added">+{diff.added}</span> <span class="diff-removed">−{diff.removed}</span> lines
        {before.truncated || after.truncated ? ' (of truncated captures)' : ''}
      </p>
      <div class="line-diff" role="table">
        {diff.rows.map((row, i) =>
          row.op === 'fold' ? (
            <div key={i} class="diff-fold muted" role="row">
              ⋯ {row.count} unchanged {row.count === 1 ? 'line' : 'lines'}
            </div>
          ) : (
            <div key={i} class={row.op === '+' ? 'diff-line diff-add' : row.op === '-' ? 'diff-line diff-del' : 'diff-line'} role="row">
              <span class="diff-no">{row.beforeLine ?? ''}</span>
              <span class="diff-no">{row.afterLine ?? ''}</span>
              <span class="diff-op">{row.op}</span>
              <span class="diff-text">{row.text}</span>
            </div>
          ),
        )}
      </div>
    </div>
  )
}
