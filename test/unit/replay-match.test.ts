import type { Entry } from 'har-format'
import { describe, expect, it } from 'vitest'
import { createReplayIndex } from '../../src/record/replay-match.js'

function entry(method: string, url: string, status: number, body?: string, postData?: string): Entry {
  return {
    startedDateTime: '2026-11-23T10:00:00.000Z',
    time: 1,
    request: { method, url: `http://localhost:8080${url}`, httpVersion: 'HTTP/1.1', cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: 0, ...(postData ? { postData: { mimeType: 'application/json', text: postData } } : {}) },
    response: { status, statusText: '', httpVersion: 'HTTP/1.1', cookies: [], headers: [], content: { size: 0, mimeType: 'text/plain', text: body ?? '' }, redirectURL: '', headersSize: -1, bodySize: 0 },
    cache: {},
    timings: { send: 0, wait: 1, receive: 0 },
  }
}

const req = (method: string, url: string, body?: string) => ({ method, url, body: body === undefined ? undefined : Buffer.from(body) })

describe('replay matching', () => {
  const index = createReplayIndex([
    entry('GET', '/api/users?page=1&sort=name', 200, 'page 1'),
    entry('GET', '/api/users/1', 200, 'first'),
    entry('GET', '/api/users/1', 200, 'second'),
    entry('POST', '/api/users', 201, 'ada', '{"name":"Ada","role":"admin"}'),
    entry('POST', '/api/users', 201, 'bob', '{"name":"Bob"}'),
  ])
  const text = (match: ReturnType<typeof index.match>) => (match.kind === 'hit' ? match.entry.response.content.text : undefined)

  it('query order does not matter', () => {
    expect(text(index.match(req('GET', '/api/users?sort=name&page=1')))).toBe('page 1')
  })

  it('JSON bodies match by structure (key order, spacing)', () => {
    expect(text(index.match(req('POST', '/api/users', '{ "role": "admin", "name": "Ada" }')))).toBe('ada')
    expect(text(index.match(req('POST', '/api/users', '{"name":"Bob"}')))).toBe('bob')
  })

  it('identical requests are answered in recorded order, then the last repeats', () => {
    const fresh = createReplayIndex([entry('GET', '/x', 200, 'one'), entry('GET', '/x', 200, 'two')])
    const answers = [1, 2, 3, 4].map(() => fresh.match(req('GET', '/x')))
    expect(answers.map((m) => (m.kind === 'hit' ? m.entry.response.content.text : m.kind))).toEqual(['one', 'two', 'two', 'two'])
    expect(answers[0]).toMatchObject({ index: 0, of: 2 })
  })

  it.each([
    { request: req('GET', '/api/users/2'), nearest: 'GET /api/users/1', differences: ['path: /api/users/1 (recorded) vs /api/users/2'] },
    { request: req('GET', '/api/users?page=2&sort=name'), nearest: 'GET /api/users?page=1&sort=name', differences: ['query: page=1&sort=name (recorded) vs page=2&sort=name'] },
    { request: req('DELETE', '/api/users/1'), nearest: 'GET /api/users/1', differences: ['method: GET (recorded) vs DELETE'] },
    { request: req('POST', '/api/users', '{"name":"Cy"}'), nearest: 'POST /api/users', differences: ['body: JSON differs at $.name'] },
  ])('a miss names the nearest recording and what differs: $request.method $request.url', ({ request, nearest, differences }) => {
    const match = index.match(request)
    expect(match.kind).toBe('miss')
    if (match.kind !== 'miss') return
    expect(`${match.nearest?.method} ${match.nearest?.url}`).toBe(nearest)
    expect(match.nearest?.differences).toEqual(differences)
  })

  it('an empty recording misses with no nearest', () => {
    expect(createReplayIndex([]).match(req('GET', '/'))).toEqual({ kind: 'miss', nearest: undefined })
  })
})

describe('replay matching: cache-busters, conditional requests and 304s', () => {
  const text = (match: ReturnType<ReturnType<typeof createReplayIndex>['match']>) => (match.kind === 'hit' ? match.entry.response.content.text : match.kind)
  const conditional = { 'if-none-match': '"v1"' }

  it.each([
    { recorded: '/api/x?_=1700000000001', asked: '/api/x?_=1700000000999', answer: 'busted' },
    { recorded: '/api/x?ts=1&page=2', asked: '/api/x?page=2&ts=9', answer: 'busted' },
    { recorded: '/api/x?_=1', asked: '/api/x', answer: 'busted' },
  ])('cache-busters do not count, as in devproxy diff: $recorded answers $asked', ({ recorded, asked, answer }) => {
    expect(text(createReplayIndex([entry('GET', recorded, 200, answer)]).match(req('GET', asked)))).toBe(answer)
  })

  it('an exact query is preferred: a parameter named like a cache-buster may still mean something', () => {
    const index = createReplayIndex([entry('GET', '/search?t=cats', 200, 'cats'), entry('GET', '/search?t=dogs', 200, 'dogs')])
    expect(text(index.match(req('GET', '/search?t=dogs')))).toBe('dogs')
    expect(text(index.match(req('GET', '/search?t=cats')))).toBe('cats')
  })

  it('a 304 answers only a conditional request, which gets one when there is one', () => {
    const index = createReplayIndex([entry('GET', '/app.js', 200, 'code'), entry('GET', '/app.js', 304, '')])
    const conditionalMatch = (headers: Record<string, string>) => index.match({ ...req('GET', '/app.js'), headers })
    expect([1, 2, 3].map(() => text(index.match(req('GET', '/app.js'))))).toEqual(['code', 'code', 'code'])
    expect(conditionalMatch(conditional)).toMatchObject({ kind: 'hit', entry: { response: { status: 304 } } })
    expect(conditionalMatch({ 'if-modified-since': 'Mon, 01 Jan 2024 00:00:00 GMT' })).toMatchObject({ kind: 'hit', entry: { response: { status: 304 } } })
    // A conditional request with nothing but a 200 recorded gets the 200 (always a valid answer).
    expect(text(createReplayIndex([entry('GET', '/app.js', 200, 'code')]).match({ ...req('GET', '/app.js'), headers: conditional }))).toBe('code')
  })

  it('only 304s recorded and an unconditional request: a miss that says why', () => {
    const match = createReplayIndex([entry('GET', '/cached.js', 304, '')]).match(req('GET', '/cached.js'))
    expect(match.kind).toBe('miss')
    if (match.kind !== 'miss') return
    expect(match.reason?.message).toBe(
      'only 304 Not Modified is recorded for GET /cached.js, and this request is not conditional (no If-None-Match or If-Modified-Since): a 304 would leave it without a body',
    )
    expect(match.reason?.hint).toContain('Disable cache')
  })
})
