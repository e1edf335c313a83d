/**
 * The live list's scrolling: it follows the newest row until the user scrolls up, and then holds
 * the rows they look at still while new ones arrive and old ones are dropped.
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks'
import type { TransactionSummary } from '../../../src/inspector/api.js'
import { isPinnedToBottom } from '../lib/virtual-window.js'

export function useFollowNewest(rows: readonly TransactionSummary[], rowPx: number) {
  const scroller = useRef<HTMLDivElement>(null)
  const [scrollTopPx, setScrollTopPx] = useState(0)
  const [viewportPx, setViewportPx] = useState(0)
  /** The rows as last laid out, which the scroll position still refers to when new ones come. */
  const committed = useRef<readonly TransactionSummary[]>([])
  /** Following the newest row. Only the user's scrolling changes it, never a resize or our own scrolling. */
  const pinned = useRef(true)
  /**
   * scrollTop as of the last scroll event or our own change. Another value means the user
   * scrolled and the event has not fired yet (a wheel tick just before a batch): that scroll
   * must not be undone.
   */
  const knownTopPx = useRef(0)

  const scrollTo = (element: HTMLElement, topPx: number) => {
    element.scrollTop = topPx
    knownTopPx.current = element.scrollTop
  }

  useLayoutEffect(() => {
    const element = scroller.current!
    // A list that shrinks (the panels below filled in) keeps its scrollTop, which is then no
    // longer the bottom.
    const observer = new ResizeObserver(() => {
      if (pinned.current) scrollTo(element, element.scrollHeight)
      setViewportPx(element.clientHeight)
    })
    observer.observe(element)
    setViewportPx(element.clientHeight)
    return () => observer.disconnect()
  }, [])

  // After the rows change, before the browser paints: stay at the bottom, or on the same rows
  // (the scroll position still counts in the rows it was set for).
  useLayoutEffect(() => {
    const element = scroller.current!
    const previous = committed.current
    committed.current = rows
    const topPx = element.scrollTop
    if (topPx !== knownTopPx.current) {
      pinned.current = isPinnedToBottom(topPx, element.clientHeight, previous.length * rowPx, rowPx / 2)
    }
    if (pinned.current) {
      scrollTo(element, element.scrollHeight)
    } else {
      const first = Math.floor(topPx / rowPx)
      const anchor = previous[first]
      if (anchor !== undefined && rows[first]?.id !== anchor.id) {
        const index = rows.findIndex((tx) => tx.id === anchor.id)
        if (index >= 0) scrollTo(element, index * rowPx + (topPx - first * rowPx))
      }
    }
    setScrollTopPx(element.scrollTop)
  }, [rows])

  const onScroll = () => {
    const element = scroller.current!
    const topPx = element.scrollTop
    if (isPinnedToBottom(topPx, element.clientHeight, element.scrollHeight, rowPx / 2)) pinned.current = true
    else if (topPx !== knownTopPx.current) pinned.current = false
    knownTopPx.current = topPx
    setScrollTopPx(topPx)
  }

  return { scroller, scrollTopPx, viewportPx, onScroll }
}
