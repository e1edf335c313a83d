/**
 * The fault vocabulary (DESIGN.md §4), shared by the CLI (`devproxy fault`, `start --fault`),
 * `proxy.config.ts` `faults`, the control API and the `x-devproxy-fault` request header.
 */

export type FaultKind = '5xx' | 'status' | 'latency' | 'timeout' | 'reset' | 'truncate' | 'throttle'

export const FAULT_KINDS: readonly FaultKind[] = ['5xx', 'status', 'latency', 'timeout', 'reset', 'truncate', 'throttle']

/** What a user asks for. Plain JSON: it travels through the control API as is. */
export interface FaultSpec {
  readonly kind: FaultKind
  /** Share of matching attempts that get the fault, 0–1. Default: 1 (every one). */
  readonly rate?: number
  /**
   * The statuses to answer with, drawn at random: `status` needs them (400–599); `5xx` may narrow
   * its draw with them (500–599). Default for `5xx`: 500, 502, 503, 504.
   */
  readonly statuses?: readonly number[]
  /** `status`/`5xx`: a `Retry-After` header (seconds) on the injected response. */
  readonly retryAfterS?: number
  /** `latency`: added delay, a fixed `[ms, ms]` or a range `[lo, hi]` drawn uniformly. */
  readonly latencyMs?: readonly [number, number]
  /** `throttle`: response body speed, kilobytes per second. */
  readonly kbps?: number
  /** Only requests routed to this route name. Default: every route. */
  readonly route?: string
  /** Only request paths matching this pattern (`*` within a segment, `**` across, `{a,b}` either; README: Path patterns). Default: every path. */
  readonly path?: string
  /** Only this method. Default: every method. */
  readonly method?: string
  /** Only requests for this host (Host without its port): `api.example.test`, or `*.example.test` for every name under it; outbound calls in forward mode, or a route's host. Default: every host. */
  readonly host?: string
  /** Fault the first N matching attempts, then let everything pass. Default: no limit (use `rate`). */
  readonly first?: number
  /** Seed for the draws, for reproducible runs. Default: unseeded. */
  readonly seed?: number
  /** The fault removes itself this many ms after it was added. Default: never. */
  readonly forMs?: number
  /** `upstream`: per attempt, inside the retry loop (default); `client`: once, before it. */
  readonly at?: 'upstream' | 'client'
}

/** A fault installed in a running proxy. */
export interface ActiveFault extends FaultSpec {
  readonly id: string
  /** Epoch ms. */
  readonly createdAt: number
  readonly expiresAt: number | undefined
  /** Where it came from: the config file, `--fault`, the control API, a request header. */
  readonly source: 'config' | 'cli' | 'api' | 'header'
  /** Attempts it matched (selectors), and how many of those it acted on (answered, delayed, cut or slowed). */
  matched: number
  injected: number
}

/** What happens to one attempt (or, at client scope, to one request). */
export type FaultAction =
  | { readonly kind: 'respond'; readonly status: number; readonly retryAfterS: number | undefined }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'hang' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'truncate' }
  | { readonly kind: 'throttle'; readonly bytesPerSecond: number }

export interface Injection {
  readonly fault: ActiveFault
  /** The fault kind, as it is shown in `x-devproxy-fault` and the log tag. */
  readonly label: string
  readonly action: FaultAction
}

/** What a fault is matched against. */
export interface FaultContext {
  readonly route: string
  /** Request path without the query. */
  readonly path: string
  readonly method: string
  /** The request's Host field as sent (HTTP/2: its :authority), port included. */
  readonly host?: string | undefined
  readonly scope: 'upstream' | 'client'
  readonly nowMs: number
}

export interface FaultCounters {
  requests: number
  /** Responses with status >= 500 and proxy error answers. */
  errors: number
  /** Injected faults. */
  faults: number
}
