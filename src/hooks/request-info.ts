import type { IncomingHttpHeaders } from 'node:http'
import type { HookRequestInfo } from '../config/types.js'
import type { Transaction } from '../proxy/transaction.js'

/** What every hook is told about the request as received (read-only). */
export function requestInfo(route: string, tx: Transaction, url: string, headers: IncomingHttpHeaders): HookRequestInfo {
  return Object.freeze({
    route,
    method: tx.method,
    url,
    headers: Object.freeze({ ...headers }),
    client: Object.freeze({ address: tx.clientIp, protocol: `HTTP/${tx.httpVersion}`, tls: tx.scheme === 'https' }),
  })
}

/** A header object a hook handed back, as a raw list; or what is wrong with it. */
export function rawHeaderList(headers: unknown): string[] | string {
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) return 'must be an object of header names to values'
  const raw: string[] = []
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (value === undefined) continue
    if (!TOKEN.test(name)) return `has ${JSON.stringify(name)}, which is not a header name`
    for (const one of Array.isArray(value) ? value : [value]) {
      if (typeof one !== 'string' && typeof one !== 'number') return `has ${name}: ${JSON.stringify(value)}; values must be strings (or arrays of strings)`
      const text = String(one)
      // RFC 9110 §5.5: CR, LF and NUL are never valid in a field value (they would split the message).
      if (/[\r\n\0]/.test(text)) return `has ${name} with a CR, LF or NUL in its value`
      raw.push(name, text)
    }
  }
  return raw
}

/** Whether a hook left the header object as it was given (same names, same values). */
export function sameHeaders(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): boolean {
  const keys = Object.keys(after).filter((key) => after[key] !== undefined)
  if (keys.length !== Object.keys(before).length) return false
  return keys.every((key) => before[key] === after[key])
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
