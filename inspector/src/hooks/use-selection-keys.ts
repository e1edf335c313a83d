/**
 * ↑/↓, Page Up/Down, Home and End move the list's selection when the list has focus or nothing
 * does: in the detail pane the same keys scroll it, in a text field they move the caret.
 */
import { useEffect, useRef, type MutableRef } from 'preact/hooks'
import type { TransactionSummary } from '../../../src/inspector/api.js'
import { scrollTopToReveal, selectionForKey } from '../lib/virtual-window.js'

export function useSelectionKeys(
  scroller: MutableRef<HTMLDivElement | null>,
  rows: readonly TransactionSummary[],
  selectedId: string | null,
  onSelect: (id: string) => void,
  rowPx: number,
): void {
  // The listener is added once; it reads the current props from here.
  const latest = useRef({ rows, selectedId, onSelect })
  latest.current = { rows, selectedId, onSelect }

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const element = scroller.current
      if (element === null || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return
      if (event.target !== document.body && !element.contains(event.target as Node)) return
      const { rows, selectedId, onSelect } = latest.current
      const current = selectedId === null ? -1 : rows.findIndex((tx) => tx.id === selectedId)
      const pageRows = Math.max(1, Math.floor(element.clientHeight / rowPx) - 1)
      const next = selectionForKey(event.key, current, rows.length, pageRows)
      if (next === null) return
      event.preventDefault()
      const tx = rows[next]
      if (tx === undefined) return
      onSelect(tx.id)
      // As if the user scrolled: moving up past the view stops following the newest row.
      element.scrollTop = scrollTopToReveal(next, element.scrollTop, element.clientHeight, rowPx)
    }
    window.addEventListener('keydown', onKeyDown)
    return () => window.removeEventListener('keydown', onKeyDown)
  }, [])
}
