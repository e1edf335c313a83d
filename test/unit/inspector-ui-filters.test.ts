import { describe, expect, it } from 'vitest'
import type { TransactionSummary } from '../../src/inspector/api.js'
import { compileFilter, EMPTY_FILTER, filterChoices, filterTransactions, isFilterActive, NO_ROUTE, type TransactionFilter } from '../../inspector/src/lib/filters.js'
import { appendBatch } from '../../inspector/src/lib/history.js'
import { INITIAL_STATE, reduceInspector } from '../../inspector/src/lib/inspector-state.js'

function tx(id: string, fields: Partial<TransactionSummary> = {}): TransactionSummary {
  return {
    id,
    startedAt: 0,
    protocol: 'HTTP/1.1',
    scheme: 'http',
    kind: 'http',
    method: 'GET',
    host: 'localhost:8080',
    url: `/api/${id}`,
    route: 'api',
    target: 'http://localhost:3000',
    status: 200,
    durationMs: 12,
    responseBytes: 100,
    tags: [],
    error: null,
    ...fields,
  }
}

const filter = (fields: Partial<TransactionFilter>): TransactionFilter => ({ ...EMPTY_FILTER, ...fields })

describe('compileFilter: which rows a filter lets through', () => {
  it.each<{ case: string; filter: Partial<TransactionFilter>; row: Partial<TransactionSummary>; shown: boolean }>([
    { case: 'no filter: everything', filter: {}, row: {}, shown: true },
    { case: 'method: exact', filter: { method: 'POST' }, row: { method: 'POST' }, shown: true },
    { case: 'method: another', filter: { method: 'POST' }, row: { method: 'GET' }, shown: false },
    { case: 'status class 4xx: 404', filter: { status: '4xx' }, row: { status: 404 }, shown: true },
    { case: 'status class 4xx: 500', filter: { status: '4xx' }, row: { status: 500 }, shown: false },
    { case: 'status class: no status is in none', filter: { status: '5xx' }, row: { status: null }, shown: false },
    { case: 'errors: a proxy error', filter: { status: 'errors' }, row: { status: 504, error: { type: 'upstream_timeout', message: 'x' } }, shown: true },
    { case: 'errors: no status sent', filter: { status: 'errors' }, row: { status: null }, shown: true },
    { case: 'errors: a plain 500 from the upstream is not one', filter: { status: 'errors' }, row: { status: 500 }, shown: false },
    { case: 'route: by name', filter: { route: 'api' }, row: { route: 'api' }, shown: true },
    { case: 'route: no route matched', filter: { route: NO_ROUTE }, row: { route: null }, shown: true },
    { case: 'route: another', filter: { route: 'web' }, row: { route: 'api' }, shown: false },
    { case: 'text: in the path, any case', filter: { text: 'USERS' }, row: { url: '/api/users' }, shown: true },
    { case: 'text: every word must match', filter: { text: 'users 404' }, row: { url: '/api/users', status: 200 }, shown: false },
    { case: 'text: words anywhere (path, status)', filter: { text: 'users 404' }, row: { url: '/api/users', status: 404 }, shown: true },
    { case: 'text: a tag', filter: { text: 'retry' }, row: { tags: ['retry'] }, shown: true },
    { case: 'text: the error type', filter: { text: 'timeout' }, row: { error: { type: 'upstream_timeout', message: 'took too long' } }, shown: true },
    { case: 'text: -word hides', filter: { text: '-health' }, row: { url: '/health' }, shown: false },
    { case: 'text: -word keeps the rest', filter: { text: '-health' }, row: { url: '/api' }, shown: true },
    { case: 'text: a lone - is no word', filter: { text: ' - ' }, row: {}, shown: true },
    { case: 'all together', filter: { method: 'GET', status: '2xx', route: 'api', text: 'api' }, row: {}, shown: true },
  ])('$case', ({ filter: fields, row, shown }) => {
    expect(compileFilter(filter(fields))(tx('a', row))).toBe(shown)
  })

  it('returns the same array when nothing is filtered, so the list keeps its identity', () => {
    const list = [tx('a'), tx('b')]
    expect(filterTransactions(list, EMPTY_FILTER)).toBe(list)
    expect(filterTransactions(list, filter({ text: '  ' }))).toBe(list)
    expect(isFilterActive(filter({ text: ' ' }))).toBe(false)
    expect(filterTransactions(list, filter({ text: '/api/b' })).map((row) => row.id)).toEqual(['b'])
  })

  it('offers the usual methods first, then others seen, and every route seen or configured', () => {
    const choices = filterChoices([tx('a', { method: 'PROPFIND' }), tx('b', { route: null })], ['web'])
    expect(choices.methods).toEqual(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'PROPFIND'])
    expect(choices.routes).toEqual([NO_ROUTE, 'api', 'web'])
  })
})

describe('appendBatch: the client keeps what the server keeps', () => {
  const ids = (list: readonly TransactionSummary[]) => list.map((row) => row.id)

  it.each<{ case: string; list: string[]; batch: string[]; max: number; result: string[] }>([
    { case: 'appends in arrival order', list: ['a'], batch: ['b', 'c'], max: 10, result: ['a', 'b', 'c'] },
    { case: 'drops the oldest past the cap', list: ['a', 'b'], batch: ['c', 'd'], max: 3, result: ['b', 'c', 'd'] },
    { case: 'a batch larger than the cap keeps its newest', list: ['a'], batch: ['b', 'c', 'd'], max: 2, result: ['c', 'd'] },
    { case: 'an id seen again moves to the end, once', list: ['a', 'b'], batch: ['a'], max: 10, result: ['b', 'a'] },
    { case: 'an id twice in one batch is kept once, the last', list: [], batch: ['a', 'b', 'a'], max: 10, result: ['b', 'a'] },
    { case: 'a cap of 0 keeps nothing', list: [], batch: ['a'], max: 0, result: [] },
  ])('$case', ({ list, batch, max, result }) => {
    expect(ids(appendBatch(list.map((id) => tx(id)), batch.map((id) => tx(id)), max))).toEqual(result)
  })

  it('returns the same list for an empty batch', () => {
    const list = [tx('a')]
    expect(appendBatch(list, [], 10)).toBe(list)
  })
})

describe('reduceInspector: the stream folded into state', () => {
  const snapshot = {
    transactions: [tx('a'), tx('b'), tx('c')],
    faults: [],
    recording: { recording: true, count: 2 },
    history: { maxCount: 2, maxBytes: 1_000_000 },
    proxyUrl: 'http://127.0.0.1:8080',
  }

  it('a snapshot replaces the list, under its own cap, and means the stream is live', () => {
    const state = reduceInspector({ ...INITIAL_STATE, transactions: [tx('old')] }, { type: 'snapshot', snapshot })
    expect(state.transactions.map((row) => row.id)).toEqual(['b', 'c'])
    expect(state).toMatchObject({ connection: 'live', maxCount: 2, recording: { recording: true, count: 2 }, proxyUrl: 'http://127.0.0.1:8080' })
  })

  it('batches after it keep to the snapshot cap', () => {
    const state = reduceInspector(reduceInspector(INITIAL_STATE, { type: 'snapshot', snapshot }), { type: 'transactions', batch: [tx('d')] })
    expect(state.transactions.map((row) => row.id)).toEqual(['c', 'd'])
  })

  it('an unchanged connection state is the same state object (no re-render)', () => {
    expect(reduceInspector(INITIAL_STATE, { type: 'connection', connection: 'connecting' })).toBe(INITIAL_STATE)
  })
})
