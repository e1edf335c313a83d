/**
 * The client's copy of the server's history: arrival order, newest last, never more rows than the
 * server keeps (a row the server forgot would only answer 404 when selected).
 */
import type { TransactionSummary } from '../../../src/inspector/api.js'

/**
 * `list` with `batch` appended and the oldest rows dropped past `maxCount`. A row whose id comes
 * again (a reconnect racing a batch) is replaced and moves to the end, so ids stay unique.
 */
export function appendBatch(
  list: readonly TransactionSummary[],
  batch: readonly TransactionSummary[],
  maxCount: number,
): readonly TransactionSummary[] {
  if (batch.length === 0) return list
  const incoming = new Set(batch.map((tx) => tx.id))
  const unique = incoming.size === batch.length ? batch : dedupeKeepingLast(batch)
  const kept = list.filter((tx) => !incoming.has(tx.id))
  const merged = kept.length + unique.length > maxCount ? [...kept, ...unique].slice(-maxCount) : [...kept, ...unique]
  return maxCount > 0 ? merged : []
}

function dedupeKeepingLast(batch: readonly TransactionSummary[]): TransactionSummary[] {
  const last = new Map(batch.map((tx, i) => [tx.id, i]))
  return batch.filter((tx, i) => last.get(tx.id) === i)
}
