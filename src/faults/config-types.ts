import type { FaultSpec } from './types.js'

/**
 * The setting src/faults owns in `proxy.config.ts`, `faults`, merged into the config
 * (config/types.ts) by declaration merging. Types only; its checks and reload lines are in
 * faults/config.ts.
 */

/**
 * A fault: an object, or the `devproxy fault` flags as a string (`'5xx 30%'`,
 * `'latency 200-800 --route api'`). See `devproxy fault --help`.
 */
export type UserFault = FaultSpec | string

export interface UserFaults {
  /**
   * Let a request ask for a fault with an `x-devproxy-fault` header (`503`, `reset`, `timeout`,
   * `latency=300`, …): test suites can trigger exact failures per request. Default: `false`.
   */
  allowHeader?: boolean
  /** Faults always in force while this config is loaded. Default: none. */
  rules?: UserFault[]
}

declare module '../config/types.js' {
  interface UserConfig {
    /** Faults to inject: an array of faults, or `{ allowHeader, rules }`. Default: none. */
    faults?: UserFault[] | UserFaults
  }

  interface ResolvedFaults {
    /** The config's faults, strings parsed; the registry installs them (and again on each reload). */
    readonly rules: readonly FaultSpec[]
  }
}
