/**
 * The setting src/record owns in `proxy.config.ts`, `record`, merged into the config
 * (config/types.ts) by declaration merging. Types only; its checks, default and reload lines are
 * in record/config.ts.
 */

export interface UserRecord {
  /**
   * More header names whose values `devproxy record` replaces with `[REDACTED]`, on top of
   * authorization, proxy-authorization, cookie, set-cookie and x-api-key. Default: none.
   */
  redact?: string[]
  /** Bodies are recorded up to this many bytes each (`_devproxy.truncated` past it). Default: `8388608` (8 MiB). */
  maxBodyBytes?: number
}

export interface ResolvedRecord {
  /** Lower-case. */
  readonly redact: readonly string[]
  readonly maxBodyBytes: number
}

declare module '../config/types.js' {
  interface UserConfig {
    /** `devproxy record` settings. */
    record?: UserRecord
  }

  interface ResolvedConfig {
    /** Read once at start (a reload says so). */
    readonly record: ResolvedRecord
  }
}
