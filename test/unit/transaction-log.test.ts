import { gzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FLUSH_DELAY_MS } from '../../src/log/batched-writer.js'
import { createPalette } from '../../src/log/logger.js'
import { plainPalette } from '../../src/terminal/palette.js'
import { createTransactionLog, type TransactionLogOptions } from '../../src/log/transaction-log.js'
import type { CapturedBody } from '../../src/proxy/transaction/body-capture.js'
import type { Transaction } from '../../src/proxy/transaction/transaction.js'

const startedAt = new Date(2024, 4, 6, 14, 3, 9, 42).getTime()

function body(text: string, contentType = 'application/json', encoding?: string): CapturedBody {
  const bytes = encoding === 'gzip' ? gzipSync(text) : Buffer.from(text)
  return { contentType, contentEncoding: encoding, bytes, totalBytes: bytes.length, truncated: false }
}

function transaction(overrides: Partial<Transaction> = {}): Transaction {
  return {
    id: '1', kind: 'http', startedAt, startMs: 0, method: 'GET', url: '/api/users/1', httpVersion: '1.1', scheme: 'http', clientIp: '127.0.0.1',
    requestHeaders: { host: 'localhost:8080', connection: 'keep-alive', accept: '*/*' },
    route: 'api', target: 'http://localhost:3000', forwardedUrl: '/users/1',
    forwardedHeaders: { host: 'localhost:3000', accept: '*/*', 'x-forwarded-for': '127.0.0.1', via: '1.1 devproxy-3f9a2c1e', 'x-devproxy-attempt': '1' },
    responseHeadersReceived: { 'content-type': 'application/json', 'keep-alive': 'timeout=5', date: 'Mon' },
    responseHeadersSent: { 'content-type': 'application/json', via: '1.1 devproxy-3f9a2c1e', date: 'Mon' },
    status: 200, requestBytes: 0, responseBytes: 27, attempts: [], maxAttempts: 1, retryNote: undefined, faults: [], replay: undefined,
    requestBody: undefined, responseBody: undefined, error: undefined, ending: 'completed', durationMs: 12.4,
    ...overrides,
  }
}

/** Runs transactions through a log and returns what it printed, once every block is out. */
async function printed(options: Partial<TransactionLogOptions>, txs: Transaction[]): Promise<string[]> {
  let out = ''
  const log = createTransactionLog({ detail: 'normal', json: false, palette: plainPalette, ignore: [], write: (text) => (out += text), ...options })
  for (const tx of txs) log(tx)
  await log.flushed()
  return out.trimEnd().split('\n')
}

describe('the transaction log, plain', () => {
  it('normal: one line', async () => {
    expect(await printed({}, [transaction()])).toEqual(['14:03:09.042 GET    /api/users/1 → /users/1 api → http://localhost:3000 200 12ms 27 B'])
  })

  it('-v: what the route changed (here changeOrigin\'s Host), not the rewrites made on every request', async () => {
    expect(await printed({ detail: 'headers', ignore: ['date'] }, [transaction()])).toEqual([
      '14:03:09.042 GET    /api/users/1 → /users/1 api → http://localhost:3000 200 12ms 27 B',
      '  request: received → forwarded',
      '    ~ host: localhost:8080 → localhost:3000',
    ])
  })

  it('-v: the route\'s header rules, request and response', async () => {
    const tx = transaction({
      requestHeaders: { host: 'localhost:8080', connection: 'keep-alive', cookie: 'a=1' },
      forwardedHeaders: { host: 'localhost:8080', 'x-env': 'dev', 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'localhost:8080', via: '1.1 devproxy-3f9a2c1e', 'x-devproxy-attempt': '1' },
      responseHeadersSent: { 'content-type': 'application/json', via: '1.1 devproxy-3f9a2c1e', date: 'Mon', 'cache-control': 'no-store' },
    })
    expect((await printed({ detail: 'headers' }, [tx])).slice(1)).toEqual([
      '  request: received → forwarded',
      '    - cookie: a=1',
      '    + x-env: dev',
      '  response: received → sent',
      '    + cache-control: no-store',
    ])
  })

  it('-v: one line when only the standard rewrites happened', async () => {
    const tx = transaction({ forwardedHeaders: { host: 'localhost:8080', accept: '*/*', 'x-forwarded-for': '127.0.0.1', via: '1.1 devproxy-3f9a2c1e', 'x-devproxy-attempt': '1' } })
    expect((await printed({ detail: 'headers' }, [tx])).slice(1)).toEqual(['  headers: no changes beyond the standard rewrites (-vvv lists them)'])
  })

  it('-vvv: every change, the standard rewrites included', async () => {
    expect(await printed({ detail: 'headers', ignore: ['date'], allHeaders: true }, [transaction()])).toEqual([
      '14:03:09.042 GET    /api/users/1 → /users/1 api → http://localhost:3000 200 12ms 27 B',
      '  request: received → forwarded',
      '    - connection: keep-alive',
      '    ~ host: localhost:8080 → localhost:3000',
      '    + via: 1.1 devproxy-3f9a2c1e',
      '    + x-devproxy-attempt: 1',
      '    + x-forwarded-for: 127.0.0.1',
      '  response: received → sent',
      '    - keep-alive: timeout=5',
      '    + via: 1.1 devproxy-3f9a2c1e',
    ])
  })

  it('-vv: the first response of an endpoint is summarised, the next one diffed (gzip decoded, ignored paths left out)', async () => {
    const first = transaction({ responseBody: body('{"id":1,"name":"Ann","requestId":"a1"}', 'application/json', 'gzip') })
    const second = transaction({ responseBody: body('{"requestId":"b2","name":"Anna","id":1}') })
    const lines = await printed({ detail: 'body', ignore: ['date', 'connection', 'host', 'via', 'x-forwarded-for', 'keep-alive', '$.requestId'] }, [first, second])
    expect(lines.filter((l) => !l.startsWith('14:') && !l.startsWith('  headers:'))).toEqual([
      '  body (first seen): {"id":1,"name":"Ann","requestId":"a1"} (object, 3 keys, 38 B)',
      '  body vs the previous response:',
      '    ~ $.name: "Ann" → "Anna"',
    ])
  })

  it('-vv against a baseline instead of the previous response', async () => {
    const baseline = new Map([['GET - /api/users/1', { contentType: 'application/json', bytes: Buffer.from('{"id":1,"name":"Bob"}'), truncated: false, totalBytes: 21 }]])
    const lines = await printed({ detail: 'body', baseline }, [transaction({ responseBody: body('{"id":1,"name":"Ann"}') })])
    expect(lines.slice(-2)).toEqual(['  body vs the baseline:', '    ~ $.name: "Bob" → "Ann"'])
  })

  it('-q: only errors, 5xx and faults', async () => {
    const lines = await printed({ detail: 'quiet' }, [
      transaction(),
      transaction({ status: 503, url: '/api/a' }),
      transaction({ faults: ['latency 300ms'], url: '/api/b' }),
      transaction({ status: 404, url: '/api/c' }),
    ])
    expect(lines.map((l) => l.split(' ')[4] === undefined ? l : l.split(/\s+/)[2])).toEqual(['/api/a', '/api/b'])
  })

  it('--json: one object per line with the documented fields', async () => {
    const [line] = await printed({ json: true }, [transaction({ faults: ['reset'] })])
    const json = JSON.parse(line!)
    expect(Object.keys(json)).toEqual([
      'id', 'time', 'kind', 'method', 'url', 'httpVersion', 'scheme', 'route', 'target', 'forwardedUrl', 'status', 'durationMs', 'requestBytes',
      'responseBytes', 'ending', 'error', 'attempts', 'answeredBy', 'hooked', 'retryNote', 'faults', 'tunnel', 'headers',
    ])
    expect(json).toMatchObject({ method: 'GET', url: '/api/users/1', httpVersion: 'HTTP/1.1', scheme: 'http', status: 200, faults: ['reset'], headers: { forwarded: { 'x-forwarded-for': '127.0.0.1' } } })
  })
})

describe('the transaction log, batched', () => {
  beforeEach(() => void vi.useFakeTimers())
  afterEach(() => void vi.useRealTimers())

  it('writes the lines of transactions finished within FLUSH_DELAY_MS in one call, in order, fitted to the width of that moment', () => {
    const writes: string[] = []
    let columns = 200
    const log = createTransactionLog({ detail: 'normal', json: false, palette: plainPalette, ignore: [], width: () => columns, write: (text) => writes.push(text) })
    log(transaction({ url: '/a' }))
    log(transaction({ url: `/b/${'x'.repeat(60)}` }))
    vi.advanceTimersByTime(FLUSH_DELAY_MS - 1)
    expect(writes).toEqual([])
    columns = 60
    vi.advanceTimersByTime(1)
    expect(writes).toHaveLength(1)
    const lines = writes[0]!.trimEnd().split('\n')
    expect(lines.map((l) => l.split(/\s+/)[2]!.slice(0, 3))).toEqual(['/a', '/b/'])
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(60)
    log(transaction({ url: '/c' }))
    vi.advanceTimersByTime(FLUSH_DELAY_MS)
    expect(writes).toHaveLength(2)
  })

  it('flushed() writes what is waiting at once, and nothing twice', async () => {
    const writes: string[] = []
    const log = createTransactionLog({ detail: 'headers', json: false, palette: plainPalette, ignore: [], write: (text) => writes.push(text) })
    log(transaction())
    await log.flushed()
    expect(writes).toHaveLength(1)
    expect(writes[0]).toContain('  request: received → forwarded')
    await log.flushed()
    vi.advanceTimersByTime(FLUSH_DELAY_MS)
    expect(writes).toHaveLength(1)
  })
})

describe('the transaction log, colored', () => {
  const color = createPalette(1)
  const strip = (text: string) => text.replace(/\u001b\[[\d;]*m/g, '')

  it('colors status, method, diff signs — and reads the same once the codes are stripped', async () => {
    const plain = await printed({ detail: 'headers', allHeaders: true }, [transaction()])
    const colored = await printed({ detail: 'headers', allHeaders: true, palette: color }, [transaction()])
    expect(colored.map(strip)).toEqual(plain)
    expect(colored[0]).toContain('\u001b[32mGET   \u001b[39m')
    expect(colored[0]).toContain('\u001b[32m200\u001b[39m')
    expect(colored.find((l) => strip(l).startsWith('    - '))).toMatch(/\u001b\[31m/)
    expect(colored.find((l) => strip(l).startsWith('    + '))).toMatch(/\u001b\[32m/)
    expect(colored.find((l) => strip(l).startsWith('    ~ '))).toMatch(/\u001b\[33m/)
  })
})
