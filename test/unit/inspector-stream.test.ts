import { EventEmitter } from 'node:events'
import type { ServerResponse } from 'node:http'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ActiveFaultView, RecordingState } from '../../src/inspector/api.js'
import { createEventStream, type EventStreamOptions } from '../../src/inspector/stream.js'
import { fakeTransaction } from '../helpers/transaction.js'

/**
 * The inspector's server-sent events, on a fake clock: what is written to each browser, when,
 * and that nothing runs while none is connected.
 */

/** Enough of a ServerResponse: what was written, and a 'close' to fire. */
class FakeResponse extends EventEmitter {
  readonly writes: string[] = []
  writableLength = 0
  destroyed = false
  writeHead() {
    return this
  }
  write(text: string) {
    this.writes.push(text)
    return true
  }
  end() {
    this.emit('close')
  }
  destroy() {
    this.destroyed = true
    this.emit('close')
  }
  /** The events written, by name. */
  events(): string[] {
    return this.writes.join('').split('\n\n').filter((block) => block.startsWith('event: ')).map((block) => block.slice('event: '.length, block.indexOf('\n')))
  }
}

let faults: ActiveFaultView[]
let recording: RecordingState
let watched: boolean[]
const options = (extra: Partial<EventStreamOptions> = {}): EventStreamOptions => ({
  snapshot: () => ({ transactions: [], faults, recording, history: { maxCount: 1, maxBytes: 1 }, proxyUrl: 'http://127.0.0.1:8080' }),
  metrics: () => ({ routes: [], since: '2026-01-01T00:00:00.000Z' }),
  faults: () => faults,
  recording: () => recording,
  onWatched: (on) => watched.push(on),
  ...extra,
})
const connect = (stream: ReturnType<typeof createEventStream>) => {
  const res = new FakeResponse()
  stream.connect(res as unknown as ServerResponse)
  return res
}

beforeEach(() => {
  vi.useFakeTimers()
  faults = []
  recording = { recording: true, count: 0 }
  watched = []
})
afterEach(() => {
  vi.useRealTimers()
})

describe('createEventStream', () => {
  it('a browser gets the snapshot, then the metrics, in its first write', () => {
    const res = connect(createEventStream(options()))
    expect(res.writes).toHaveLength(1)
    expect(res.events()).toEqual(['snapshot', 'metrics'])
  })

  it('finished transactions go out in one write per 100 ms batch', () => {
    const stream = createEventStream(options())
    const res = connect(stream)
    for (const id of ['1', '2', '3']) stream.publish(fakeTransaction({ id }))
    expect(res.writes).toHaveLength(1)
    vi.advanceTimersByTime(99)
    expect(res.writes).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(res.writes).toHaveLength(2)
    const batch = JSON.parse(res.writes[1]!.split('\ndata: ')[1]!)
    expect(batch.map((row: { id: string }) => row.id)).toEqual(['1', '2', '3'])
  })

  it('metrics every second, a keep-alive comment every 15 s', () => {
    const res = connect(createEventStream(options()))
    vi.advanceTimersByTime(3_000)
    expect(res.events().filter((name) => name === 'metrics')).toHaveLength(4)
    expect(res.writes.filter((text) => text.startsWith(':'))).toHaveLength(0)
    vi.advanceTimersByTime(12_000)
    expect(res.writes.filter((text) => text === ': keep-alive\n\n')).toHaveLength(1)
  })

  it('faults only when they change: told, or seen on the second tick', () => {
    const stream = createEventStream(options())
    const res = connect(stream)
    stream.faultsChanged()
    expect(res.events()).not.toContain('faults')
    faults = [{ id: 'f1', kind: '5xx', description: '5xx 30%', source: 'api', matched: 0, injected: 0 }]
    stream.faultsChanged()
    expect(res.events().filter((name) => name === 'faults')).toHaveLength(1)
    faults = [{ ...faults[0]!, matched: 1 }]
    vi.advanceTimersByTime(1_000)
    expect(res.events().filter((name) => name === 'faults')).toHaveLength(2)
    vi.advanceTimersByTime(1_000)
    expect(res.events().filter((name) => name === 'faults')).toHaveLength(2)
  })

  it('the recording state when it is started or stopped', () => {
    const stream = createEventStream(options())
    const res = connect(stream)
    recording = { recording: false, count: 0 }
    stream.recordingChanged()
    expect(res.events().at(-1)).toBe('recording')
  })

  it("the recording's count rides along with the batch that changed it, in the same write", () => {
    const stream = createEventStream(options())
    const res = connect(stream)
    recording = { recording: true, count: 1 }
    stream.publish(fakeTransaction())
    vi.advanceTimersByTime(100)
    expect(res.writes).toHaveLength(2)
    expect(res.events()).toEqual(['snapshot', 'metrics', 'transactions', 'recording'])
    stream.publish(fakeTransaction())
    vi.advanceTimersByTime(100)
    // The count did not change (recording stopped, say): no second recording event.
    expect(res.events().slice(4)).toEqual(['transactions'])
  })

  it('watched from the first browser to the last; with none, no timer is left', () => {
    const stream = createEventStream(options())
    expect(vi.getTimerCount()).toBe(0)
    const first = connect(stream)
    const second = connect(stream)
    expect(watched).toEqual([true])
    stream.publish(fakeTransaction())
    first.end()
    expect(watched).toEqual([true])
    second.end()
    expect(watched).toEqual([true, false])
    expect(stream.clients).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('what finished before a browser connected is in its snapshot, not sent again', () => {
    const stream = createEventStream(options())
    const early = connect(stream)
    stream.publish(fakeTransaction({ id: 'early' }))
    const late = connect(stream)
    // The batch went to the first browser at once, before the second's snapshot.
    expect(early.events()).toEqual(['snapshot', 'metrics', 'transactions'])
    vi.advanceTimersByTime(100)
    expect(late.events()).toEqual(['snapshot', 'metrics'])
  })

  it('a browser that stops reading is dropped (its EventSource reconnects to a fresh snapshot)', () => {
    const stream = createEventStream(options({ maxBufferedBytes: 10 }))
    const res = connect(stream)
    res.writableLength = 11
    stream.publish(fakeTransaction())
    vi.advanceTimersByTime(100)
    expect(res.destroyed).toBe(true)
    expect(stream.clients).toBe(0)
  })
})
