import { describe, expect, it } from 'vitest'
import { BodyCapture, MAX_TIMED_CHUNKS } from '../../src/proxy/transaction/body-capture.js'
import { recordedBodyNow } from '../../src/record/recorded-body.js'
import { pacedBody, recordedTimeline } from '../../src/record/paced-body.js'

/** Chunk times of a streamed body: taken by the capture, kept by the recording, read back by replay. */
describe('a streamed body keeps when each chunk came', () => {
  it('a timed capture notes [ms, bytes] per chunk, at most MAX_TIMED_CHUNKS (later bytes join the last)', () => {
    const capture = new BodyCapture({}, 1 << 20, true)
    for (let i = 0; i < MAX_TIMED_CHUNKS + 3; i++) capture.add(Buffer.from('ab'))
    capture.end()
    expect(capture.timeline).toHaveLength(MAX_TIMED_CHUNKS)
    expect(capture.timeline!.reduce((sum, [, bytes]) => sum + bytes, 0)).toBe(capture.bytes.length)
    expect(capture.timeline!.at(-1)![1]).toBe(8)
    expect(new BodyCapture({}, 1 << 20).timeline).toBeUndefined()
  })

  it('a body cut at --max-body keeps the times of what was kept', () => {
    const capture = new BodyCapture({}, 1 << 20, true)
    for (const text of ['aaaa', 'bbbb', 'cccc']) capture.add(Buffer.from(text))
    capture.end()
    const recorded = recordedBodyNow(capture, 6)
    expect(recorded).toMatchObject({ truncated: true, timeline: [[expect.any(Number), 4], [expect.any(Number), 2]] })
  })

  it.each([
    { name: 'chunks that add up to the body', chunks: [[0, 2], [5, 3]], bytes: 5, usable: true },
    { name: 'chunks that do not add up', chunks: [[0, 2], [5, 2]], bytes: 5, usable: false },
    { name: 'times that go back', chunks: [[5, 2], [0, 3]], bytes: 5, usable: false },
    { name: 'not pairs', chunks: [[0, 2, 1]], bytes: 2, usable: false },
    { name: 'none', chunks: undefined, bytes: 5, usable: false },
  ])('replay paces by $name: $usable', ({ chunks, bytes, usable }) => {
    expect(recordedTimeline({ _devproxy: { chunks } }, bytes) !== undefined).toBe(usable)
  })

  it('a paced body gives the same bytes, chunk by chunk, never before their time', async () => {
    const started = performance.now()
    const arrivals: Array<[number, string]> = []
    for await (const chunk of pacedBody(Buffer.from('abcdef'), [[0, 1], [30, 2], [60, 3]])) arrivals.push([performance.now() - started, String(chunk)])
    expect(arrivals.map(([, text]) => text)).toEqual(['a', 'bc', 'def'])
    expect(arrivals[1]![0]).toBeGreaterThanOrEqual(29)
    expect(arrivals[2]![0]).toBeGreaterThanOrEqual(59)
  })
})
