import { describe, expect, it } from 'vitest'
import { computeWindow, isPinnedToBottom, moveSelection, scrollTopToReveal, selectionForKey } from '../../inspector/src/lib/virtual-window.js'

describe('computeWindow: the rows a scroll position renders', () => {
  const base = { rowPx: 20, viewportPx: 100, overscan: 2 }

  it.each([
    { case: 'the top of a long list', scrollTopPx: 0, count: 10_000, window: { start: 0, end: 8, offsetPx: 0, totalPx: 200_000 } },
    { case: 'the middle: overscan both sides', scrollTopPx: 1000, count: 10_000, window: { start: 48, end: 58, offsetPx: 960, totalPx: 200_000 } },
    { case: 'part-way into a row', scrollTopPx: 1010, count: 10_000, window: { start: 48, end: 58, offsetPx: 960, totalPx: 200_000 } },
    { case: 'the bottom: stops at the last row', scrollTopPx: 199_900, count: 10_000, window: { start: 9993, end: 10_000, offsetPx: 199_860, totalPx: 200_000 } },
    { case: 'scrolled past the end after rows went: clamped', scrollTopPx: 5000, count: 10, window: { start: 3, end: 10, offsetPx: 60, totalPx: 200 } },
    { case: 'fewer rows than fit', scrollTopPx: 0, count: 3, window: { start: 0, end: 3, offsetPx: 0, totalPx: 60 } },
    { case: 'no rows', scrollTopPx: 0, count: 0, window: { start: 0, end: 0, offsetPx: 0, totalPx: 0 } },
  ])('$case', ({ scrollTopPx, count, window }) => {
    expect(computeWindow({ ...base, scrollTopPx, count })).toEqual(window)
  })

  it('renders a bounded number of rows however long the list', () => {
    const { start, end } = computeWindow({ scrollTopPx: 123_456, viewportPx: 800, rowPx: 24, count: 1_000_000, overscan: 10 })
    expect(end - start).toBeLessThanOrEqual(Math.ceil(800 / 24) + 1 + 20)
  })
})

describe('isPinnedToBottom: whether new rows should scroll into view', () => {
  it.each([
    { case: 'at the very bottom', scrollTopPx: 900, pinned: true },
    { case: 'a fraction of a pixel short (zoom)', scrollTopPx: 899.5, pinned: true },
    { case: 'within the tolerance', scrollTopPx: 890, pinned: true },
    { case: 'scrolled up', scrollTopPx: 500, pinned: false },
  ])('$case', ({ scrollTopPx, pinned }) => {
    expect(isPinnedToBottom(scrollTopPx, 100, 1000, 12)).toBe(pinned)
  })

  it('content shorter than the view is pinned', () => {
    expect(isPinnedToBottom(0, 500, 100, 0)).toBe(true)
  })
})

describe('scrollTopToReveal: the least scroll that shows a row', () => {
  it.each([
    { case: 'already in view: no scroll', index: 2, scrollTopPx: 0, result: 0 },
    { case: 'above the view: its top at the top', index: 1, scrollTopPx: 100, result: 20 },
    { case: 'below the view: its bottom at the bottom', index: 10, scrollTopPx: 0, result: 120 },
    { case: 'half hidden at the bottom', index: 5, scrollTopPx: 10, result: 20 },
  ])('$case', ({ index, scrollTopPx, result }) => {
    expect(scrollTopToReveal(index, scrollTopPx, 100, 20)).toBe(result)
  })
})

describe('moveSelection: arrow keys over the rows', () => {
  it.each([
    { case: 'down from nothing: the first', current: -1, delta: 1, result: 0 },
    { case: 'up from nothing: the last', current: -1, delta: -1, result: 9 },
    { case: 'down one', current: 3, delta: 1, result: 4 },
    { case: 'up one', current: 3, delta: -1, result: 2 },
    { case: 'stops at the top', current: 0, delta: -1, result: 0 },
    { case: 'stops at the bottom', current: 9, delta: 1, result: 9 },
    { case: 'a page past the end: the last', current: 5, delta: 20, result: 9 },
  ])('$case', ({ current, delta, result }) => {
    expect(moveSelection(current, delta, 10)).toBe(result)
  })

  it('no rows: no selection', () => {
    expect(moveSelection(-1, 1, 0)).toBe(-1)
  })
})

describe('selectionForKey: the navigation keys', () => {
  it.each([
    { key: 'ArrowDown', current: 3, result: 4 },
    { key: 'ArrowUp', current: 3, result: 2 },
    { key: 'PageDown', current: 3, result: 8 },
    { key: 'PageUp', current: 3, result: 0 },
    { key: 'Home', current: 3, result: 0 },
    { key: 'End', current: 3, result: 9 },
    { key: 'End', current: -1, result: 9 },
    { key: 'Enter', current: 3, result: null },
    { key: 'a', current: 3, result: null },
  ])('$key from $current → $result', ({ key, current, result }) => {
    expect(selectionForKey(key, current, 10, 5)).toBe(result)
  })

  it('Home in an empty list selects nothing', () => {
    expect(selectionForKey('Home', -1, 0, 5)).toBe(-1)
    expect(selectionForKey('End', -1, 0, 5)).toBe(-1)
  })
})
