import type { Attempt, Transaction } from '../../src/proxy/transaction/transaction.js'

/** A finished attempt that got a 200 (a retry of a reset after the first). */
export function fakeAttempt(n: number, overrides: Partial<Attempt> = {}): Attempt {
  return { n, target: 'http://localhost:3000', startMs: 0, backoffMs: 0, retryOf: n === 1 ? undefined : 'reset', durationMs: 1, outcome: 'response', status: 200, errorCode: undefined, phases: NO_PHASES, ...overrides }
}

/** An attempt's phases before any was timed. */
export const NO_PHASES = Object.freeze({ poolWait: null, connect: null, tls: null, upload: null, wait: null, receive: null })

/** A finished `GET /api/users` on route `api`, answered 200 in 10 ms after `tries` attempts; fields overridable. */
export function fakeTransaction(overrides: Partial<Transaction> & { tries?: number } = {}): Transaction {
  const { tries = 0, ...fields } = overrides
  return {
    id: '1',
    kind: 'http',
    startedAt: 0,
    startMs: 0,
    method: 'GET',
    url: '/api/users',
    httpVersion: '1.1',
    scheme: 'http',
    clientIp: '127.0.0.1',
    requestHeaders: { host: 'localhost:8080' },
    route: 'api',
    target: 'http://localhost:3000',
    forwardedUrl: '/users',
    forwardedHeaders: undefined,
    responseHeadersReceived: undefined,
    responseHeadersSent: undefined,
    status: 200,
    requestBytes: 0,
    responseBytes: 0,
    requestBody: undefined,
    responseBody: undefined,
    attempts: Array.from({ length: tries }, (_, i) => fakeAttempt(i + 1)),
    maxAttempts: Math.max(1, tries),
    retryNote: undefined,
    faults: [],
    replay: undefined,
    error: undefined,
    ending: 'completed',
    durationMs: 10,
    ...fields,
  }
}
