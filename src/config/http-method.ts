import { METHODS } from 'node:http'
import { didYouMean } from './did-you-mean.js'

/**
 * Which method names a route's `methods`, a fault's `method` and `record --filter method=`
 * may hold. They are matched against requests the proxy's own server parsed, and Node's
 * parser answers 400 to any method outside `http.METHODS` before a route ever sees it: a
 * well-formed but unknown token (`GTE`, `FOO`) could never match, so it is a mistake to
 * report, not a name to allow. That list is RFC 9110's methods, PATCH (RFC 5789), WebDAV's
 * (RFC 4918: PROPFIND, MKCOL, …) and a few more. Names are compared case-insensitively,
 * as devproxy upper-cases the ones it is given. Pure.
 */

/** What a suggestion is drawn from first: the methods nearly everyone means. */
const COMMON_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const

const KNOWN = new Set(METHODS)

/** `GET`, `get`, `PROPFIND` → true; `GTE`, `FOO`, `` → false. */
export function isKnownMethod(name: string): boolean {
  return KNOWN.has(name.toUpperCase())
}

/** The method a mistyped one most likely meant (`GTE` → `GET`, `PSOT` → `POST`); undefined when none is close. */
export function suggestMethod(name: string): string | undefined {
  return didYouMean(name, COMMON_METHODS) ?? didYouMean(name, METHODS)
}

/** `"GTE" is not an HTTP method` with `did you mean GET?` (or the common methods), for messages. */
export function describeUnknownMethod(name: string): { message: string; suggestion: string } {
  const meant = suggestMethod(name)
  return {
    message: `${JSON.stringify(name)} is not an HTTP method`,
    suggestion: meant === undefined ? `use one of ${COMMON_METHODS.join(' ')} (or another method Node accepts, e.g. PROPFIND)` : `did you mean ${meant}?`,
  }
}
