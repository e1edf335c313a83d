import type { FaultKind, FaultSpec } from './types.js'

/**
 * What fits each fault kind: the statuses it may answer with, and the fields only some kinds
 * read. Anything else would be accepted and then ignored (a `reset` fault with `statuses`) or
 * turn a fault into a success (`{ kind: '5xx', statuses: [200] }`). One rule for every way a
 * fault comes in: config objects, the control API, `devproxy fault` flags, the string form and
 * the x-devproxy-fault header. Pure.
 */

/**
 * A 5xx fault stands in for a failing upstream: a server error (RFC 9110 §15.6). A status fault
 * is any error answer, a client's (§15.5: 429, 401) or a server's; never a 1xx, 2xx or 3xx,
 * which are no fault (and a 1xx cannot end an exchange, §15.2).
 */
export const STATUS_RANGES = { '5xx': [500, 599], status: [400, 599] } as const satisfies Partial<Record<FaultKind, readonly [number, number]>>

export type StatusKind = keyof typeof STATUS_RANGES

export function hasStatuses(kind: FaultKind): kind is StatusKind {
  return Object.hasOwn(STATUS_RANGES, kind)
}

/** Whether `value` is a status a fault of `kind` may answer with. */
export function fitsStatus(kind: StatusKind, value: unknown): boolean {
  const [min, max] = STATUS_RANGES[kind]
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max
}

/** `must be 500–599 for a 5xx fault`: the rule, as every surface says it. */
export function statusRequirement(kind: StatusKind): string {
  const [min, max] = STATUS_RANGES[kind]
  return `must be ${min}–${max} for a ${kind} fault`
}

interface KindField {
  readonly kinds: readonly FaultKind[]
  /** What to write instead, for the suggestion. */
  readonly example: string
}

/** Fields only some kinds read; every other field (rate, selectors, seed, …) applies to all. */
export const KIND_FIELDS: Partial<Record<keyof FaultSpec, KindField>> = {
  statuses: { kinds: ['status', '5xx'], example: '{ kind: "status", statuses: [503] }' },
  retryAfterS: { kinds: ['status', '5xx'], example: '{ kind: "status", statuses: [429], retryAfterS: 2 }' },
  latencyMs: { kinds: ['latency'], example: '{ kind: "latency", latencyMs: [200, 800] }' },
  kbps: { kinds: ['throttle'], example: '{ kind: "throttle", kbps: 64 }' },
}

/** `is for kind "status" or "5xx": a reset fault never reads it`. */
export function describeMisplacedField(field: KindField, kind: FaultKind): string {
  return `is for kind ${field.kinds.map((k) => JSON.stringify(k)).join(' or ')}: a ${kind} fault never reads it`
}
