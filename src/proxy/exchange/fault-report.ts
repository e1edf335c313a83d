import type { Effects, FiredFault } from './fault-plan.js'
import type { Transaction } from '../transaction/transaction.js'

/**
 * Reporting faults that acted (fault-plan.ts `FiredFault`): every observer — the log's tags,
 * `--json`, the HAR's `_devproxy.fault`, the metrics, `x-devproxy-fault` and each fault's
 * `injected` count — reads the same `tx.faults`, so they agree on which faults acted.
 */

/**
 * The fired faults that act in `roles`, in the order of `roles` (the order they act in: delays,
 * then the answer, then the body), each role's in the order they were installed.
 */
export function firedIn(effects: Effects, roles: readonly FiredFault['role'][]): FiredFault[] {
  if (effects.fired.length === 0) return []
  return roles.flatMap((role) => effects.fired.filter((fault) => fault.role === role))
}

/** Faults that acted on the transaction: tagged (`tx.faults`) and counted on their fault. */
export function noteActed(tx: Transaction, faults: readonly FiredFault[]): void {
  for (const fault of faults) {
    tx.faults.push(fault.note)
    fault.count()
  }
}

/** `x-devproxy-fault`: the kinds of the faults that acted on a response, in the order they acted. */
export function faultHeader(acted: readonly FiredFault[]): string | undefined {
  return acted.length === 0 ? undefined : acted.map((fault) => fault.label).join(', ')
}
