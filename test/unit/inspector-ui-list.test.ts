import { describe, expect, it } from 'vitest'
import type { TransactionSummary } from '../../src/inspector/api.js'
import { ApiError } from '../../inspector/src/lib/api-error.js'
import { problemOf } from '../../inspector/src/lib/fault-problem.js'
import { compileFilter, EMPTY_FILTER, whereOf } from '../../inspector/src/lib/filters.js'
import { listChips, shortTag } from '../../inspector/src/lib/list-tags.js'
import { createEventStreamReader } from '../../inspector/src/lib/stream-reader.js'
import { forgetSession, keepSession, SESSION_KEY, storedSession, tokenFromHash, type SessionStore } from '../../inspector/src/lib/session.js'

/** The inspector UI's list, faults panel, live feed and sign-in rules (issues 27, 28), row by row. */

const summary = (fields: Partial<TransactionSummary>): TransactionSummary =>
  ({ id: '1', startedAt: 0, protocol: 'HTTP/1.1', scheme: 'http', kind: 'http', method: 'GET', host: '127.0.0.1:8080', url: '/api/x', route: 'api', target: 'http://localhost:3000', status: 200, durationMs: 1, responseBytes: 0, tags: [], error: null, ...fields }) as TransactionSummary

describe('listChips: one chip per kind of tag, the whole list in the tooltip', () => {
  it.each<[string[], string[]]>([
    [[], []],
    [['fault 5xx 503'], ['fault 5xx 503']],
    [['retry 2/3 after 1ms: 504'], ['retry 2/3']],
    [['fault 5xx 504', 'fault 5xx 503', 'retry 2/3 after 1ms: 504', 'retry 3/3 after 1ms: 503'], ['fault ×2', 'retry 3/3']],
    [['mock', 'upstream_timeout'], ['mock', 'upstream_timeout']],
  ])('%j → %j', (tags, chips) => {
    expect(listChips(tags).map((chip) => chip.text)).toEqual(chips)
  })

  it('keeps the tone of the kind', () => {
    expect(listChips(['fault 5xx 503', 'retry 2/3']).map((chip) => chip.tone)).toEqual(['fault', 'retry'])
  })

  it('shortTag leaves a tag without an explanation as it is', () => {
    expect(shortTag('replay')).toBe('replay')
  })
})

describe('the text filter matches what the row shows', () => {
  it.each<[Partial<TransactionSummary>, string]>([
    [{}, '127.0.0.1:8080/api/x'],
    [{ url: 'http://example.test/a' }, 'http://example.test/a'],
    [{ host: null }, '/api/x'],
  ])('whereOf(%j) is %s, and typing it finds the row', (fields, shown) => {
    const tx = summary(fields)
    expect(whereOf(tx)).toBe(shown)
    expect(compileFilter({ ...EMPTY_FILTER, text: shown })(tx)).toBe(true)
  })

  it('route → target as the column shows it', () => {
    expect(compileFilter({ ...EMPTY_FILTER, text: 'api → http://localhost:3000' })(summary({}))).toBe(true)
  })
})

describe('problemOf: a refused fault, said once', () => {
  it('the issue and its suggestion, not the message that repeats them with the field path', () => {
    const error = new ApiError(400, 'fault_invalid', 'faults[0] --5xx: "150%" is not a rate; write 30% or 0.3', [
      { path: 'faults[0]', message: '--5xx: "150%" is not a rate; write 30% or 0.3', suggestion: 'A rate is a percentage (0%–100%) or a fraction (0–1).' },
    ])
    expect(problemOf(error)).toEqual({ message: '--5xx: "150%" is not a rate; write 30% or 0.3', hint: 'A rate is a percentage (0%–100%) or a fraction (0–1).' })
  })

  it('a fault no request can match names the routes there are', () => {
    const error = new ApiError(422, 'fault_never_matches', 'faults[0] --route nope: no such route', [{ path: 'faults[0]', message: '--route nope: no such route' }], ['api', 'web'])
    expect(problemOf(error)).toEqual({ message: '--route nope: no such route', hint: 'The routes are: api, web.' })
  })

  it('anything else: its message', () => {
    expect(problemOf(new Error('offline'))).toEqual({ message: 'offline', hint: null })
  })
})

describe('createEventStreamReader: the live feed read with fetch, in whatever chunks it comes', () => {
  it('gives each event once it is whole, however the text is cut', () => {
    const text = 'event: snapshot\ndata: {"a":1}\n\n: keep-alive\n\nevent: metrics\ndata: {"b":2}\n\n'
    for (let cut = 0; cut <= text.length; cut++) {
      const reader = createEventStreamReader()
      const events = [...reader.push(text.slice(0, cut)), ...reader.push(text.slice(cut))]
      expect(events.filter((event) => event.data !== '').map((event) => [event.type, event.data])).toEqual([
        ['snapshot', '{"a":1}'],
        ['metrics', '{"b":2}'],
      ])
    }
  })
})

describe("the tab's session", () => {
  it.each<[string, string | null]>([
    ['#token=devproxy_login_abc', 'devproxy_login_abc'],
    ['token=x', 'x'],
    ['', null],
    ['#token=', null],
    ['#other=1', null],
  ])('tokenFromHash(%j) is %j', (hash, token) => {
    expect(tokenFromHash(hash)).toBe(token)
  })

  it('is kept, read and forgotten under one key; storage that refuses reads as signed out', () => {
    const map = new Map<string, string>()
    const store: SessionStore = { getItem: (key) => map.get(key) ?? null, setItem: (key, value) => void map.set(key, value), removeItem: (key) => void map.delete(key) }
    keepSession(store, 's')
    expect([...map]).toEqual([[SESSION_KEY, 's']])
    expect(storedSession(store)).toBe('s')
    forgetSession(store)
    expect(storedSession(store)).toBeNull()
    const refusing: SessionStore = { ...store, getItem: () => { throw new Error('SecurityError') } }
    expect(storedSession(refusing)).toBeNull()
  })
})
