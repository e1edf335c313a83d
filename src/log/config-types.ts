/**
 * The setting src/log owns in `proxy.config.ts`, `log`, merged into the config
 * (config/types.ts) by declaration merging. Types only; its checks and reload lines are in
 * log/config.ts.
 */

export interface UserLog {
  /**
   * What the log shows under each transaction line: `'none'`, `'headers'` (request as received
   * → as forwarded, response as received → as sent; like `-v`) or `'body'` (headers plus a
   * body diff against the previous response of the same endpoint; like `-vv`). Default: `'none'`.
   */
  diff?: 'none' | 'headers' | 'body'
  /** Header names and JSON paths (`$.requestId`, `$.items[*].updatedAt`) left out of diffs. Default: none. */
  ignore?: string[]
}

export interface ResolvedLog {
  readonly diff: 'none' | 'headers' | 'body'
  readonly ignore: readonly string[]
}

declare module '../config/types.js' {
  interface UserConfig {
    /** The transaction log. Default: one line per transaction, no diffs. */
    log?: UserLog
  }

  interface ResolvedConfig {
    /** Read once at start (a reload says so). */
    readonly log: ResolvedLog
  }
}
