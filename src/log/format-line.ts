import { redactSecrets } from '../local-api/secrets.js'
import { answeredInPlace, type Transaction } from '../proxy/index.js'
import { formatBytes, formatClock, formatDuration } from '../terminal/format.js'
import { plainPalette, type Palette } from '../terminal/palette.js'
import { endColumns, startColumns, textWidth } from '../terminal/text-width.js'

/**
 * One line per transaction: time, method, path (→ the path forwarded, when stripPrefix or
 * rewrite changed it), route → target, status, duration, size and tags. Pure: the same
 * transaction and palette always give the same line.
 */
export function formatTransactionLine(tx: Readonly<Transaction>, palette: Palette, width?: number): string {
  // A devproxy secret in a URL (a login token in a query) is blanked: the log is copied from.
  const url = redactSecrets(tx.url)
  // A mock or a recording that answered forwarded nothing: no path forwarded to show.
  const forwarded = tx.forwardedUrl !== undefined && tx.forwardedUrl !== tx.url && !answeredInPlace(tx) ? redactSecrets(tx.forwardedUrl) : undefined
  const full: Layout = { url, forwarded, target: 'full' }
  if (width === undefined) return renderLine(tx, palette, full)
  // Measured without color, in terminal columns (a CJK character takes two). The path is what a
  // reader scans for, and the target is the same on every line of a route: the target gives way
  // first (its scheme, then all of it; the route name stays), then the forwarded path, and only
  // then is the path shortened in the middle.
  // As a last resort the line is cut: it must never wrap.
  for (const layout of [full, { ...full, target: 'short' }, { ...full, target: 'none' }, { url, forwarded: undefined, target: 'none' }] satisfies Layout[]) {
    if (textWidth(renderLine(tx, plainPalette, layout)) <= width) return renderLine(tx, palette, layout)
  }
  const bare: Layout = { url, forwarded: undefined, target: 'none' }
  const overflow = textWidth(renderLine(tx, plainPalette, bare)) - width
  const shortened: Layout = { ...bare, url: shortenMiddle(url, textWidth(url) - overflow) }
  const plain = renderLine(tx, plainPalette, shortened)
  if (textWidth(plain) <= width) return renderLine(tx, palette, shortened)
  return `${startColumns(plain, Math.max(1, width - 1))}…`
}

/**
 * What goes under the line at every verbosity, `-q` included: the message of a failure of the
 * route's own code (`route "api" onRequest threw at proxy.config.ts:12:9: …`), since the tag
 * alone (`[hook_error]`) says neither what nor where, and the developer fixing it looks here.
 * Never fitted to the width: it is the part to read whole.
 */
export function formatTransactionNotes(tx: Readonly<Transaction>, palette: Palette): readonly string[] {
  const error = tx.error
  if (error === undefined || (error.type !== 'hook_error' && error.type !== 'hook_timeout')) return NO_NOTES
  return [`  ${palette.error(error.message)}`]
}

const NO_NOTES: readonly string[] = Object.freeze([])

/** What a line shows of the path and the target, from the whole to the least. */
interface Layout {
  readonly url: string
  readonly forwarded: string | undefined
  /** `http://localhost:3000`, `localhost:3000` (no `http://`), or only the route name. */
  readonly target: 'full' | 'short' | 'none'
}

const MIN_PATH = 12

/** `/api/users/12345/orders?page=2` → `/api/us…?page=2` in `max` columns (at least 12). */
export function shortenMiddle(text: string, max: number): string {
  const room = Math.max(MIN_PATH, max)
  if (textWidth(text) <= room) return text
  const tail = Math.floor((room - 1) / 2)
  return `${startColumns(text, room - 1 - tail)}…${endColumns(text, tail)}`
}

function renderLine(tx: Readonly<Transaction>, palette: Palette, layout: Layout): string {
  if (tx.tunnelEnd !== undefined) return renderTunnel(tx, palette)
  const method = tx.kind === 'websocket' ? 'WS' : tx.method
  const route = tx.route ? (layout.target === 'none' ? tx.route : `${tx.route} → ${targetText(tx.target, layout.target)}`) : '(no route)'
  const status = palette.status(tx.status, tx.status === undefined ? '---' : String(tx.status))
  const path = layout.forwarded === undefined ? layout.url : `${layout.url} ${palette.dim(`→ ${layout.forwarded}`)}`
  const line = `${palette.dim(formatClock(tx.startedAt))} ${palette.method(method, method.padEnd(6))} ${path} ${palette.route(route)} ${status} ${formatDuration(tx.durationMs)} ${formatBytes(tx.responseBytes)}${tx.httpVersion === '2.0' ? palette.dim(' h2') : ''}`
  const tags = transactionTags(tx)
  if (tags.length === 0) return line
  return `${line} ${tags.map((tag) => (tag.severity === 'error' ? palette.error(`[${tag.text}]`) : palette.warn(`[${tag.text}]`))).join(' ')}`
}

/** A blind tunnel, when it ends: `CONNECT api.example.test:443 tunnel 200 12.3s ↑1.2 KB ↓48 KB [client-closed]`. */
function renderTunnel(tx: Readonly<Transaction>, palette: Palette): string {
  const end = tx.tunnelEnd!
  const tag = end === 'client-closed' || end === 'upstream-closed' ? palette.dim(`[${end}]`) : palette.warn(`[${end}]`)
  return `${palette.dim(formatClock(tx.startedAt))} ${palette.method('CONNECT', 'CONNECT'.padEnd(6))} ${tx.url} ${palette.route('tunnel')} ${palette.status(tx.status, String(tx.status ?? '---'))} ${formatDuration(tx.durationMs)} ↑${formatBytes(tx.requestBytes)} ↓${formatBytes(tx.responseBytes)} ${tag}`
}

/** `http://localhost:3000`; `localhost:3000` when short (an `https://` target keeps its scheme). */
function targetText(target: string | undefined, size: 'full' | 'short'): string {
  if (target === undefined) return '-'
  return size === 'short' && target.startsWith('http://') ? target.slice('http://'.length) : target
}

interface Tag {
  readonly text: string
  readonly severity: 'error' | 'warn'
}

const NO_TAGS: readonly Tag[] = Object.freeze([])

export function transactionTags(tx: Readonly<Transaction>): readonly Tag[] {
  // Nearly every line: one attempt, nothing went wrong.
  const by = tx.attempts.at(-1)?.by
  if (tx.ending === 'completed' && tx.error === undefined && tx.faults.length === 0 && tx.replay === undefined && tx.attempts.length <= 1 && !tx.retryNote && by === undefined && !tx.hooked) return NO_TAGS
  const tags: Tag[] = []
  // Answered by no upstream (a mock, onRequest), or passed through the route's code.
  if (by === 'mock') tags.push({ text: 'mock', severity: 'warn' })
  if (by === 'hook' || tx.hooked) tags.push({ text: 'hook', severity: 'warn' })
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
  // The route's transform failing mid-body cuts the client too, but the upstream did nothing wrong.
  if (tx.ending === 'upstream-aborted') tags.push({ text: tx.error?.type.startsWith('hook_') ? 'cut mid-body' : 'upstream aborted mid-body', severity: 'error' })
  if (tx.ending === 'shutdown') tags.push({ text: 'cut by shutdown', severity: 'warn' })
  return tags.length > 1 ? countRepeats(tags) : tags
}

/** `[fault reset] [fault reset] [fault reset]` (one per attempt) reads `[fault reset ×3]`, where the first was. */
function countRepeats(tags: readonly Tag[]): Tag[] {
  const counts = new Map<string, number>()
  for (const tag of tags) counts.set(tag.text, (counts.get(tag.text) ?? 0) + 1)
  if (counts.size === tags.length) return [...tags]
  const out: Tag[] = []
  for (const tag of tags) {
    const count = counts.get(tag.text)
    if (count === undefined) continue
    counts.delete(tag.text)
    out.push(count > 1 ? { ...tag, text: `${tag.text} ×${count}` } : tag)
  }
  return out
}
