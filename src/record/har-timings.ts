import type { Timings } from 'har-format'
import type { AttemptPhases, Transaction } from '../proxy/index.js'

/**
 * HAR 1.2 `timings` from the phases the answering attempt was timed in (issue 29), and the
 * reading back of what a recording's timings say (replay's pace). HAR 1.2: blocked, dns,
 * connect and ssl are -1 when they do not apply; send, wait and receive are never negative;
 * ssl is also counted in connect; `time` is the sum of the others that are not -1.
 */

export interface EntryTimings {
  blocked: number
  dns: number
  connect: number
  ssl: number
  send: number
  wait: number
  receive: number
}

/**
 * The answering (last) attempt's phases as HAR timings:
 * - blocked: from the transaction's start to the attempt's (routing, the earlier attempts and
 *   their backoffs) plus its pool wait;
 * - dns: -1 (a lookup is not timed apart: it is inside connect);
 * - connect: connect + TLS, -1 on a reused connection; ssl: TLS, -1 without one;
 * - send, wait, receive: upload, wait, receive; 0 for one the attempt never went through.
 * A transaction whose attempt was not timed at all (none was made: a 404 no_route, a 413; or
 * it was recorded before attempts were timed) keeps the estimate: `wait` up to the last
 * attempt's response headers, `receive` the rest.
 */
export function entryTimings(tx: Readonly<Transaction>): EntryTimings {
  const last = tx.attempts.at(-1)
  if (last === undefined || !timed(last.phases)) return estimatedTimings(tx)
  const { poolWait, connect, tls, upload, wait, receive } = last.phases
  return {
    blocked: round(Math.max(0, last.startMs - tx.startMs) + (poolWait ?? 0)),
    dns: -1,
    connect: connect === null && tls === null ? -1 : round((connect ?? 0) + (tls ?? 0)),
    ssl: tls === null ? -1 : round(tls),
    send: round(upload ?? 0),
    wait: round(wait ?? 0),
    receive: round(receive ?? 0),
  }
}

/** HAR `time`: the timings that apply added up, ssl left out (it is part of connect). */
export function entryTime(timings: Readonly<EntryTimings>): number {
  const part = (ms: number) => (ms > 0 ? ms : 0)
  return round(part(timings.blocked) + part(timings.dns) + part(timings.connect) + timings.send + timings.wait + timings.receive)
}

/**
 * How long a recorded response took to its headers: the timings before `receive` that apply
 * (blocked, dns, connect, send, wait). For an entry written before phases were timed, or by a
 * tool that leaves those -1, that is its `wait`. 0 when unknown.
 */
export function recordedHeadersMs(timings: Readonly<Partial<Timings>> | undefined): number {
  if (timings === undefined) return 0
  const part = (ms: unknown) => (typeof ms === 'number' && ms > 0 ? ms : 0)
  return part(timings.blocked) + part(timings.dns) + part(timings.connect) + part(timings.send) + part(timings.wait)
}

/** One attempt's phases as `_devproxy.phases` holds them: ms, to the µs, or null. */
export type AttemptPhasesEntry = { readonly n: number } & { readonly [P in keyof AttemptPhases]: number | null }

/**
 * Every attempt's phases (`_devproxy.phases`), when any attempt was timed; undefined otherwise,
 * so a recording made without them has no such field. `timings` are the last attempt's only:
 * these show what the earlier ones spent (a connect that failed, a wait that timed out).
 */
export function attemptPhasesEntries(tx: Readonly<Transaction>): AttemptPhasesEntry[] | undefined {
  if (!tx.attempts.some((attempt) => timed(attempt.phases))) return undefined
  const ms = (value: number | null) => (value === null ? null : round(value))
  return tx.attempts.map(({ n, phases: p }) => ({ n, poolWait: ms(p.poolWait), connect: ms(p.connect), tls: ms(p.tls), upload: ms(p.upload), wait: ms(p.wait), receive: ms(p.receive) }))
}

/** True when at least one phase of the attempt was timed. */
function timed(phases: Readonly<AttemptPhases>): boolean {
  return phases.poolWait !== null || phases.connect !== null || phases.tls !== null || phases.upload !== null || phases.wait !== null || phases.receive !== null
}

/** Before phases were timed: wait runs to the response headers of the last attempt, receive to the end. */
function estimatedTimings(tx: Readonly<Transaction>): EntryTimings {
  const total = round(tx.durationMs)
  const last = tx.attempts.at(-1)
  const headersAt = last ? round(last.startMs + last.durationMs - tx.startMs) : total
  const wait = Math.min(total, Math.max(0, headersAt))
  return { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait, receive: round(total - wait) }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000
