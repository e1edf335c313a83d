import type { Transaction, TransactionSink } from '../proxy/index.js'
import { createBatch, createBatchedWriter } from './batched-writer.js'
import { diffBodies, formatBodyDiff, summarizeBody, type DiffableBody } from '../diff/body-diff.js'
import { redactHeaderSecrets } from '../local-api/secrets.js'
import { decodeBody } from './decode-body.js'
import { createBodyHistory, endpointKey } from '../diff/endpoint.js'
import { formatTransactionJson } from './format-json.js'
import { formatTransactionLine, formatTransactionNotes } from './format-line.js'
import { diffHeaders, formatHeaderChanges, isStandardRewrite, type HeaderChange } from '../diff/header-diff.js'
import type { Palette } from '../terminal/palette.js'

/**
 * The terminal log as a transaction sink (DESIGN.md §5): one line per transaction, plus header
 * diffs (`-v`) and body diffs (`-vv`) under it, or one JSON object per transaction (`--json`).
 * Body diffs are decoded off the request path; blocks are printed in finishing order.
 */

export type LogDetail = 'quiet' | 'normal' | 'headers' | 'body'

export interface TransactionLogOptions {
  readonly detail: LogDetail
  readonly json: boolean
  readonly palette: Palette
  /** Terminal columns for the one-line form; undefined: do not fit. */
  readonly width?: (() => number | undefined) | undefined
  /** Header names and JSON paths (`$.requestId`) left out of diffs. */
  readonly ignore: readonly string[]
  /**
   * Header diffs include the rewrites the proxy makes on every message (Via, X-Forwarded-*,
   * hop-by-hop fields, x-devproxy-attempt: `-vvv`). Default false: only what the route's rules
   * and anything unexpected changed.
   */
  readonly allHeaders?: boolean | undefined
  /** Bodies to diff against instead of the previous response (`--baseline file.har`), by endpoint key without route. */
  readonly baseline?: ReadonlyMap<string, DiffableBody> | undefined
  /** Where the text goes: called once per batch, not per transaction. */
  write(text: string): void
}

export interface TransactionLog extends TransactionSink {
  /** Resolves once every transaction handed in so far is written (body diffs are async). */
  flushed(): Promise<void>
}

/** Transactions held for one write at most; beyond this the batch is written early. */
const MAX_BATCH = 512

export function createTransactionLog(options: TransactionLogOptions): TransactionLog {
  const history = createBodyHistory<DiffableBody>()
  const headerIgnore = options.ignore.filter((name) => !name.startsWith('$'))
  const jsonIgnore = options.ignore.filter((name) => name.startsWith('$'))
  let queue: Promise<void> = Promise.resolve()

  // Lines are formatted when a batch is written (every 16 ms under load), all in one loop:
  // formatting each as its transaction finished, between the proxying, cost several times more
  // per line (bench/RESULTS.md). A finished transaction is never changed, so holding it is safe.
  const lines = createBatch<Readonly<Transaction>>((txs) => {
    const width = options.width?.()
    let text = ''
    for (const tx of txs) text += blockOf(tx, width)
    options.write(text)
  }, MAX_BATCH)
  // Body diffs finish out of band (decoding is async); they are gathered the same way.
  const blocks = createBatchedWriter(options.write)

  const blockOf = (tx: Readonly<Transaction>, width: number | undefined): string => {
    if (options.json) return `${formatTransactionJson(tx)}\n`
    const line = formatTransactionLine(tx, options.palette, width)
    const notes = formatTransactionNotes(tx, options.palette)
    if (options.detail !== 'headers' && notes.length === 0) return `${line}\n`
    const headers = options.detail === 'headers' ? formatHeaderBlock(tx, options.palette, headerIgnore, options.allHeaders ?? false) : []
    return [line, ...notes, ...headers].map((l) => `${l}\n`).join('')
  }

  const sink = (tx: Readonly<Transaction>) => {
    if (options.detail === 'quiet' && !isNoteworthy(tx)) return
    if (options.json || options.detail !== 'body') {
      lines.add(tx)
      return
    }
    const line = formatTransactionLine(tx, options.palette, options.width?.())
    const headerLines = [...formatTransactionNotes(tx, options.palette), ...formatHeaderBlock(tx, options.palette, headerIgnore, options.allHeaders ?? false)]
    // Decoding is async; keep each transaction's block together and in order.
    queue = queue
      .then(() => bodyBlock(tx, options, history, jsonIgnore))
      .catch((error: unknown) => [options.palette.error(`  (body diff failed: ${(error as Error).message})`)])
      .then((bodyLines) => blocks.write([line, ...headerLines, ...bodyLines].map((l) => `${l}\n`).join('')))
  }
  const flushed = async () => {
    lines.flush()
    await queue
    blocks.flush()
  }
  return Object.assign(sink, { flushed })
}

/** What `-q` keeps: errors, server errors, faults, cut connections. */
export function isNoteworthy(tx: Readonly<Transaction>): boolean {
  return tx.error !== undefined || (tx.status !== undefined && tx.status >= 500) || tx.faults.length > 0 || tx.ending === 'upstream-aborted'
}

/**
 * `-v`: what the route's rules (and anything unexpected) changed, request then response; the
 * rewrites made on every message are left out unless `all` (`-vvv`), and a transaction with
 * nothing else gets one line saying so.
 */
function formatHeaderBlock(tx: Readonly<Transaction>, palette: Palette, ignore: readonly string[], all: boolean): string[] {
  const sections: Array<{ title: string; changes: HeaderChange[] }> = []
  // devproxy's own secrets passing through (a control token, an inspector session) are blanked.
  const shown = <H extends Readonly<Record<string, string | string[] | number | undefined>>>(headers: H) => redactHeaderSecrets(headers) as H
  if (tx.forwardedHeaders) {
    const changes = diffHeaders(shown(tx.requestHeaders), shown(tx.forwardedHeaders) as Record<string, string>, { ignore })
    const context = { direction: 'request', received: tx.requestHeaders, clientIp: tx.clientIp } as const
    sections.push({ title: '  request: received → forwarded', changes: all ? changes : changes.filter((c) => !isStandardRewrite(c, context)) })
  }
  if (tx.responseHeadersReceived && tx.responseHeadersSent) {
    const changes = diffHeaders(shown(tx.responseHeadersReceived), shown(tx.responseHeadersSent) as Record<string, string>, { ignore })
    const context = { direction: 'response', received: tx.responseHeadersReceived, clientIp: tx.clientIp } as const
    sections.push({ title: '  response: received → sent', changes: all ? changes : changes.filter((c) => !isStandardRewrite(c, context)) })
  }
  if (all) return sections.flatMap(({ title, changes }) => [palette.dim(title), ...orNone(formatHeaderChanges(changes, palette), palette)])
  const changed = sections.filter(({ changes }) => changes.length > 0)
  if (sections.length > 0 && changed.length === 0) return [palette.dim('  headers: no changes beyond the standard rewrites (-vvv lists them)')]
  return changed.flatMap(({ title, changes }) => [palette.dim(title), ...formatHeaderChanges(changes, palette)])
}

function orNone(lines: string[], palette: Palette): string[] {
  return lines.length > 0 ? lines : [palette.dim('    (no changes)')]
}

async function bodyBlock(
  tx: Readonly<Transaction>,
  options: TransactionLogOptions,
  history: ReturnType<typeof createBodyHistory<DiffableBody>>,
  jsonIgnore: readonly string[],
): Promise<string[]> {
  if (!tx.responseBody || tx.status === undefined) return []
  const body = await decodeBody(tx.responseBody)
  const key = endpointKey(tx.method, tx.route, tx.url)
  const baseline = options.baseline?.get(endpointKey(tx.method, undefined, tx.url))
  const previous = baseline ?? history.get(key)
  history.set(key, body)
  const { palette } = options
  if (previous === undefined) return [palette.dim('  body (first seen): ') + summarizeBody(body)]
  const against = baseline ? 'the baseline' : 'the previous response'
  return [palette.dim(`  body vs ${against}:`), ...formatBodyDiff(diffBodies(previous, body, { ignore: jsonIgnore }), palette)]
}
