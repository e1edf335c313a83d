import type { Entry, Har } from 'har-format'
import { describe, expect, it } from 'vitest'
import { chunkIds, harFileName, harPath, mergeHars } from '../../inspector/src/lib/har-export.js'

describe('chunkIds: id lists that fit a request line', () => {
  it('one chunk when they fit', () => {
    expect(chunkIds(['a', 'b', 'c'], 5)).toEqual([['a', 'b', 'c']])
  })

  it('splits where the next id would not fit (commas counted)', () => {
    expect(chunkIds(['aa', 'bb', 'cc', 'dd'], 5)).toEqual([['aa', 'bb'], ['cc', 'dd']])
  })

  it('counts the URL-encoded length', () => {
    expect(chunkIds(['a b', 'c'], 4)).toEqual([['a b'], ['c']])
  })

  it('an id longer than the limit still goes, alone', () => {
    expect(chunkIds(['x'.repeat(10), 'y'], 5)).toEqual([['x'.repeat(10)], ['y']])
  })

  it('no ids: no requests', () => {
    expect(chunkIds([])).toEqual([])
  })

  it('10,000 uuids stay under the limit per request', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `0b5f3a1c-7a4e-4c55-9d0e-${String(i).padStart(12, '0')}`)
    const chunks = chunkIds(ids)
    expect(chunks.flat()).toEqual(ids)
    for (const chunk of chunks) expect(harPath(chunk).length).toBeLessThanOrEqual('/v1/inspector/har?ids='.length + 8_000)
  })
})

describe('harPath', () => {
  it('no ids: the whole history', () => {
    expect(harPath(null)).toBe('/v1/inspector/har')
  })

  it('ids encoded, commas between', () => {
    expect(harPath(['a', 'b&c'])).toBe('/v1/inspector/har?ids=a,b%26c')
  })
})

describe('mergeHars', () => {
  const entry = (url: string) => ({ request: { url } }) as Entry
  const har = (entries: Entry[], pages?: { id: string }[]): Har =>
    ({ log: { version: '1.2', creator: { name: 'devproxy', version: '1' }, ...(pages ? { pages } : {}), entries } }) as Har

  it('one HAR is itself', () => {
    const only = har([entry('a')])
    expect(mergeHars([only])).toBe(only)
  })

  it('entries in order, pages once each, the first creator', () => {
    const merged = mergeHars([har([entry('a')], [{ id: 'p1' }]), har([entry('b'), entry('c')], [{ id: 'p1' }, { id: 'p2' }])])
    expect(merged.log.entries.map((e) => e.request.url)).toEqual(['a', 'b', 'c'])
    expect(merged.log.pages?.map((p) => p.id)).toEqual(['p1', 'p2'])
    expect(merged.log.creator).toEqual({ name: 'devproxy', version: '1' })
  })

  it('no pages anywhere: none added', () => {
    expect(mergeHars([har([entry('a')]), har([entry('b')])]).log).not.toHaveProperty('pages')
  })
})

describe('harFileName', () => {
  it('names the scope and the local time', () => {
    expect(harFileName('filtered', new Date(2025, 0, 2, 3, 4, 5))).toBe('devproxy-filtered-20250102-030405.har')
  })
})
