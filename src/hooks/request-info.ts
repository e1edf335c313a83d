import type { IncomingHttpHeaders } from 'node:http'
import type { HookRequestInfo } from '../config/route-code.js'
import type { Transaction } from '../proxy/index.js'

/**
 * What every hook is told about the request as received (read-only). Its header fields and
 * client are copied (and frozen) only when a hook reads them: most hooks never do, and a copy
 * per request is a measurable share of a trivial hook's cost (bench/RESULTS.md, issue 19).
 */
export function requestInfo(route: string, tx: Transaction, url: string, headers: IncomingHttpHeaders): HookRequestInfo {
  return new RequestInfo(route, tx, url, headers)
}

/** The request as received, with the path it was forwarded to (onResponse and transforms). */
export function forwardedRequestInfo(route: string, tx: Transaction): HookRequestInfo & { readonly path: string } {
  return new ForwardedRequestInfo(route, tx, tx.url, tx.requestHeaders)
}

class RequestInfo implements HookRequestInfo {
  #headers: Readonly<Record<string, string | string[] | undefined>> | undefined
  #client: HookRequestInfo['client'] | undefined
  readonly method: string

  constructor(
    readonly route: string,
    protected readonly tx: Transaction,
    readonly url: string,
    private readonly received: IncomingHttpHeaders,
  ) {
    this.method = tx.method
  }

  get headers(): Readonly<Record<string, string | string[] | undefined>> {
    return (this.#headers ??= Object.freeze(withoutPseudoHeaders(this.received)))
  }

  get client(): HookRequestInfo['client'] {
    const tx = this.tx
    return (this.#client ??= Object.freeze({ address: tx.clientIp, protocol: `HTTP/${tx.httpVersion}`, tls: tx.scheme === 'https' }))
  }
}

class ForwardedRequestInfo extends RequestInfo {
  get path(): string {
    return this.tx.forwardedUrl ?? this.url
  }
}

/** A copy of the fields without HTTP/2's pseudo-header fields (`:path`: the request line, RFC 9113 §8.3). */
export function withoutPseudoHeaders(headers: IncomingHttpHeaders): Record<string, string | string[] | undefined> {
  const copy: Record<string, string | string[] | undefined> = {}
  for (const name in headers) if (name.charCodeAt(0) !== 58 /* : */) copy[name] = headers[name]
  return copy
}

/**
 * A header object a hook handed back, as a raw list; or what is wrong with it. Names are
 * case-insensitive (RFC 9110 §5.1): the hook gets the fields with lower-case names, and a field
 * it sets as `Authorization` replaces `authorization` rather than adding a second one (the last
 * one set wins, in the place of the first). Each goes out under `nameCase(lower)` when given (the
 * case the field arrived in), else as the hook wrote it. A field whose value is the very one in
 * `received` (as the proxy's parser read it) passes as it is: only what the hook added or
 * changed is checked.
 */
export function rawHeaderList(headers: unknown, received?: Readonly<Record<string, unknown>>, nameCase?: (lower: string) => string | undefined): string[] | string {
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) return 'must be an object of header names to values'
  const fields = headers as Record<string, unknown>
  const raw: string[] = []
  const add = (lower: string, written: string, value: unknown): string | undefined => {
    const name = nameCase?.(lower) ?? written
    if (received !== undefined && typeof value === 'string' && received[lower] === value) {
      raw.push(name, value)
      return undefined
    }
    if (!TOKEN.test(written)) return `has ${JSON.stringify(written)}, which is not a header name`
    if (!Array.isArray(value)) return pushField(raw, name, value)
    for (const one of value) {
      const problem = pushField(raw, name, one)
      if (problem !== undefined) return problem
    }
    return undefined
  }
  // A hook mostly adds lower-case names to the lower-case object it got: then no two keys can
  // name the same field, and the object is walked as it is.
  if (lowerCaseKeys(fields)) {
    for (const name in fields) {
      if (fields[name] === undefined) continue
      const problem = add(name, name, fields[name])
      if (problem !== undefined) return problem
    }
    return raw
  }
  // Set again under another case, a name keeps its first place and takes the last name and value.
  const merged = new Map<string, { readonly written: string; readonly value: unknown }>()
  for (const written in fields) {
    const lower = written.toLowerCase()
    if (fields[written] === undefined) merged.delete(lower)
    else merged.set(lower, { written, value: fields[written] })
  }
  for (const [lower, { written, value }] of merged) {
    const problem = add(lower, written, value)
    if (problem !== undefined) return problem
  }
  return raw
}

function lowerCaseKeys(fields: Record<string, unknown>): boolean {
  for (const name in fields) if (name !== name.toLowerCase()) return false
  return true
}

/** The case each field name arrived in, from a raw list (HTTP/2 pseudo-header fields left out). */
export function receivedNameCase(rawHeaders: readonly string[]): (lower: string) => string | undefined {
  const names = new Map<string, string>()
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!
    if (name.charCodeAt(0) === 58 /* : */) continue
    const lower = name.toLowerCase()
    if (!names.has(lower)) names.set(lower, name)
  }
  return (lower) => names.get(lower)
}

/** What kind of value a header field was given, for a message that must not repeat the value. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  const type = typeof value
  return type === 'object' ? 'an object' : type === 'undefined' ? 'undefined' : `a ${type}`
}

function pushField(raw: string[], name: string, value: unknown): string | undefined {
  // The field, never its value (call.ts, malformedHeaders): only what kind of value it was.
  if (typeof value !== 'string' && typeof value !== 'number') return `has ${name} set to ${kindOf(value)}; values must be strings (or arrays of strings)`
  const text = String(value)
  // RFC 9110 §5.5: CR, LF and NUL are never valid in a field value (they would split the message).
  if (FIELD_BREAK.test(text)) return `has ${name} with a CR, LF or NUL in its value`
  raw.push(name, text)
  return undefined
}

const FIELD_BREAK = /[\r\n\0]/

/** Whether a hook left the header object as it was given (same names, same values; HTTP/2 pseudo-header fields aside). */
export function sameHeaders(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): boolean {
  let count = 0
  for (const key in after) {
    if (after[key] === undefined) continue
    if (before[key] !== after[key]) return false
    count++
  }
  let expected = 0
  for (const key in before) if (key.charCodeAt(0) !== 58 /* : */) expected++
  return count === expected
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
