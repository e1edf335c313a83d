import type { AttemptPhases, Transaction } from '../../src/proxy/index.js'
import { fakeAttempt, fakeTransaction } from './transaction.js'

/**
 * Finished transactions whose attempts had their phases timed (issue 29 item 2), as the attempt
 * state machine fills them: the views of `phases` (--json, HAR, the inspector's waterfall) are
 * tested against these. Times are sums of halves and quarters, exact in binary, so expectations
 * can be exact. Every transaction starts at `performance.now()` 1000.
 */

const phases = (timed: Partial<AttemptPhases>): AttemptPhases => ({ poolWait: null, connect: null, tls: null, upload: null, wait: null, receive: null, ...timed })

/** A new connection to an https:// target, every phase timed. */
export const ALL_PHASES: Transaction = fakeTransaction({
  id: 'all-phases',
  url: '/api/all-phases',
  startMs: 1000,
  target: 'https://localhost:3443',
  attempts: [
    fakeAttempt(1, {
      target: 'https://localhost:3443',
      startMs: 1000.5,
      durationMs: 30,
      phases: phases({ poolWait: 1.5, connect: 2, tls: 6, upload: 0.5, wait: 20, receive: 8 }),
    }),
  ],
  durationMs: 38.5,
})

/** A pooled keep-alive connection reused: no connect, no TLS. */
export const REUSED_CONNECTION: Transaction = fakeTransaction({
  id: 'reused',
  url: '/api/reused',
  startMs: 1000,
  attempts: [fakeAttempt(1, { startMs: 1000.5, durationMs: 4.5, phases: phases({ poolWait: 0.25, upload: 0.25, wait: 4, receive: 1 }) })],
  durationMs: 6,
})

/** A mock answered: nothing went upstream, only its wait was timed. */
export const MOCK_ONLY_WAIT: Transaction = fakeTransaction({
  id: 'mock',
  url: '/api/mocked',
  startMs: 1000,
  target: 'mocks',
  forwardedUrl: undefined,
  attempts: [fakeAttempt(1, { target: 'mocks', by: 'mock', startMs: 1000.25, durationMs: 0.75, phases: phases({ wait: 0.75 }) })],
  durationMs: 1.25,
})

/** The first attempt reset after 50 ms of waiting; the second, after a 100 ms backoff, on a new connection. */
export const RETRY_WITH_BACKOFF: Transaction = fakeTransaction({
  id: 'retry',
  url: '/api/retried',
  startMs: 1000,
  attempts: [
    fakeAttempt(1, {
      startMs: 1000.5,
      durationMs: 51.25,
      outcome: 'reset',
      status: undefined,
      errorCode: 'ECONNRESET',
      phases: phases({ connect: 1, upload: 0.25, wait: 50 }),
    }),
    fakeAttempt(2, { startMs: 1151.75, backoffMs: 100, retryOf: 'reset', durationMs: 11.5, phases: phases({ connect: 1.25, upload: 0.25, wait: 10, receive: 2 }) }),
  ],
  maxAttempts: 3,
  faults: [],
  durationMs: 165.25,
})

/** The four, by the case each stands for. */
export const PHASED_TRANSACTIONS = [
  { case: 'all phases, a new TLS connection', tx: ALL_PHASES },
  { case: 'a reused connection: no connect, no TLS', tx: REUSED_CONNECTION },
  { case: 'a mock: only wait', tx: MOCK_ONLY_WAIT },
  { case: 'a retry after a backoff', tx: RETRY_WITH_BACKOFF },
] as const
