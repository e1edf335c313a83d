import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'
import type { HeaderRules } from '../../config/types.js'
import { appendList, applyRules, connectionTokens, HOP_BY_HOP } from '../http/fields.js'

export interface ResponseHeaderContext {
  readonly rules: Readonly<HeaderRules>
  /** This proxy's `Via` entry for the response (the upstream's version). */
  readonly via: string
  /** The response to the client may carry trailers (chunked, HTTP/1.1, a body). */
  readonly trailers: boolean
}

/** The response headers sent to the client: end-to-end fields, Via, then the route's rules. */
export function buildResponseHeaders(received: IncomingHttpHeaders, ctx: ResponseHeaderContext): OutgoingHttpHeaders {
  const named = connectionTokens(received.connection)
  const out: OutgoingHttpHeaders = {}
  for (const key in received) {
    if (HOP_BY_HOP.has(key) || named?.has(key)) continue
    if (key === 'trailer' && !ctx.trailers) continue
    out[key] = received[key]
  }
  out.via = appendList(received.via, ctx.via)
  applyRules(out, ctx.rules)
  return out
}
