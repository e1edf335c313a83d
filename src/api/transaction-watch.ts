import { compilePathPattern, pathPatternProblem } from '../config/path-pattern.js'
import { DevproxyError } from '../errors.js'
import { toTransactionJson, type TransactionJson } from '../log/format-json.js'
import type { Transaction, TransactionSink } from '../proxy/index.js'

/**
 * The finished transactions of one proxy, as `--json` prints them (src/log/format-json.ts), for
 * a test to assert on: the list so far, and a promise for the next one that matches.
 */

/** Which transaction `nextTransaction` waits for: every field given must match. */
export interface TransactionMatch {
  /** The request path without the query: exact (`/api/orders`) or a path pattern (`/api/orders/*`; README: Path patterns). */
  path?: string
  /** The request method, any case. */
  method?: string
  /** The name of the route that took it. */
  route?: string
  /** The status the client got. */
  status?: number
}

export interface NextTransactionOptions {
  /** Reject when none matching has finished by then. Default: `5000`. */
  timeoutMs?: number
}

export interface TransactionWatch {
  /** Handed to the engine: called as each transaction finishes. */
  readonly sink: TransactionSink
  list(): readonly TransactionJson[]
  clear(): void
  next(match: TransactionMatch | ((tx: TransactionJson) => boolean), options?: NextTransactionOptions): Promise<TransactionJson>
  /** Rejects every pending `next`: the proxy closed. */
  close(): void
}

const DEFAULT_TIMEOUT_MS = 5_000

interface Waiter {
  readonly test: (tx: TransactionJson) => boolean
  resolve(tx: TransactionJson): void
  reject(error: Error): void
}

/** `keep`: how many finished transactions `list()` holds; the oldest go first. */
export function createTransactionWatch(keep = Number.POSITIVE_INFINITY): TransactionWatch {
  let finished: TransactionJson[] = []
  /** Every transaction that finished, kept or not: where a waiter's "meanwhile" starts. */
  let total = 0
  const waiters = new Set<Waiter>()
  let closed = false

  const sink = (tx: Readonly<Transaction>) => {
    const json = toTransactionJson(tx)
    total++
    finished.push(json)
    if (finished.length > keep) finished.shift()
    for (const waiter of waiters) {
      if (!waiter.test(json)) continue
      waiters.delete(waiter)
      waiter.resolve(json)
    }
  }

  return {
    sink,
    list: () => [...finished],
    clear: () => {
      finished = []
    },
    next(match, options = {}) {
      let test: (tx: TransactionJson) => boolean
      try {
        test = typeof match === 'function' ? match : matcherOf(match)
      } catch (error) {
        return Promise.reject(error as Error)
      }
      const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
      if (closed) return Promise.reject(new DevproxyError('proxy_closed', 'nextTransaction() on a proxy that is closed', { suggestion: 'Call it before proxy.close().' }))
      const seenBefore = total
      return new Promise<TransactionJson>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter)
          reject(timeoutError(match, timeoutMs, total - seenBefore, finished.slice(Math.max(0, finished.length - (total - seenBefore)))))
        }, timeoutMs)
        const waiter: Waiter = {
          test,
          resolve: (tx) => {
            clearTimeout(timer)
            resolve(tx)
          },
          reject: (error) => {
            clearTimeout(timer)
            reject(error)
          },
        }
        waiters.add(waiter)
      })
    },
    close() {
      closed = true
      for (const waiter of waiters) waiter.reject(new DevproxyError('proxy_closed', 'the proxy closed before a matching transaction finished'))
      waiters.clear()
    },
  }
}

function matcherOf(match: TransactionMatch): (tx: TransactionJson) => boolean {
  const problem = match.path === undefined ? undefined : pathPatternProblem(match.path)
  if (problem !== undefined) throw new DevproxyError('match_invalid', `nextTransaction: path ${JSON.stringify(match.path)} ${problem.message}`, { suggestion: problem.suggestion })
  const matchesPath = match.path === undefined ? () => true : compilePathPattern(match.path)
  const method = match.method?.toUpperCase()
  return (tx) =>
    (method === undefined || tx.method.toUpperCase() === method) &&
    (match.route === undefined || tx.route === match.route) &&
    (match.status === undefined || tx.status === match.status) &&
    matchesPath(pathOf(tx.url))
}

/** The path of a request target as the client sent it (origin-form, or absolute-form through a forward proxy). */
function pathOf(url: string): string {
  const path = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.test(url) ? url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '') || '/' : url
  return path.split(/[?#]/, 1)[0]!
}

/** `meanwhile`: those of the `count` that finished while it waited which are still kept. */
function timeoutError(match: TransactionMatch | ((tx: TransactionJson) => boolean), timeoutMs: number, count: number, meanwhile: readonly TransactionJson[]): DevproxyError {
  const wanted = typeof match === 'function' ? 'matching the function given' : `matching ${JSON.stringify(match)}`
  const listed = meanwhile.slice(0, 5).map((tx) => `${tx.method} ${tx.url} ${tx.status ?? '-'}`)
  const seen = count === 0 ? 'none finished meanwhile' : `${count} finished meanwhile${listed.length === 0 ? '' : `: ${listed.join(', ')}${count > listed.length ? ', …' : ''}`}`
  return new DevproxyError('transaction_timeout', `no transaction ${wanted} finished within ${timeoutMs} ms (${seen})`, {
    suggestion: 'Call nextTransaction() before sending the request, and check the path (no query) and method; proxy.transactions lists what finished.',
  })
}
