import { NO_PHASES } from '../helpers/transaction.js'
import { describe, expect, it } from 'vitest'
import { formatTransactionLine, transactionTags } from '../../src/log/format-line.js'
import { formatClock } from '../../src/terminal/format.js'
import { plainPalette } from '../../src/terminal/palette.js'
import type { Transaction } from '../../src/proxy/transaction/transaction.js'

const startedAt = new Date(2024, 4, 6, 14, 3, 9, 42).getTime()

function transaction(overrides: Partial<Transaction> = {}): Transaction {
  return {
    id: '1',
    kind: 'http',
    startedAt,
    startMs: 0,
    method: 'GET',
    url: '/api/users?page=2',
    httpVersion: '1.1',
    scheme: 'http',
    clientIp: '127.0.0.1',
    requestHeaders: { host: 'localhost:8080' },
    route: 'api',
    target: 'http://localhost:3000',
    forwardedUrl: '/users?page=2',
    forwardedHeaders: undefined,
    responseHeadersReceived: undefined,
    responseHeadersSent: undefined,
    status: 200,
    requestBytes: 0,
    responseBytes: 1_234,
    attempts: [],
    maxAttempts: 1,
    retryNote: undefined, faults: [], replay: undefined, requestBody: undefined, responseBody: undefined,
    error: undefined,
    ending: 'completed',
    durationMs: 12.4,
    ...overrides,
  }
}

const line = (overrides: Partial<Transaction> = {}) => formatTransactionLine(transaction(overrides), plainPalette)

describe('formatTransactionLine: one line per transaction', () => {
  it('a plain 200: time, method, url → url forwarded, route → target, status, duration, size — in that order', () => {
    expect(line()).toBe(`${formatClock(startedAt)} GET    /api/users?page=2 → /users?page=2 api → http://localhost:3000 200 12ms 1.2 KiB`)
  })

  it('a request that came over HTTP/2 says so at the end of the line (h2); HTTP/1.x lines stay as they were', () => {
    expect(line({ httpVersion: '2.0' })).toBe(`${formatClock(startedAt)} GET    /api/users?page=2 → /users?page=2 api → http://localhost:3000 200 12ms 1.2 KiB h2`)
    expect(line({ httpVersion: '1.0' })).not.toContain('h2')
  })

  it.each([
    { why: 'stripPrefix or rewrite changed it', overrides: { url: '/api/users', forwardedUrl: '/users' }, path: '/api/users → /users api' },
    { why: 'it went upstream as received', overrides: { url: '/users', forwardedUrl: '/users' }, path: '/users api' },
    { why: 'nothing was forwarded (no route)', overrides: { url: '/nope', forwardedUrl: undefined, route: undefined, status: 404 }, path: '/nope (no route)' },
  ] satisfies { why: string; overrides: Partial<Transaction>; path: string }[])('shows the path forwarded only when $why', ({ overrides, path }) => {
    expect(line(overrides)).toContain(` ${path} `)
  })

  it('is a single line', () => {
    expect(line({ error: { type: 'upstream_timeout', message: 'x' }, ending: 'error' })).not.toContain('\n')
  })

  it.each([
    { field: 'the method', overrides: { method: 'DELETE' }, contains: 'DELETE' },
    { field: 'the url as received', overrides: { url: '/api/search?q=a%20b' }, contains: '/api/search?q=a%20b' },
    { field: 'route → target', overrides: { route: 'web', target: 'http://localhost:5173' }, contains: 'web → http://localhost:5173' },
    { field: 'route → - before any target', overrides: { route: 'web', target: undefined }, contains: 'web → -' },
    { field: '(no route) on a miss', overrides: { route: undefined, target: undefined, status: 404 }, contains: '(no route) 404' },
    { field: 'the status', overrides: { status: 503 }, contains: ' 503 ' },
    { field: '--- without a status', overrides: { status: undefined }, contains: ' --- ' },
    { field: 'the duration', overrides: { durationMs: 1_250 }, contains: ' 1.25s ' },
    { field: 'the response size', overrides: { responseBytes: 3_400_000 }, contains: ' 3.2 MiB' },
    { field: 'WS for a WebSocket', overrides: { kind: 'websocket', method: 'GET', status: 101 }, contains: 'WS     /api/users' },
  ] satisfies { field: string; overrides: Partial<Transaction>; contains: string }[])('shows $field', ({ overrides, contains }) => {
    expect(line(overrides)).toContain(contains)
  })

  it.each([
    { why: 'an upstream timeout', overrides: { status: 504, error: { type: 'upstream_timeout', message: 'm' }, ending: 'error' }, tags: '[upstream_timeout]' },
    { why: 'a connect failure', overrides: { status: 502, error: { type: 'upstream_connect_failed', message: 'm' }, ending: 'error' }, tags: '[upstream_connect_failed]' },
    { why: 'a client that went away', overrides: { ending: 'client-aborted' }, tags: '[client aborted]' },
    { why: 'an upstream that failed mid-body', overrides: { ending: 'upstream-aborted' }, tags: '[upstream aborted mid-body]' },
    {
      why: 'an error and a client abort',
      overrides: { error: { type: 'upstream_reset', message: 'm' }, ending: 'client-aborted' },
      tags: '[upstream_reset] [client aborted]',
    },
  ] satisfies { why: string; overrides: Partial<Transaction>; tags: string }[])('ends with $tags for $why', ({ overrides, tags }) => {
    expect(line(overrides).endsWith(` ${tags}`)).toBe(true)
  })

  it('has no tags for a completed transaction', () => {
    expect(line()).not.toContain('[')
    expect(transactionTags(transaction())).toEqual([])
  })

  it('is pure: the same transaction and palette give the same line', () => {
    const tx = transaction({ error: { type: 'upstream_reset', message: 'm' } })
    expect(formatTransactionLine(tx, plainPalette)).toBe(formatTransactionLine(tx, plainPalette))
  })
})

describe('transactionTags: severity', () => {
  it.each([
    { overrides: { error: { type: 'no_route', message: 'm' } }, tags: [{ text: 'no_route', severity: 'error' }] },
    { overrides: { ending: 'client-aborted' }, tags: [{ text: 'client aborted', severity: 'warn' }] },
    { overrides: { ending: 'upstream-aborted' }, tags: [{ text: 'upstream aborted mid-body', severity: 'error' }] },
  ] satisfies { overrides: Partial<Transaction>; tags: unknown[] }[])('$tags', ({ overrides, tags }) => {
    expect(transactionTags(transaction(overrides))).toEqual(tags)
  })
})

describe('formatTransactionLine: colors come from the palette', () => {
  it('routes each part through its palette function', () => {
    const tagged = formatTransactionLine(transaction({ error: { type: 'upstream_timeout', message: 'm' }, status: 504 }), {
      ...plainPalette,
      method: (method, text) => `<${method}:${text.trim()}>`,
      status: (status, text) => `<status ${status}:${text}>`,
      route: (text) => `<route:${text}>`,
      error: (text) => `<error:${text}>`,
    })
    expect(tagged).toContain('<GET:GET>')
    expect(tagged).toContain('<status 504:504>')
    expect(tagged).toContain('<route:api → http://localhost:3000>')
    expect(tagged).toContain('<error:[upstream_timeout]>')
  })
})

describe('transactionTags: retries', () => {
  const attempt = (n: number, backoffMs: number, retryOf: string | undefined, outcome: Transaction['attempts'][number]['outcome']) => ({
    n, target: 'http://localhost:3000', startMs: 0, backoffMs, retryOf, durationMs: 1, outcome, status: undefined, errorCode: undefined, phases: NO_PHASES,
  })

  it('one tag per retry with the backoff waited and why', () => {
    const tx = transaction({ maxAttempts: 3, attempts: [attempt(1, 0, undefined, 'reset'), attempt(2, 212.4, 'reset', 'response'), attempt(3, 410, '503', 'response')] })
    expect(transactionTags(tx).map((t) => t.text)).toEqual(['retry 2/3 after 212ms: reset', 'retry 3/3 after 410ms: 503'])
    expect(line({ maxAttempts: 3, attempts: [attempt(1, 0, undefined, 'reset'), attempt(2, 212.4, 'reset', 'response')] })).toMatch(/ \[retry 2\/3 after 212ms: reset\]$/)
  })

  it('says why a failure was not retried', () => {
    const tx = transaction({ status: 502, error: { type: 'upstream_reset', message: 'm' }, retryNote: 'POST is not retried once the request may have reached the upstream' })
    expect(transactionTags(tx)).toContainEqual({ text: 'no retry: POST is not retried once the request may have reached the upstream', severity: 'warn' })
  })

  it('counts a tag repeated on every attempt instead of repeating it', () => {
    const tx = transaction({
      status: 502,
      maxAttempts: 3,
      faults: ['reset', 'reset', 'reset'],
      attempts: [attempt(1, 0, undefined, 'reset'), attempt(2, 100, 'reset', 'reset'), attempt(3, 200, 'reset', 'reset')],
      error: { type: 'upstream_reset', message: 'm' },
      ending: 'error',
    })
    expect(transactionTags(tx).map((t) => t.text)).toEqual(['fault reset ×3', 'retry 2/3 after 100ms: reset', 'retry 3/3 after 200ms: reset', 'upstream_reset'])
    expect(line({ faults: ['latency 300ms', '5xx 503', '5xx 503'] })).toMatch(/ \[fault latency 300ms\] \[fault 5xx 503 ×2\]$/)
  })

  it('keeps quiet about the retry policy when the request succeeded', () => {
    expect(transactionTags(transaction({ status: 200, retryNote: 'all 3 attempts used' }))).toEqual([])
  })
})


describe('formatTransactionLine: fits the terminal width', () => {
  const long = `/api/users/${'1234567890'.repeat(8)}/orders?page=2`

  it.each([80, 100, 120])('a long path is shortened in the middle to fit %s columns', (width) => {
    const text = formatTransactionLine(transaction({ url: long }), plainPalette, width)
    expect(text.length).toBeLessThanOrEqual(width)
    expect(text).toContain('…')
    expect(text).toContain('/api/')
    expect(text).toContain('?page=2')
  })

  // 12 clock + 7 method + path + 27 `api → http://localhost:3000` + 16 status, duration, size, with spaces.
  const path30 = '/api/users/12345/orders?page=2'
  it.each([
    { width: 120, shows: `${path30} api → http://localhost:3000 200`, why: 'everything fits' },
    { width: 90, shows: `${path30} api → localhost:3000 200`, why: 'the target loses its scheme first' },
    { width: 80, shows: `${path30} api 200`, why: 'then the target goes, the route name stays' },
    { width: 61, shows: '/api/users…rs?page=2 api 200', why: 'only then is the path shortened' },
  ])('at $width columns the path keeps priority: $why', ({ width, shows }) => {
    const text = formatTransactionLine(transaction({ url: path30, forwardedUrl: path30 }), plainPalette, width)
    expect(text.length).toBeLessThanOrEqual(width)
    expect(text).toContain(` ${shows} `)
  })

  it.each([
    { width: 120, shows: '/api/users/12345/orders → /users/12345/orders api → http://localhost:3000 200' },
    { width: 86, shows: '/api/users/12345/orders → /users/12345/orders api 200' },
    { width: 85, shows: '/api/users/12345/orders api 200' },
  ])('the forwarded path gives way after the target, before the path ($width columns)', ({ width, shows }) => {
    const text = formatTransactionLine(transaction({ url: '/api/users/12345/orders', forwardedUrl: '/users/12345/orders' }), plainPalette, width)
    expect(text.length).toBeLessThanOrEqual(width)
    expect(text).toContain(` ${shows} `)
  })

  it('an https:// target keeps its scheme when shortened', () => {
    const text = formatTransactionLine(transaction({ url: path30, forwardedUrl: path30, target: 'https://localhost:3000' }), plainPalette, 90)
    expect(text).toContain(' api 200 ')
  })

  it('a line that fits is left alone', () => {
    expect(formatTransactionLine(transaction(), plainPalette, 200)).toBe(formatTransactionLine(transaction(), plainPalette))
  })

  it('a narrow terminal drops the target before the path goes under 12 characters', () => {
    const text = formatTransactionLine(transaction({ url: long }), plainPalette, 60)
    expect(text.length).toBeLessThanOrEqual(60)
    expect(text).toMatch(/ \/api\/\S+…\S+ api 200 /)
    expect(text).not.toContain('http://localhost:3000')
  })

  it('a tiny terminal gets a cut line, never a wrapped one', () => {
    const text = formatTransactionLine(transaction({ url: long }), plainPalette, 30)
    expect(text.length).toBe(30)
    expect(text.endsWith('…')).toBe(true)
  })

  it('color codes do not count toward the width', () => {
    const marked = { ...plainPalette, dim: (t: string) => `\u001b[2m${t}\u001b[22m` }
    const text = formatTransactionLine(transaction({ url: long }), marked, 80)
    expect(text.replace(/\u001b\[\d+m/g, '').length).toBeLessThanOrEqual(80)
  })
})
