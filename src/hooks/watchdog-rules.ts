/**
 * What the route-code watchdog decides, apart from the thread it runs on (watchdog-worker.ts).
 * JavaScript cannot be interrupted from outside: a hook that never returns holds the proxy's
 * one thread, so no timer fires, no other request is served and no signal handler runs. The
 * watchdog, on a thread of its own, reads what the proxy's thread wrote in shared memory (which
 * call of route code it is in, if any, and a heartbeat of its event loop) and decides when the
 * process must end. Pure: the clock is given, and each verdict comes with the state to keep.
 */

/** A route's function, as the proxy's thread registers it before its first call. */
export interface RouteCodeLabel {
  readonly id: number
  readonly route: string
  /** `onRequest`, `target`, `mock[0].respond`, `transform.chunk`, … */
  readonly hook: string
  readonly timeoutMs: number
}

/** What the watchdog read from shared memory at `nowMs` (its own clock). */
export interface Sample {
  readonly nowMs: number
  /** The call of synchronous route code in progress (a number that changes each call); 0: none. */
  readonly call: number
  /** Its label's id. */
  readonly label: number
  /** Counts up while the event loop turns. */
  readonly beat: number
}

export interface WatchState {
  /** The call in progress and when the watchdog first saw it. */
  readonly call: { readonly id: number; readonly since: number } | undefined
  /** The last heartbeat and when the watchdog first saw that value. */
  readonly beat: { readonly value: number; readonly since: number }
  /** Whether the stall in progress was already looked at (and found not to be route code). */
  readonly stallSeen: boolean
}

export type Verdict =
  /** Nothing to do. */
  | { readonly kind: 'fine' }
  /** A synchronous call of route code has run past its route's hookTimeoutMs and the margin. */
  | { readonly kind: 'stuck'; readonly label: RouteCodeLabel | undefined; readonly ranMs: number; readonly limitMs: number }
  /**
   * The event loop has not turned for longer than any route's hookTimeoutMs and the margin,
   * outside a marked call: an async hook's code after an `await`, a `rewrite`, or devproxy
   * itself. Whose code it is, only the stack of the proxy's thread can say.
   */
  | { readonly kind: 'stalled'; readonly stalledMs: number; readonly limitMs: number }

/**
 * Time past hookTimeoutMs before the watchdog acts: a call that is merely slow (a collection,
 * a loaded machine) finishes within it; one that never returns is ended half a second late.
 */
export const MARGIN_MS = 500

/** How often the watchdog reads the shared memory; the proxy's thread beats four times as slowly. */
export const POLL_MS = 100
export const BEAT_MS = 250

/** hookTimeoutMs' default: the limit for a stall while no route has registered code. */
const DEFAULT_TIMEOUT_MS = 5_000

export function initialState(nowMs: number, beat = 0): WatchState {
  return { call: undefined, beat: { value: beat, since: nowMs }, stallSeen: false }
}

/** One look at the shared memory: the state to keep, and what to do. */
export function watch(state: WatchState, sample: Sample, labels: ReadonlyMap<number, RouteCodeLabel>): { state: WatchState; verdict: Verdict } {
  const call = sample.call === 0 ? undefined : state.call?.id === sample.call ? state.call : { id: sample.call, since: sample.nowMs }
  const beatMoved = sample.beat !== state.beat.value
  const beat = beatMoved ? { value: sample.beat, since: sample.nowMs } : state.beat
  const next: WatchState = { call, beat, stallSeen: beatMoved ? false : state.stallSeen }

  if (call !== undefined) {
    const label = labels.get(sample.label)
    const limitMs = (label?.timeoutMs ?? longestTimeout(labels)) + MARGIN_MS
    const ranMs = sample.nowMs - call.since
    return { state: next, verdict: ranMs > limitMs ? { kind: 'stuck', label, ranMs, limitMs } : FINE }
  }
  const limitMs = longestTimeout(labels) + MARGIN_MS
  const stalledMs = sample.nowMs - beat.since
  if (stalledMs <= limitMs || next.stallSeen) return { state: next, verdict: FINE }
  return { state: { ...next, stallSeen: true }, verdict: { kind: 'stalled', stalledMs, limitMs } }
}

const FINE: Verdict = { kind: 'fine' }

function longestTimeout(labels: ReadonlyMap<number, RouteCodeLabel>): number {
  let longest = 0
  for (const label of labels.values()) longest = Math.max(longest, label.timeoutMs)
  return longest === 0 ? DEFAULT_TIMEOUT_MS : longest
}

/** Where the stack of the proxy's thread was when it was looked at: `proxy.config.ts:12:9` and the function. */
export interface StuckAt {
  readonly location: string
  readonly functionName: string | undefined
}

/**
 * The lines written to stderr before the process ends: what is stuck, where, for how long, and
 * what to do. One `error:` line a person reads and a `hint:`, as devproxy reports every failure.
 */
export function stuckReport(verdict: Exclude<Verdict, { kind: 'fine' }>, at: StuckAt | undefined): string[] {
  const where = at === undefined ? '' : `, at ${at.location}${at.functionName === undefined ? '' : ` (in ${at.functionName})`}`
  const seconds = `${(verdict.kind === 'stuck' ? verdict.ranMs : verdict.stalledMs) / 1000}`.replace(/(\.\d)\d*$/, '$1')
  let what: string
  if (verdict.kind === 'stalled') {
    // Code after an `await` runs outside the call that started it, and the config's top level
    // outside any call: only the line is known.
    const place = at === undefined ? '' : ` at ${at.location}${at.functionName === undefined ? '' : ` (in ${at.functionName})`}`
    what = `the config's code${place} has held the event loop for ${seconds} s, past the longest hookTimeoutMs (${verdict.limitMs - MARGIN_MS} ms)`
  } else if (verdict.label === undefined) {
    what = `route code${where} has run for ${seconds} s without returning`
  } else {
    const { route, hook, timeoutMs } = verdict.label
    what = `route "${route}" ${hook} has run for ${seconds} s without returning, past hookTimeoutMs (${timeoutMs} ms)${where}`
  }
  return [
    `error: ${what}; no other request can be served while it runs, and running JavaScript cannot be interrupted, so devproxy ends this process`,
    `hint: fix the loop${at === undefined ? '' : ` at ${at.location}`} (devproxy reloads the config when it is saved); ${verdict.kind === 'stuck' ? 'the request that ran it loses its connection' : 'requests in flight lose their connection'}`,
  ]
}
