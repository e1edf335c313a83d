import type { UserConfig, UserRoute } from '../config/types.js'
import type { UserLog } from '../log/config-types.js'
import type { UserRecord } from '../record/config-types.js'
// `outbound` (forward mode) comes with UserConfig: its type is merged in by src/outbound.
import type {} from '../outbound/config-types.js'

/**
 * What `startProxy()` takes (DESIGN.md §9: the product's core API): the fields of
 * `proxy.config.ts`, checked by the same rules, plus what a test suite needs instead of a
 * terminal. Types only; src/api/resolve-options.ts checks and resolves them.
 */

/** Where the transaction log goes: nowhere (default), the terminal's lines, or one JSON object per line (`--json`). */
export type LogFormat = 'pretty' | 'json'

/** The config's `log` settings, plus where the log goes. */
export interface ProxyLogOptions extends UserLog {
  /** `'pretty'`: the terminal's lines; `'json'`: one `--json` object per line. Default: `'pretty'` (with an object given). */
  format?: LogFormat
  /** Where the text is written. Default: `process.stdout`. */
  write?: (text: string) => void
}

/** The config's `record` settings, plus the HAR file to record to. */
export interface ProxyRecordOptions extends UserRecord {
  /** Record every transaction to this HAR file (as `devproxy record --out`); relative to the current directory. Default: no recording. */
  file?: string
}

/** Answer from a HAR recording (as `devproxy replay`). */
export interface ProxyReplayOptions {
  /** The HAR file. */
  file: string
  /** Send requests the recording does not have to `routes` (as `--fallthrough`). Default: `false`: a miss is a 404 naming the nearest recording. */
  fallthrough?: boolean
}

export interface ProxyOptions extends Omit<UserConfig, 'routes' | 'log' | 'record' | 'port'> {
  /**
   * A config file (`proxy.config.ts`, `.mts`, `.js`, `.mjs`) loaded and validated as
   * `devproxy start --config` does; relative to the current directory. With it, only `port`,
   * `host`, `https`, `log`, `record` (its `file`) and `replay` may be given beside it.
   * Default: none (`routes` then).
   */
  config?: string
  /** The routes, as in `proxy.config.ts`. Required without `config`. */
  routes?: UserRoute[]
  /**
   * Listen port. Default: `0`, a free port (read it from `proxy.url`), also with a `config`
   * file: test files run in parallel, and each proxy needs its own port.
   */
  port?: number
  /** The transaction log. Default: `false`, nothing printed. */
  log?: false | LogFormat | ProxyLogOptions
  /** Record to a HAR file (`file`), with the config's `record` settings. Default: no recording. */
  record?: ProxyRecordOptions
  /** Answer from a HAR recording: its path, or `{ file, fallthrough }`. Default: none. */
  replay?: string | ProxyReplayOptions
  /**
   * How many finished transactions `proxy.transactions` keeps; the oldest go first, so a proxy
   * left running under load holds a bounded amount. `nextTransaction` sees every one regardless.
   * Default: `10000`.
   */
  keepTransactions?: number
  /**
   * The browser inspector (and the control API `devproxy status`/`fault` use from another
   * terminal) on a port of its own: `true`, or how much it keeps. Its sign-in link is
   * `proxy.inspectorUrl`. Default: `false`, none.
   */
  inspector?: boolean | ProxyInspectorOptions
}

/** How much the inspector keeps (as `devproxy start --inspector-history`/`--inspector-history-mb`). */
export interface ProxyInspectorOptions {
  /** Transactions kept; the oldest go first. Default: `10000`. */
  history?: number
  /** Megabytes of captured bodies kept, all transactions together. Default: `64`. */
  historyMb?: number
}
