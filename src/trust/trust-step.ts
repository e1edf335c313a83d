/**
 * What `devproxy trust` does to a machine, as data: each change to a trust store is a step
 * (run a store's tool, copy or remove a file, make a directory), and one runner performs them
 * (run-step.ts). Planning stays pure and the report logic is tested with a runner that records.
 */

export type TrustAction = 'install' | 'uninstall'

/**
 * `installed`: added now; `already`: it was there; `removed`: taken out now; `skipped`:
 * devproxy did not touch the store (nothing there, or it needs root: the command says how to
 * finish); `failed`: devproxy tried, or needs a tool that is missing.
 */
export type TrustStatus = 'installed' | 'already' | 'removed' | 'skipped' | 'failed'

export type TrustStep =
  /** A program found on PATH, run without a shell. */
  | { readonly op: 'run'; readonly file: string; readonly args: readonly string[]; readonly timeoutMs?: number }
  /** A certificate copied into a store's directory, readable by everyone. */
  | { readonly op: 'copy'; readonly from: string; readonly to: string }
  /** A file removed; one already gone is not an error. */
  | { readonly op: 'remove'; readonly file: string }
  /** A directory made with its parents, the last one private (0700), as Chrome makes ~/.pki/nssdb. */
  | { readonly op: 'mkdir'; readonly dir: string }

export type StepOutcome = { readonly ok: true; readonly stdout: string } | { readonly ok: false; readonly problem: string }

/** Performs one step; never throws (a failure is an outcome the report shows). */
export type StepRunner = (step: TrustStep) => Promise<StepOutcome>

/** One store in the report (`--json`: the entries of `stores`). */
export interface StoreReport {
  /** Who reads the store, and where it is: `Chrome/Chromium (~/.pki/nssdb)`. */
  readonly store: string
  readonly status: TrustStatus
  /** What happened, or why not. */
  readonly detail: string
  /** For a store left undone: the shell line that finishes it by hand. */
  readonly command?: string
}

/** What devproxy will do to one store. */
export interface StorePlan {
  readonly store: string
  /** The outcome when the facts already settle it: nothing is run. */
  readonly settled?: Omit<StoreReport, 'store'>
  /** Tells whether the CA is in the store: it is when the step succeeds and its output holds `expect` (if set). */
  readonly probe?: { readonly step: TrustStep; readonly expect?: string }
  /** What adds (install) or removes (uninstall) the CA, in order. */
  readonly steps: readonly TrustStep[]
  /** What the steps achieve, for the report: `added, trusted to identify websites (C,,)`. */
  readonly done: string
  /** The steps as one shell line for the user, with sudo where the store needs root. */
  readonly manual: string
}
