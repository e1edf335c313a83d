import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { buildDetail, headerRows, transactionDetail } from '../../src/inspector/detail.js'
import { summarizeTransaction } from '../../src/inspector/summary.js'
import type { CapturedBody } from '../../src/proxy/transaction/body-capture.js'
import { fakeAttempt, fakeTransaction, NO_PHASES } from '../helpers/transaction.js'

/** What the inspector sends of a transaction: plain JSON, `null` for what is not known. */

const captured = (bytes: Buffer, fields: Partial<CapturedBody> = {}): CapturedBody => ({
  contentType: 'application/json',
  contentEncoding: undefined,
  bytes,
  totalBytes: bytes.length,
  truncated: false,
  ...fields,
})

describe('summarizeTransaction', () => {
  it('a plain 200: the line the log prints, as data', () => {
    const tx = fakeTransaction({ id: 'k1', startedAt: 1_700_000_000_000, responseBytes: 42, requestHeaders: { host: 'localhost:8080' } })
    expect(summarizeTransaction(tx)).toEqual({
      id: 'k1',
      startedAt: 1_700_000_000_000,
      protocol: 'HTTP/1.1',
      scheme: 'http',
      kind: 'http',
      method: 'GET',
      host: 'localhost:8080',
      url: '/api/users',
      route: 'api',
      target: 'http://localhost:3000',
      status: 200,
      durationMs: 10,
      responseBytes: 42,
      tags: [],
      error: null,
    })
  })

  it.each([
    ['an injected fault', { faults: ['5xx 503'], status: 503 }, ['fault 5xx 503']],
    ['a retry', { tries: 2 }, ['retry 2/2 after 0ms: reset']],
    ['a mock', { attempts: [fakeAttempt(1, { by: 'mock' })] }, ['mock']],
    ['a replay', { replay: 'hit' as const }, ['replay']],
    ['a client that left', { ending: 'client-aborted' as const }, ['client aborted']],
    ['a proxy error', { status: 504, error: { type: 'upstream_timeout' as const, message: 'no answer' }, ending: 'error' as const }, ['upstream_timeout']],
  ])('tags %s as the log does', (_what, fields, tags) => {
    expect(summarizeTransaction(fakeTransaction(fields)).tags).toEqual(tags)
  })

  it('unknowns are null: no route, no status, no host', () => {
    const summary = summarizeTransaction(fakeTransaction({ route: undefined, target: undefined, status: undefined, requestHeaders: {} }))
    expect([summary.route, summary.target, summary.status, summary.host]).toEqual([null, null, null, null])
  })

  it('an error keeps its type and message', () => {
    const summary = summarizeTransaction(fakeTransaction({ error: { type: 'no_route', message: 'no route matches GET /x' } }))
    expect(summary.error).toEqual({ type: 'no_route', message: 'no route matches GET /x' })
  })

  it('HTTP/2 and TLS', () => {
    const summary = summarizeTransaction(fakeTransaction({ httpVersion: '2.0', scheme: 'https' }))
    expect([summary.protocol, summary.scheme]).toEqual(['HTTP/2.0', 'https'])
  })
})

describe('headerRows: every field before and after, marked (the -v diff plus what did not change)', () => {
  it.each([
    ['unchanged', { accept: '*/*' }, { accept: '*/*' }, [{ name: 'accept', change: 'same', before: '*/*', after: '*/*' }]],
    ['added', {}, { via: '1.1 devproxy' }, [{ name: 'via', change: 'added', before: null, after: '1.1 devproxy' }]],
    ['removed', { connection: 'keep-alive' }, {}, [{ name: 'connection', change: 'removed', before: 'keep-alive', after: null }]],
    ['changed', { host: 'localhost:8080' }, { host: 'localhost:3000' }, [{ name: 'host', change: 'changed', before: 'localhost:8080', after: 'localhost:3000' }]],
    ['names in any case, lists joined (RFC 9110 §5.3)', { Accept: ['a', 'b'] }, { accept: 'a, b' }, [{ name: 'accept', change: 'same', before: 'a, b', after: 'a, b' }]],
  ])('%s', (_what, before, after, rows) => {
    expect(headerRows(before, after)).toEqual(rows)
  })

  it('sorted by name, each set-cookie its own row (RFC 6265 §3)', () => {
    const rows = headerRows(
      { 'set-cookie': ['a=1', 'b=2', 'c=3'], 'x-b': '1', 'content-type': 'text/plain' },
      { 'set-cookie': ['a=1', 'b=9', 'd=4'], 'x-b': '1', 'content-type': 'text/plain', 'cache-control': 'no-store' },
    )
    expect(rows.map((row) => [row.name, row.change, row.before, row.after])).toEqual([
      ['cache-control', 'added', null, 'no-store'],
      ['content-type', 'same', 'text/plain', 'text/plain'],
      ['set-cookie', 'removed', 'c=3', null],
      ['set-cookie', 'changed', 'b=2', 'b=9'],
      ['set-cookie', 'added', null, 'd=4'],
      ['set-cookie', 'same', 'a=1', 'a=1'],
      ['x-b', 'same', '1', '1'],
    ])
  })

  it.each([
    ['a request never forwarded', { accept: '*/*' }, undefined],
    ['an answer devproxy made itself', undefined, { accept: '*/*' }],
  ])('%s: the side there is, as same', (_what, before, after) => {
    expect(headerRows(before, after)).toEqual([{ name: 'accept', change: 'same', before: '*/*', after: '*/*' }])
  })
})

describe('buildDetail', () => {
  const tx = fakeTransaction({
    id: '7',
    startMs: 100,
    requestHeaders: { host: 'localhost:8080', accept: '*/*' },
    forwardedHeaders: { host: 'localhost:8080', accept: '*/*', 'x-devproxy-attempt': '2' },
    responseHeadersReceived: { 'content-type': 'application/json' },
    responseHeadersSent: { 'content-type': 'application/json', via: '1.1 devproxy' },
    attempts: [fakeAttempt(1, { startMs: 100, durationMs: 5, outcome: 'reset', status: undefined, errorCode: 'ECONNRESET' }), fakeAttempt(2, { startMs: 130, durationMs: 4, backoffMs: 25 })],
    maxAttempts: 3,
    faults: ['reset'],
    retryNote: undefined,
  })

  it('headers as diff rows, attempts relative to the start, unknowns null', () => {
    const detail = buildDetail(tx, undefined, {})
    expect(detail.summary.id).toBe('7')
    expect(detail.forwardedUrl).toBe('/users')
    expect(detail.headers.request).toContainEqual({ name: 'x-devproxy-attempt', change: 'added', before: null, after: '2' })
    expect(detail.headers.response).toContainEqual({ name: 'via', change: 'added', before: null, after: '1.1 devproxy' })
    expect(detail.attempts).toEqual([
      { n: 1, target: 'http://localhost:3000', startMs: 0, durationMs: 5, backoffMs: 0, retryOf: null, outcome: 'reset', status: null, errorCode: 'ECONNRESET', by: null, phases: NO_PHASES },
      { n: 2, target: 'http://localhost:3000', startMs: 30, durationMs: 4, backoffMs: 25, retryOf: 'reset', outcome: 'response', status: 200, errorCode: null, by: null, phases: NO_PHASES },
    ])
    expect([detail.requestBody, detail.responseBody, detail.previousResponseBody, detail.previousId, detail.retryNote]).toEqual([null, null, null, null, null])
    expect([detail.faults, detail.ending]).toEqual([['reset'], 'completed'])
  })

  it('a body is base64 of its bytes: markup is data, never HTML', async () => {
    const html = Buffer.from('<script>alert(1)</script>')
    const detail = await transactionDetail(fakeTransaction({ responseBody: captured(html, { contentType: 'text/html' }) }), undefined)
    expect(detail.responseBody).toEqual({ contentType: 'text/html', base64: html.toString('base64'), size: html.length, truncated: false })
    expect(JSON.stringify(detail)).not.toContain('<script>')
  })

  it('a gzip body is decoded (as the -vv diff decodes it), its size the decoded one', async () => {
    const json = Buffer.from(JSON.stringify({ users: [1, 2, 3] }))
    const body = captured(gzipSync(json), { contentEncoding: 'gzip' })
    const detail = await transactionDetail(fakeTransaction({ responseBody: body }), undefined)
    expect(Buffer.from(detail.responseBody!.base64, 'base64')).toEqual(json)
    expect(detail.responseBody!.size).toBe(json.length)
  })

  it('a body cut at the cap says so, with the whole size', async () => {
    const body = captured(Buffer.from('abc'), { totalBytes: 10_000, truncated: true })
    const detail = await transactionDetail(fakeTransaction({ requestBody: body }), undefined)
    expect(detail.requestBody).toMatchObject({ size: 10_000, truncated: true })
  })

  it('the previous response of the endpoint, for the body diff', async () => {
    const previous = fakeTransaction({ id: '3', responseBody: captured(Buffer.from('{"n":1}')) })
    const detail = await transactionDetail(fakeTransaction({ id: '4', responseBody: captured(Buffer.from('{"n":2}')) }), previous)
    expect(detail.previousId).toBe('3')
    expect(Buffer.from(detail.previousResponseBody!.base64, 'base64').toString()).toBe('{"n":1}')
  })
})
