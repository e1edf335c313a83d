import { STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import type { ResolvedRoute } from '../../config/types.js'
import type { ErrorDetails, ErrorType } from '../http/error-map.js'
import type { StandInKind, Transaction } from '../transaction/transaction.js'

/**
 * The attempt's one seam (DESIGN.md §3): an attempt is answered by the real upstream or by a
 * stand-in — a fault, a recording, a mock, a hook's answer. Stand-ins answer the way an upstream
 * would (a response, a reset, silence), so everything after them — retries, error mapping,
 * onResponse, faults on the body, the log and the recorder — runs as it does for live traffic.
 * The proxy core knows this interface, never the features behind it.
 */

export type { StandInKind }

export type StandInAnswer =
  /**
   * A response, shaped like an upstream's (`syntheticResponse`). `name` says what answered when it
   * replaced the upstream (`mock[1]`, `replay flow.har`): it is then the transaction's target, and
   * nothing was forwarded. A fault leaves it out: it simulates the upstream at its own target.
   */
  | { readonly kind: 'respond'; readonly response: IncomingMessage; readonly by: StandInKind; readonly name?: string | undefined }
  /** The connection reset before any response byte. */
  | { readonly kind: 'reset'; readonly by: StandInKind }
  /** No answer at all: the attempt's response timeout runs out. */
  | { readonly kind: 'hang'; readonly by: StandInKind }
  /** The stand-in itself failed (a mock's code threw) or refuses: devproxy's own error answer, never retried. */
  | { readonly kind: 'refuse'; readonly type: ErrorType; readonly details: ErrorDetails; readonly by: StandInKind }

/** What a stand-in is asked about: one request, as received. */
export interface StandInRequest {
  readonly route: ResolvedRoute
  readonly tx: Transaction
  readonly method: string
  /** The request target in origin form, as received. */
  readonly url: string
  readonly headers: IncomingHttpHeaders
  /** The whole body, when the stand-in asked for it (`bodyBytes`) or the request was buffered anyway. */
  readonly body: Buffer | undefined
}

/** A source of answers for some requests; for the others, the upstream answers. */
export interface StandIn {
  readonly kind: StandInKind
  /** Whether it may answer on this route at all (no cost on the routes it never serves). */
  serves(route: ResolvedRoute): boolean
  /** The body must be read whole, up to this many bytes, before `answer` is asked (replay matches on it). */
  readonly bodyBytes: (route: ResolvedRoute) => number
  /** Its answer, or undefined to let the request go on (to the next stand-in, then the upstream). */
  answer(request: StandInRequest): StandInAnswer | undefined | Promise<StandInAnswer | undefined>
  /** Why a WebSocket upgrade on this route cannot be served (replaying is offline); undefined: it can. */
  refuseUpgrade?(route: ResolvedRoute, url: string): { readonly type: ErrorType; readonly details: ErrorDetails } | undefined
}

/** A response from no socket: a status, headers and a body (whole, or a stream of its own), readable like an upstream's. */
export function syntheticResponse(status: number, headers: IncomingHttpHeaders, body: Buffer | Readable): IncomingMessage {
  const stream = body instanceof Readable ? body : Readable.from(body.length > 0 ? [body] : [], { objectMode: false })
  return Object.assign(stream, { statusCode: status, statusMessage: STATUS_CODES[status] ?? '', headers, httpVersion: '1.1', rawTrailers: [], trailers: {} }) as unknown as IncomingMessage
}
