import type { Transaction } from '../proxy/transaction.js'
import { formatBytes, formatClock, formatDuration } from './format.js'
import { plainPalette, type Palette } from './palette.js'

/**
 * One line per transaction: time, method, path, route → target, status, duration, size and
 * tags. Pure: the same transaction and palette always give the same line.
 */
export function formatTransactionLine(tx: Readonly<Transaction>, palette: Palette, width?: number): string {
  if (width === undefined) return renderLine(tx, palette, tx.url, true)
  // Measure without color and give the path what the terminal has left; on a narrow terminal
  // drop the target, and as a last resort cut the (uncolored) line: it must never wrap.
  for (const showTarget of [true, false]) {
    const overflow = renderLine(tx, plainPalette, tx.url, showTarget).length - width
    const url = overflow > 0 ? shortenMiddle(tx.url, tx.url.length - overflow) : tx.url
    if (renderLine(tx, plainPalette, url, showTarget).length <= width) return renderLine(tx, palette, url, showTarget)
  }
  const plain = renderLine(tx, plainPalette, shortenMiddle(tx.url, MIN_PATH), false)
  return `${plain.slice(0, Math.max(1, width - 1))}…`
}

const MIN_PATH = 12

/** `/api/users/12345/orders?page=2` → `/api/us…?page=2` in `max` characters (at least 12). */
export function shortenMiddle(text: string, max: number): string {
  const room = Math.max(MIN_PATH, max)
  if (text.length <= room) return text
  const tail = Math.floor((room - 1) / 2)
  return `${text.slice(0, room - 1 - tail)}…${text.slice(text.length - tail)}`
}

function renderLine(tx: Readonly<Transaction>, palette: Palette, url: string, showTarget: boolean): string {
  const method = tx.kind === 'websocket' ? 'WS' : tx.method
  const route = tx.route ? (showTarget ? `${tx.route} → ${tx.target ?? '-'}` : tx.route) : '(no route)'
  const status = palette.status(tx.status, tx.status === undefined ? '---' : String(tx.status))
  const line = `${palette.dim(formatClock(tx.startedAt))} ${palette.method(method, method.padEnd(6))} ${url} ${palette.route(route)} ${status} ${formatDuration(tx.durationMs)} ${formatBytes(tx.responseBytes)}`
  const tags = transactionTags(tx)
  if (tags.length === 0) return line
  return `${line} ${tags.map((tag) => (tag.severity === 'error' ? palette.error(`[${tag.text}]`) : palette.warn(`[${tag.text}]`))).join(' ')}`
}

interface Tag {
  readonly text: string
  readonly severity: 'error' | 'warn'
}

const NO_TAGS: readonly Tag[] = Object.freeze([])

export function transactionTags(tx: Readonly<Transaction>): readonly Tag[] {
  // Nearly every line: one attempt, nothing went wrong.
  if (tx.ending === 'completed' && tx.error === undefined && tx.faults.length === 0 && tx.replay === undefined && tx.attempts.length <= 1 && !tx.retryNote) return NO_TAGS
  const tags: Tag[] = []
  if (tx.replay === 'hit') tags.push({ text: 'replay', severity: 'warn' })
  if (tx.replay === 'miss') tags.push({ text: 'replay miss', severity: 'error' })
  if (tx.replay === 'fallthrough') tags.push({ text: 'replay miss → live', severity: 'warn' })
  for (const fault of tx.faults) tags.push({ text: `fault ${fault}`, severity: 'warn' })
  for (const attempt of tx.attempts) {
    if (attempt.n === 1) continue
    if (attempt.retryOf === 'stale connection') {
      tags.push({ text: 'reconnected: stale keep-alive connection', severity: 'warn' })
      continue
    }
    tags.push({ text: `retry ${attempt.n}/${tx.maxAttempts} after ${Math.round(attempt.backoffMs)}ms: ${attempt.retryOf ?? '?'}`, severity: 'warn' })
  }
  const failed = tx.error !== undefined || (tx.status !== undefined && tx.status >= 500)
  if (tx.retryNote && failed) tags.push({ text: `no retry: ${tx.retryNote}`, severity: 'warn' })
  if (tx.error) tags.push({ text: tx.error.type, severity: 'error' })
  if (tx.ending === 'client-aborted') tags.push({ text: 'client aborted', severity: 'warn' })
  if (tx.ending === 'upstream-aborted') tags.push({ text: 'upstream aborted mid-body', severity: 'error' })
  if (tx.ending === 'shutdown') tags.push({ text: 'cut by shutdown', severity: 'warn' })
  return tags
}
