import { redactHeaderSecrets, redactSecrets } from '../control/secrets.js'
import { diffHeaders, type HeaderChange, type HeaderMap } from '../diff/header-diff.js'
import { decodeBody, type DecodedBody } from '../log/decode-body.js'
import type { CapturedBody } from '../proxy/index.js'
import type { AttemptPhases, Transaction } from '../proxy/index.js'
import { INTERNAL_REQUEST_FIELDS, type AttemptView, type BodyView, type HeaderDiffRow, type PhasesView, type TransactionDetail } from './api.js'
import { summarizeTransaction } from './summary.js'

/** Everything the inspector shows of one transaction. */

/** The bodies of a detail, decoded (gzip, br, deflate undone), as `decodeBody` gives them. */
export interface DetailBodies {
  readonly request?: DecodedBody | undefined
  readonly response?: DecodedBody | undefined
  readonly previousResponse?: DecodedBody | undefined
}

/** The detail with its bodies decoded: `buildDetail` after the (asynchronous) decoding. */
export async function transactionDetail(tx: Readonly<Transaction>, previous: Readonly<Transaction> | undefined): Promise<TransactionDetail> {
  const decode = (body: CapturedBody | undefined) => (body === undefined ? undefined : decodeBody(body))
  const [request, response, previousResponse] = await Promise.all([decode(tx.requestBody), decode(tx.responseBody), decode(previous?.responseBody)])
  return buildDetail(tx, previous, { request, response, previousResponse })
}

/** Pure: the same transaction and bodies always give the same detail. */
export function buildDetail(tx: Readonly<Transaction>, previous: Readonly<Transaction> | undefined, bodies: DetailBodies): TransactionDetail {
  return {
    summary: summarizeTransaction(tx),
    forwardedUrl: tx.forwardedUrl === undefined ? null : redactSecrets(tx.forwardedUrl),
    // devproxy's own secrets passing through (its control token, an inspector session) are
    // blanked here, so no view, copy or resend edit of the UI ever holds one.
    headers: {
      // devproxy's own fields (the resend marker, an inspector session) are not the request's.
      request: headerRows(shown(tx.requestHeaders), shown(tx.forwardedHeaders)).filter((row) => !INTERNAL_REQUEST_FIELDS.includes(row.name)),
      response: headerRows(shown(tx.responseHeadersReceived), shown(tx.responseHeadersSent)),
    },
    requestBody: bodyView(bodies.request),
    responseBody: bodyView(bodies.response),
    previousResponseBody: bodyView(bodies.previousResponse),
    previousId: previous?.id ?? null,
    attempts: tx.attempts.map(
      (attempt): AttemptView => ({
        n: attempt.n,
        target: attempt.target,
        startMs: attempt.startMs - tx.startMs,
        durationMs: attempt.durationMs,
        backoffMs: attempt.backoffMs,
        retryOf: attempt.retryOf ?? null,
        outcome: attempt.outcome ?? null,
        status: attempt.status ?? null,
        errorCode: attempt.errorCode ?? null,
        by: attempt.by ?? null,
        phases: phasesView(attempt.phases),
      }),
    ),
    faults: [...tx.faults],
    retryNote: tx.retryNote ?? null,
    ending: tx.ending ?? null,
  }
}

/** The six phases by name (a copy: the detail never shares the transaction's objects). */
function phasesView(phases: Readonly<AttemptPhases>): PhasesView {
  return { poolWait: phases.poolWait, connect: phases.connect, tls: phases.tls, upload: phases.upload, wait: phases.wait, receive: phases.receive }
}

function shown<H extends HeaderMap>(headers: H | undefined): H | undefined {
  return headers === undefined ? undefined : (redactHeaderSecrets(headers) as H)
}

export function bodyView(body: DecodedBody | undefined): BodyView | null {
  if (body === undefined) return null
  return {
    contentType: body.contentType ?? null,
    base64: body.bytes.toString('base64'),
    size: body.truncated ? Math.max(body.totalBytes, body.bytes.length) : body.bytes.length,
    truncated: body.truncated,
  }
}

/**
 * Every header field of a message before and after the proxy, each marked `same`, `added`,
 * `removed` or `changed`, by name (lower-cased; lists joined with `, `, each `set-cookie` a row
 * of its own: header-diff.ts). The changes are the `-v` diff's; a message with one side only
 * (a request never forwarded, an answer devproxy made itself) lists that side as `same`.
 */
export function headerRows(before: HeaderMap | undefined, after: HeaderMap | undefined): HeaderDiffRow[] {
  const changes = before === undefined || after === undefined ? [] : diffHeaders(before, after)
  const rows: HeaderDiffRow[] = changes.map((change) => ({
    name: change.name,
    change: change.op === '+' ? 'added' : change.op === '-' ? 'removed' : 'changed',
    before: change.before ?? null,
    after: change.after ?? null,
  }))
  rows.push(...sameRows(after ?? before ?? {}, changes))
  // Stable: the rows of one name (set-cookie) keep their order.
  return rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** The fields of `headers` (the message after the proxy) that none of `changes` is about. */
function sameRows(headers: HeaderMap, changes: readonly HeaderChange[]): HeaderDiffRow[] {
  const changedNames = new Set(changes.map((change) => change.name))
  // Cookies are changed one by one: the others of the same name are still the same.
  const changedCookies = changes.flatMap((change) => (change.name === 'set-cookie' && change.after !== undefined ? [change.after] : []))
  const same = (name: string, value: string): HeaderDiffRow => ({ name, change: 'same', before: value, after: value })
  const rows: HeaderDiffRow[] = []
  for (const [name, values] of fieldsOf(headers)) {
    if (name !== 'set-cookie') {
      if (!changedNames.has(name)) rows.push(same(name, values.join(', ')))
      continue
    }
    for (const value of values) {
      const at = changedCookies.indexOf(value)
      if (at === -1) rows.push(same(name, value))
      else changedCookies.splice(at, 1)
    }
  }
  return rows
}

/** Lower-cased names to their values, as header-diff.ts reads them. */
function fieldsOf(headers: HeaderMap): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const name = key.toLowerCase()
    out.set(name, [...(out.get(name) ?? []), ...(typeof value === 'object' ? value.map(String) : [String(value)])])
  }
  return out
}
