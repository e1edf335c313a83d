import { describe, expect, it } from 'vitest'
import { createHistory, DEFAULT_HISTORY_BYTES, DEFAULT_HISTORY_COUNT } from '../../src/inspector/history.js'
import { fakeTransaction } from '../helpers/transaction.js'

/** The inspector's history: a ring bounded by count and by captured body bytes, oldest out first. */

const tx = (id: string, fields: Parameters<typeof fakeTransaction>[0] = {}) => fakeTransaction({ id, ...fields })
const ids = (history: ReturnType<typeof createHistory>) => Array.from(history.values(), (t) => t.id)

describe('createHistory', () => {
  it('keeps 10,000 transactions and 64 MiB of bodies by default', () => {
    const history = createHistory()
    expect([history.maxCount, history.maxBytes]).toEqual([DEFAULT_HISTORY_COUNT, DEFAULT_HISTORY_BYTES])
    expect([DEFAULT_HISTORY_COUNT, DEFAULT_HISTORY_BYTES]).toEqual([10_000, 64 * 1024 * 1024])
  })

  it.each([0, -1, 1.5, Number.NaN])('refuses maxCount %s', (maxCount) => {
    expect(() => createHistory({ maxCount })).toThrow(/maxCount must be a positive integer/)
  })

  it('keeps them in order, oldest first, and finds each by id', () => {
    const history = createHistory({ maxCount: 5 })
    for (const id of ['a', 'b', 'c']) history.append(tx(id), 0)
    expect(ids(history)).toEqual(['a', 'b', 'c'])
    expect(history.get('b')?.id).toBe('b')
    expect(history.get('z')).toBeUndefined()
  })

  it('over the count cap, the oldest fall off', () => {
    const history = createHistory({ maxCount: 3 })
    for (const id of ['a', 'b', 'c', 'd', 'e']) history.append(tx(id), 0)
    expect(ids(history)).toEqual(['c', 'd', 'e'])
    expect(history.size).toBe(3)
    expect(history.get('a')).toBeUndefined()
    expect(history.get('e')?.id).toBe('e')
  })

  it('until watched it keeps unwatchedCount; once watched, up to maxCount, the ring intact across the change', () => {
    const history = createHistory({ maxCount: 5, unwatchedCount: 2 })
    for (const id of ['a', 'b', 'c']) history.append(tx(id), 0)
    expect(ids(history)).toEqual(['b', 'c'])
    history.watch()
    for (const id of ['d', 'e', 'f', 'g']) history.append(tx(id), 0)
    expect(ids(history)).toEqual(['c', 'd', 'e', 'f', 'g'])
    expect(history.get('c')?.id).toBe('c')
    expect(history.get('b')).toBeUndefined()
    // An unwatchedCount over maxCount is held to maxCount.
    const small = createHistory({ maxCount: 2, unwatchedCount: 1_000 })
    for (const id of ['a', 'b', 'c']) small.append(tx(id), 0)
    expect(ids(small)).toEqual(['b', 'c'])
  })

  it('over the byte cap, the oldest fall off until the bodies fit', () => {
    const history = createHistory({ maxCount: 100, maxBytes: 1000 })
    history.append(tx('a'), 400)
    history.append(tx('b'), 400)
    history.append(tx('c'), 0)
    expect(history.bytes).toBe(800)
    history.append(tx('d'), 300)
    expect(ids(history)).toEqual(['b', 'c', 'd'])
    expect(history.bytes).toBe(700)
  })

  it('the newest stays even alone over the byte cap: the UI can still show what just happened', () => {
    const history = createHistory({ maxCount: 100, maxBytes: 1000 })
    history.append(tx('a'), 10)
    history.append(tx('huge'), 5000)
    expect(ids(history)).toEqual(['huge'])
    history.append(tx('b'), 10)
    expect(ids(history)).toEqual(['b'])
    expect(history.bytes).toBe(10)
  })

  it('stays bounded however long it runs (200,000 appends through a ring of 10)', () => {
    const history = createHistory({ maxCount: 10 })
    for (let i = 0; i < 200_000; i++) history.append(tx(String(i)), 1)
    expect(history.size).toBe(10)
    expect(history.bytes).toBe(10)
    expect(ids(history)).toEqual(Array.from({ length: 10 }, (_, i) => String(199_990 + i)))
  })

  it('values() is a snapshot: appending while iterating neither repeats nor skips', () => {
    const history = createHistory({ maxCount: 3 })
    for (const id of ['a', 'b', 'c']) history.append(tx(id), 0)
    const seen: string[] = []
    for (const t of history.values()) {
      seen.push(t.id)
      if (t.id === 'a') history.append(tx('d'), 0)
    }
    // 'a' fell off as 'd' came, after it was read; 'd' came after the snapshot.
    expect(seen).toEqual(['a', 'b', 'c'])
  })
})

describe('previousOf: the latest earlier transaction of the same endpoint (method, route, path: endpoint.ts)', () => {
  const history = createHistory({ maxCount: 10 })
  const rows = [
    tx('1', { url: '/api/users' }),
    tx('2', { url: '/api/users?_=111' }),
    tx('3', { url: '/api/users', method: 'POST' }),
    tx('4', { url: '/api/users', route: 'other' }),
    tx('5', { url: '/api/orders' }),
    tx('6', { url: '/api/users?_=222' }),
    tx('7', { url: '/api/users?page=2' }),
  ]
  for (const row of rows) history.append(row, 0)

  it.each([
    ['the same path, a cache-buster aside', '6', '2'],
    ['the same path, no query', '2', '1'],
    ['the first of its endpoint', '1', undefined],
    ['another method is another endpoint', '3', undefined],
    ['another route is another endpoint', '4', undefined],
    ['another query parameter is another endpoint', '7', undefined],
  ])('%s', (_what, id, previous) => {
    expect(history.previousOf(history.get(id)!)?.id).toBe(previous)
  })

  it('none once the previous fell out of history', () => {
    const small = createHistory({ maxCount: 2 })
    const [first, second, third] = [tx('a'), tx('b', { url: '/other' }), tx('c')]
    for (const row of [first, second, third]) small.append(row, 0)
    expect(small.previousOf(third)).toBeUndefined()
  })

  it('none for a transaction not in history', () => {
    expect(history.previousOf(tx('nope'))).toBeUndefined()
  })
})
