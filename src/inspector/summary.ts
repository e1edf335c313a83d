import { redactSecrets } from '../local-api/secrets.js'
import { transactionTags } from '../log/format-line.js'
import type { Transaction } from '../proxy/index.js'
import type { TransactionSummary } from './api.js'

/**
 * One row of the inspector's list, as the terminal log's line shows it: plain JSON, `null` for
 * unknown, devproxy's own secrets blanked (secrets.ts). Pure.
 */
export function summarizeTransaction(tx: Readonly<Transaction>): TransactionSummary {
  // HTTP/2 names the host in :authority (RFC 9113 §8.3.1); Host is rarely sent beside it.
  const authority = tx.requestHeaders[':authority']
  const host = tx.requestHeaders.host ?? (typeof authority === 'string' ? authority : undefined)
  return {
    id: tx.id,
    startedAt: tx.startedAt,
    protocol: `HTTP/${tx.httpVersion}`,
    scheme: tx.scheme,
    kind: tx.kind,
    method: tx.method,
    host: host === undefined || host === '' ? null : host,
    url: redactSecrets(tx.url),
    route: tx.route ?? null,
    target: tx.target ?? null,
    status: tx.status ?? null,
    durationMs: tx.durationMs,
    responseBytes: tx.responseBytes,
    tags: transactionTags(tx).map((tag) => tag.text),
    error: tx.error === undefined ? null : { type: tx.error.type, message: redactSecrets(tx.error.message) },
  }
}
