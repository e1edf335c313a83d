import type { StandInAnswer } from './stand-in.js'

/**
 * How faults plug into the request path (DESIGN.md §3). The proxy asks a `FaultPlanner` what
 * happens to a request (client scope, once) or to an attempt (upstream scope, each time) and
 * gets `Effects`: perhaps a stand-in answer (a 503, a reset, a hang), a delay before it, and
 * what to do to the response body. Which faults exist and how they are drawn is the planner's
 * business (src/faults); the proxy only carries the effects out.
 */

/**
 * A fault that fired on a request or attempt. It is reported (tagged, counted, named in
 * `x-devproxy-fault`) only once it has acted, i.e. changed what the client got:
 * - `answer`: it stood in for the upstream (the first stand-in drawn; one drawn after it on
 *   the same attempt is superseded and never reaches `Effects`);
 * - `delay`: it held the attempt, whoever answered afterwards;
 * - `body`: a response body was sent through it (truncate, throttle) — not on a reset, a hang
 *   or an error devproxy answered, which have no body to slow or cut.
 */
export interface FiredFault {
  readonly role: 'answer' | 'delay' | 'body'
  /** The kind, for `x-devproxy-fault` on the response: `5xx`, `latency`. */
  readonly label: string
  /** What the transaction records (`tx.faults`): `5xx 503`, `latency 300ms`. */
  readonly note: string
  /** Counts it as injected on its fault (`devproxy fault --list`). */
  readonly count: () => void
}

export interface Effects {
  /** A fault standing in for the upstream; undefined: the request goes on. */
  readonly answer: StandInAnswer | undefined
  /** Wait this long first (an injected latency). */
  readonly delayMs: number
  /** The faults that fired, in the order they were installed; superseded stand-ins left out. */
  readonly fired: readonly FiredFault[]
  /** Cut the response body part way. */
  readonly truncate: boolean
  /** Send the response body at this speed. */
  readonly bytesPerSecond: number | undefined
  /** Names the fault behind `answer`, for error messages (`fault f3`). */
  readonly cause: string | undefined
}

export const NO_EFFECTS: Effects = Object.freeze({ answer: undefined, delayMs: 0, fired: [], truncate: false, bytesPerSecond: undefined, cause: undefined })

/** What faults are matched against. */
export interface FaultQuery {
  readonly route: string
  /** Request path without the query. */
  readonly path: string
  readonly method: string
  /** The request's Host field as sent (HTTP/2: its :authority), port included. */
  readonly host?: string | undefined
  readonly scope: 'upstream' | 'client'
  readonly nowMs: number
}

/** A fault a request asked for with `x-devproxy-fault`; only its planner reads it. */
export type RequestedFault = { readonly __requestedFault: unique symbol }

export interface FaultPlanner {
  /** True when no fault is installed: most requests skip planning altogether. */
  isEmpty(): boolean
  /** An `x-devproxy-fault` value, or undefined when it names no fault. */
  parseRequested(value: string): RequestedFault | undefined
  /** The effects for one request (client scope) or attempt (upstream scope); `requested` applies at upstream scope. */
  plan(query: FaultQuery, requested?: RequestedFault): Effects
}
