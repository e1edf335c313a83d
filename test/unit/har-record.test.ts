import { NO_PHASES } from '../helpers/transaction.js'
import type { Entry } from 'har-format'
import { describe, expect, it } from 'vitest'
import { parseRecordFilters } from '../../src/record/filter.js'
import { buildHarEntry, DEFAULT_REDACT, entryTimings, harEntryJson, harEntryPieces, harHeaders, REDACTED } from '../../src/record/har-entry.js'
import { parseHar } from '../../src/record/har-read.js'
import type { Transaction } from '../../src/proxy/transaction/transaction.js'

function transaction(overrides: Partial<Transaction> = {}): Transaction {
  return {
    id: 'a', kind: 'http', startedAt: Date.UTC(2026, 10, 23, 10, 0, 0), startMs: 100, method: 'POST', url: '/api/users?b=2&a=1', httpVersion: '1.1', scheme: 'http', clientIp: '127.0.0.1',
    requestHeaders: { host: 'localhost:8080', authorization: 'Bearer s3cret', cookie: 'sid=1', 'content-type': 'application/json' },
    route: 'api', target: 'http://localhost:3000', forwardedUrl: '/api/users?b=2&a=1', forwardedHeaders: {},
    responseHeadersReceived: {}, responseHeadersSent: { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'], location: '/api/users/7' },
    status: 201, requestBytes: 13, responseBytes: 9,
    attempts: [{ n: 1, target: 'http://localhost:3000', startMs: 101, backoffMs: 0, retryOf: undefined, durationMs: 20.5, outcome: 'response', status: 201, errorCode: undefined, phases: NO_PHASES }],
    maxAttempts: 1, retryNote: undefined, faults: ['latency 20ms'], replay: undefined, requestBody: undefined, responseBody: undefined,
    error: undefined, ending: 'completed', durationMs: 30.25, ...overrides,
  }
}

const redact = new Set<string>(DEFAULT_REDACT)
const body = (text: string | Buffer, contentType = 'application/json', truncated = false) => {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text)
  return { contentType, bytes, truncated, wireBytes: bytes.length }
}

describe('buildHarEntry: a transaction as a HAR 1.2 entry', () => {
  const entry = buildHarEntry(transaction(), { redact, request: body('{"name":"Ada"}'), response: body('{"id":7}') })

  it('request: absolute URL, query string, headers with secrets redacted, post data', () => {
    expect(entry.request).toMatchObject({
      method: 'POST',
      url: 'http://localhost:8080/api/users?b=2&a=1',
      httpVersion: 'HTTP/1.1',
      queryString: [{ name: 'b', value: '2' }, { name: 'a', value: '1' }],
      postData: { mimeType: 'application/json', text: '{"name":"Ada"}' },
      bodySize: 13,
    })
    expect(entry.request.headers).toContainEqual({ name: 'authorization', value: REDACTED })
    expect(entry.request.headers).toContainEqual({ name: 'cookie', value: REDACTED })
    expect(entry.request.headers).toContainEqual({ name: 'host', value: 'localhost:8080' })
  })

  it('response: status, each set-cookie redacted, content, redirect URL', () => {
    expect(entry.response).toMatchObject({ status: 201, statusText: 'Created', redirectURL: '/api/users/7', content: { size: 8, mimeType: 'application/json', text: '{"id":7}' }, bodySize: 9 })
    expect(entry.response.headers.filter((h) => h.name === 'set-cookie')).toEqual([
      { name: 'set-cookie', value: REDACTED },
      { name: 'set-cookie', value: REDACTED },
    ])
  })

  it('a request that reached the proxy over HTTPS and HTTP/2 is recorded as such: https:// URL, HTTP/2.0 both ways', () => {
    const h2 = buildHarEntry(transaction({ httpVersion: '2.0', scheme: 'https' }), { redact, request: body(''), response: body('') })
    expect(h2.request.url).toBe('https://localhost:8080/api/users?b=2&a=1')
    expect(h2.request.httpVersion).toBe('HTTP/2.0')
    expect(h2.response.httpVersion).toBe('HTTP/2.0')
  })

  it('timings add up to time', () => {
    const { send, wait, receive } = entry.timings
    expect((send ?? 0) + wait + (receive ?? 0)).toBeCloseTo(entry.time, 6)
    expect(entry.time).toBeCloseTo(30.25, 6)
    expect(wait).toBeCloseTo(21.5, 6)
    expect(entry.timings).toMatchObject({ blocked: -1, dns: -1, connect: -1 })
  })

  it('_devproxy: route, target, attempts, faults, truncation', () => {
    expect(entry._devproxy).toEqual({ id: 'a', route: 'api', target: 'http://localhost:3000', attempts: 1, fault: ['latency 20ms'], truncated: { request: false, response: false }, ending: 'completed', error: null, answeredBy: null, hooked: false })
  })

  it('_devproxy says what answered in place of the upstream, and whether the route\'s code ran', () => {
    const mocked = buildHarEntry(transaction({ hooked: true, attempts: [{ n: 1, target: 'mocks', startMs: 0, backoffMs: 0, retryOf: undefined, durationMs: 1, outcome: 'response', status: 200, errorCode: undefined, by: 'mock', phases: NO_PHASES }] }), { redact, request: undefined, response: undefined })
    expect(mocked._devproxy).toMatchObject({ answeredBy: 'mock', hooked: true })
  })

  it('binary bodies are base64 with encoding; a truncated one says so', () => {
    const binary = buildHarEntry(transaction({ responseHeadersSent: { 'content-type': 'image/png' } }), { redact, request: undefined, response: body(Buffer.from([0, 1, 2, 255]), 'image/png', true) })
    expect(binary.response.content).toEqual({ size: 4, mimeType: 'image/png', text: 'AAEC/w==', encoding: 'base64' })
    expect(binary._devproxy.truncated.response).toBe(true)
    expect(binary.request.postData).toBeUndefined()
  })

  it('--no-redact keeps secrets as they are', () => {
    expect(harHeaders({ authorization: 'Bearer s3cret' }, new Set())).toEqual([{ name: 'authorization', value: 'Bearer s3cret' }])
  })

  it('the entry is one line of JSON that keeps awkward strings exactly, and unknown numbers as null', () => {
    const awkward = 'q"uote \\ line\nbreak \u2028 \u0001 ü €'
    const line = harEntryJson(
      transaction({ url: `/p?x=${encodeURIComponent(awkward)}`, requestHeaders: { host: 'h', 'x-odd': awkward }, responseHeadersSent: { location: awkward, 'content-type': awkward, 'x-n': 5 }, faults: [awkward], durationMs: NaN }),
      { redact: new Set(), request: body(awkward, 'text/plain'), response: body(awkward, awkward) },
    )
    expect(line).not.toContain('\n')
    const entry = JSON.parse(line) as ReturnType<typeof buildHarEntry>
    expect(entry.request.headers).toContainEqual({ name: 'x-odd', value: awkward })
    expect(entry.request.queryString).toEqual([{ name: 'x', value: awkward }])
    expect(entry.request.postData).toEqual({ mimeType: 'text/plain', text: awkward })
    expect(entry.response).toMatchObject({ redirectURL: awkward, content: { mimeType: awkward, text: awkward } })
    expect(entry.response.headers).toContainEqual({ name: 'x-n', value: '5' })
    expect(entry._devproxy.fault).toEqual([awkward])
    expect(entry.time).toBeNull()
  })

  it('a transaction with no attempt (404 no route) waits 0 and receives nothing extra', () => {
    expect(entryTimings(transaction({ attempts: [], durationMs: 2 }))).toMatchObject({ send: 0, wait: 2, receive: 0 })
  })
})

describe('parseRecordFilters: --filter', () => {
  it.each([
    { filters: ['route=api'], tx: {}, kept: true },
    { filters: ['route=web,admin'], tx: {}, kept: false },
    { filters: ['method=get,post'], tx: {}, kept: true },
    { filters: ['path=/api/**'], tx: {}, kept: true },
    { filters: ['path=/web/*'], tx: {}, kept: false },
    { filters: ['status=2xx'], tx: {}, kept: true },
    { filters: ['status=400-599'], tx: {}, kept: false },
    { filters: ['status=201'], tx: {}, kept: true },
    { filters: ['route=api', 'status=5xx'], tx: {}, kept: false },
    { filters: [], tx: {}, kept: true },
  ])('$filters → $kept', ({ filters, tx, kept }) => {
    expect(parseRecordFilters(filters)(transaction(tx))).toBe(kept)
  })

  it.each(['route', 'colour=red', 'status=lots', 'status=500-400'])('%s is explained', (spec) => {
    expect(() => parseRecordFilters([spec])).toThrow(/is not a filter/)
  })

  it.each([
    { spec: 'route=nope', refused: /no route is named "nope"/ },
    { spec: 'route=api,nope', refused: /no route is named "nope"/ },
    { spec: 'route=api, web', refused: undefined },
  ])('$spec against the routes api, web → refused $refused', ({ spec, refused }) => {
    const parse = () => parseRecordFilters([spec], ['api', 'web'])
    if (refused) expect(parse).toThrow(refused)
    else expect(parse).not.toThrow()
  })
})

describe('parseHar: finished files, and recordings cut off by a crash', () => {
  const head = '{"log":{"version":"1.2","creator":{"name":"devproxy","version":"0.1.0"},"pages":[],"entries":['
  const e = (n: number) => JSON.stringify({ startedDateTime: 'x', time: n } as unknown as Entry)

  it('a finished file', () => {
    expect(parseHar(`${head}\n${e(1)}\n,${e(2)}\n]}}\n`)).toMatchObject({ complete: true, dropped: 0, har: { log: { entries: [{ time: 1 }, { time: 2 }] } } })
  })

  it('killed after two entries: both are read', () => {
    expect(parseHar(`${head}\n${e(1)}\n,${e(2)}\n`)).toMatchObject({ complete: false, dropped: 0, har: { log: { entries: [{ time: 1 }, { time: 2 }] } } })
  })

  it('killed in the middle of writing the third: the two complete ones are read', () => {
    expect(parseHar(`${head}\n${e(1)}\n,${e(2)}\n,{"startedDate`)).toMatchObject({ complete: false, dropped: 1, har: { log: { entries: [{ time: 1 }, { time: 2 }] } } })
  })

  it('killed before any entry', () => {
    expect(parseHar(`${head}\n`)).toMatchObject({ complete: false, har: { log: { entries: [] } } })
  })

  it('not a HAR at all', () => {
    expect(parseHar('{"hello":1}')).toBeUndefined()
    expect(parseHar('garbage')).toBeUndefined()
  })
})

describe('harEntryPieces: a large body written a slice at a time', () => {
  it.each([
    ['UTF-8 text with characters across slice boundaries', Buffer.from('añ€😀 '.repeat(400_000))],
    ['binary, as base64', Buffer.from(Array.from({ length: 2_000_003 }, (_, i) => (i * 7) % 256))],
  ])('%s: the pieces join to the very line harEntryJson gives', (_name, bytes) => {
    const options = { redact, request: undefined, response: { contentType: 'text/plain', bytes, truncated: false, wireBytes: bytes.length } }
    const line = harEntryJson(transaction(), options)
    const pieces = [...harEntryPieces(transaction(), options)]
    expect(pieces.length).toBeGreaterThan(3)
    expect(pieces.join('')).toBe(line)
  })
})

describe('HAR fields readers expect', () => {
  it('serverIPAddress and connection when the upstream connection is known', () => {
    const entry = buildHarEntry(transaction({ upstreamAddress: '127.0.0.1', upstreamConnection: '53122' }), { redact, request: undefined, response: undefined })
    expect(entry).toMatchObject({ serverIPAddress: '127.0.0.1', connection: '53122' })
    const replayed = buildHarEntry(transaction(), { redact, request: undefined, response: undefined })
    expect(replayed).not.toHaveProperty('serverIPAddress')
    expect(replayed).not.toHaveProperty('connection')
  })

  it('content.size is the whole body, also when the recording kept only its beginning', () => {
    const cut = { ...body('12345'), truncated: true, size: 5000 }
    expect(buildHarEntry(transaction(), { redact, request: undefined, response: cut }).response.content).toMatchObject({ size: 5000, text: '12345' })
  })

  it('a file with a UTF-8 byte-order mark is read', () => {
    const text = `\uFEFF${JSON.stringify({ log: { version: '1.2', creator: { name: 'x', version: '1' }, entries: [] } })}`
    expect(parseHar(text)).toMatchObject({ complete: true, har: { log: { entries: [] } } })
  })
})
