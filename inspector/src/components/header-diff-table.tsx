/** Headers before and after the proxy, one row per name, marked as `devproxy -v` marks them. */
import { useState } from 'preact/hooks'
import type { HeaderDiffRow } from '../../../src/inspector/api.js'

const MARKS: Record<HeaderDiffRow['change'], string> = { same: '', added: '+', removed: '-', changed: '~' }

export interface HeaderDiffTableProps {
  readonly rows: readonly HeaderDiffRow[]
  readonly testId: string
  readonly beforeLabel: string
  readonly afterLabel: string
}

export function HeaderDiffTable({ rows, testId, beforeLabel, afterLabel }: HeaderDiffTableProps) {
  const [changesOnly, setChangesOnly] = useState(false)
  const changed = rows.filter((row) => row.change !== 'same').length
  const shown = changesOnly ? rows.filter((row) => row.change !== 'same') : rows
  return (
    <div>
      <label class="muted small">
        <input type="checkbox" checked={changesOnly} onChange={() => setChangesOnly(!changesOnly)} /> changes only ({changed})
      </label>
      <table class="header-diff" data-testid={testId}>
        <thead>
          <tr>
            <th class="mark" />
            <th>Name</th>
            <th>{beforeLabel}</th>
            <th>{afterLabel}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((row, i) => (
            <tr key={i} class={`change-${row.change}`} data-change={row.change}>
              <td class="mark">{MARKS[row.change]}</td>
              <td class="name">{row.name}</td>
              {row.change === 'same' ? (
                <td colSpan={2}>{row.after ?? row.before}</td>
              ) : (
                <>
                  <td class="before">{row.before ?? ''}</td>
                  <td class="after">{row.after ?? ''}</td>
                </>
              )}
            </tr>
          ))}
          {shown.length === 0 && (
            <tr>
              <td colSpan={4} class="muted">
                {rows.length === 0 ? 'No headers.' : 'No changes.'}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  )
}
