/**
 * The arithmetic of a virtualized list with a fixed row height: which rows to render for a
 * scroll position, whether the view is pinned to the newest row, and where to scroll to reveal one.
 */

export interface WindowInput {
  readonly scrollTopPx: number
  readonly viewportPx: number
  readonly rowPx: number
  readonly count: number
  /** Rows rendered beyond each edge, so a fast scroll does not flash blank. */
  readonly overscan: number
}

export interface VirtualWindow {
  /** First row rendered. */
  readonly start: number
  /** One past the last row rendered. */
  readonly end: number
  /** Where row `start` sits from the top of the content. */
  readonly offsetPx: number
  /** The whole content's height: what the scrollbar measures. */
  readonly totalPx: number
}

export function computeWindow({ scrollTopPx, viewportPx, rowPx, count, overscan }: WindowInput): VirtualWindow {
  const totalPx = count * rowPx
  // The scroll position can briefly exceed the content after rows were dropped.
  const top = Math.max(0, Math.min(scrollTopPx, totalPx - viewportPx))
  const first = Math.floor(top / rowPx)
  const visible = Math.ceil(viewportPx / rowPx) + 1
  const start = Math.max(0, first - overscan)
  const end = Math.min(count, first + visible + overscan)
  return { start, end: Math.max(start, end), offsetPx: start * rowPx, totalPx }
}

/** Whether the view shows the end of the content, give or take `tolerancePx` (zoom makes scrollTop fractional). */
export function isPinnedToBottom(scrollTopPx: number, viewportPx: number, contentPx: number, tolerancePx: number): boolean {
  return scrollTopPx + viewportPx >= contentPx - tolerancePx
}

/** The scroll position that shows row `index` whole, moving as little as possible (the current one if it shows already). */
export function scrollTopToReveal(index: number, scrollTopPx: number, viewportPx: number, rowPx: number): number {
  const rowTop = index * rowPx
  if (rowTop < scrollTopPx) return rowTop
  if (rowTop + rowPx > scrollTopPx + viewportPx) return Math.max(0, rowTop + rowPx - viewportPx)
  return scrollTopPx
}

/**
 * The row a key press selects: `delta` rows from `current` (an index, -1 for none), clamped.
 * With nothing selected, down picks the first row and up the last.
 */
export function moveSelection(current: number, delta: number, count: number): number {
  if (count === 0) return -1
  if (current < 0) return delta > 0 ? 0 : count - 1
  return Math.max(0, Math.min(count - 1, current + delta))
}

/**
 * The row a navigation key selects, or null for a key that is not one: ↑/↓ by one, Page Up/Down
 * by `pageRows`, Home and End to the ends.
 */
export function selectionForKey(key: string, current: number, count: number, pageRows: number): number | null {
  switch (key) {
    case 'ArrowDown':
      return moveSelection(current, 1, count)
    case 'ArrowUp':
      return moveSelection(current, -1, count)
    case 'PageDown':
      return moveSelection(current, pageRows, count)
    case 'PageUp':
      return moveSelection(current, -pageRows, count)
    case 'Home':
      return count > 0 ? 0 : -1
    case 'End':
      return count - 1
    default:
      return null
  }
}
