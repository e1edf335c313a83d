import { describe, expect, it } from 'vitest'
import { formatBytes, formatClock, formatDuration } from '../../src/terminal/format.js'

describe('formatBytes: binary units (KiB, MiB, GiB), the units devproxy counts in (--max-body, the demo\'s ?mb=, the inspector\'s MB)', () => {
  it.each([
    { bytes: 0, text: '0 B' },
    { bytes: 512, text: '512 B' },
    { bytes: 1_023, text: '1023 B' },
    { bytes: 1_024, text: '1.0 KiB' },
    { bytes: 1_234, text: '1.2 KiB' },
    { bytes: 10_188, text: '9.9 KiB' },
    { bytes: 12_345, text: '12 KiB' },
    { bytes: 256 * 1024, text: '256 KiB' },
    { bytes: 1024 * 1024, text: '1.0 MiB' },
    { bytes: 3_400_000, text: '3.2 MiB' },
    { bytes: 10 * 1024 * 1024, text: '10 MiB' },
    // The demo's /download?mb=500: 500 MiB, not "524 MB".
    { bytes: 500 * 1024 * 1024, text: '500 MiB' },
    { bytes: 2.5 * 1024 ** 3, text: '2.5 GiB' },
    { bytes: 7 * 1024 ** 4, text: '7.0 TiB' },
    { bytes: 5000 * 1024 ** 4, text: '5000 TiB' },
  ])('$bytes → $text', ({ bytes, text }) => {
    expect(formatBytes(bytes)).toBe(text)
  })

  // Rounding must not show a count that belongs to the next unit.
  it.each([
    { bytes: 1024 * 1024 - 1, text: '1.0 MiB' },
    { bytes: 1023.6 * 1024, text: '1.0 MiB' },
  ])('$bytes → $text (rounds up into the next unit)', ({ bytes, text }) => {
    expect(formatBytes(bytes)).toBe(text)
  })
})

describe('formatDuration', () => {
  it.each([
    { ms: 0, text: '0.0ms' },
    { ms: 0.4, text: '0.4ms' },
    { ms: 1, text: '1ms' },
    { ms: 12.4, text: '12ms' },
    { ms: 999, text: '999ms' },
    { ms: 1_000, text: '1.00s' },
    { ms: 1_250, text: '1.25s' },
    { ms: 59_000, text: '59.00s' },
    { ms: 60_000, text: '1m00s' },
    { ms: 125_000, text: '2m05s' },
    { ms: 3_600_000, text: '60m00s' },
  ])('$ms ms → $text', ({ ms, text }) => {
    expect(formatDuration(ms)).toBe(text)
  })

  // Rounding must not show a count that belongs to the next unit.
  it.each([
    { ms: 119_600, text: '2m00s' },
    { ms: 59_999, text: '1m00s' },
    { ms: 999.7, text: '1.00s' },
  ])('$ms ms → $text (rounds up into the next unit)', ({ ms, text }) => {
    expect(formatDuration(ms)).toBe(text)
  })
})

describe('formatClock: HH:MM:SS.mmm in local time', () => {
  it.each([
    new Date(2024, 0, 2, 3, 4, 5, 6),
    new Date(2024, 11, 31, 23, 59, 59, 999),
    new Date(2024, 5, 15, 12, 0, 0, 0),
  ])('%s', (date) => {
    const pad = (n: number, w = 2) => String(n).padStart(w, '0')
    const expected = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`
    expect(formatClock(date.getTime())).toBe(expected)
    expect(formatClock(date.getTime())).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3}$/)
  })

  it('stays right across second boundaries (the HH:MM:SS part is reused within a second)', () => {
    const start = new Date(2024, 0, 2, 3, 4, 5, 998).getTime()
    expect([0, 1, 2, 3, 1002].map((step) => formatClock(start + step))).toEqual(['03:04:05.998', '03:04:05.999', '03:04:06.000', '03:04:06.001', '03:04:07.000'])
    expect(formatClock(start - 1000)).toBe('03:04:04.998')
  })

  it('03:04:05.006 for a local 03:04:05.006', () => {
    expect(formatClock(new Date(2024, 0, 2, 3, 4, 5, 6).getTime())).toBe('03:04:05.006')
  })
})
