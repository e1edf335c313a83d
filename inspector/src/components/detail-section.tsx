/** A collapsible part of the detail pane; it stays as the user left it while they step through rows. */
import type { ComponentChildren } from 'preact'

export interface DetailSectionProps {
  readonly title: string
  readonly note?: string
  /** Default true. */
  readonly open?: boolean
  readonly children: ComponentChildren
}

export function DetailSection({ title, note, open = true, children }: DetailSectionProps) {
  return (
    <details class="section" open={open}>
      <summary>
        {title}
        {note !== undefined && <span class="muted"> {note}</span>}
      </summary>
      <div class="section-body">{children}</div>
    </details>
  )
}
