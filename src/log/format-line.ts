import type { Transaction } from '../proxy/transaction.js'
import { formatBytes, formatClock, formatDuration } from './format.js'
import type { Palette } from './palette.js'

/**
 * One line per transaction: time, method, path, route → target, status, duration, size and
 * tags. Pure: the same transaction and palette always give the same line.
 */
export function formatTransactionLine(tx: Readonly<Transaction>, palette: Palette): string {
  const method = tx.kind === 'websocket' ? 'WS' : tx.method
  const parts = [
    palette.dim(formatClock(tx.startedAt)),
    palette.method(method, method.padEnd(6)),
    tx.url,
    palette.route(tx.route ? `${tx.route} → ${tx.target ?? '-'}` : '(no route)'),
    palette.status(tx.status, tx.status === undefined ? '---' : String(tx.status)),
    formatDuration(tx.durationMs),
    formatBytes(tx.responseBytes),
  ]
  const tags = transactionTags(tx)
  if (tags.length > 0) parts.push(tags.map((tag) => (tag.severity === 'error' ? palette.error(`[${tag.text}]`) : palette.warn(`[${tag.text}]`))).join(' '))
  return parts.join(' ')
}

interface Tag {
  readonly text: string
  readonly severity: 'error' | 'warn'
}

export function transactionTags(tx: Readonly<Transaction>): Tag[] {
  const tags: Tag[] = []
  for (const fault of tx.faults) tags.push({ text: `fault ${fault}`, severity: 'warn' })
  for (const attempt of tx.attempts) {
    if (attempt.n === 1) continue
    tags.push({ text: `retry ${attempt.n}/${tx.maxAttempts} after ${Math.round(attempt.backoffMs)}ms: ${attempt.retryOf ?? '?'}`, severity: 'warn' })
  }
  const failed = tx.error !== undefined || (tx.status !== undefined && tx.status >= 500)
  if (tx.retryNote && failed) tags.push({ text: `no retry: ${tx.retryNote}`, severity: 'warn' })
  if (tx.error) tags.push({ text: tx.error.type, severity: 'error' })
  if (tx.ending === 'client-aborted') tags.push({ text: 'client aborted', severity: 'warn' })
  if (tx.ending === 'upstream-aborted') tags.push({ text: 'upstream aborted mid-body', severity: 'error' })
  return tags
}
