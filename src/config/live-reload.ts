import { diffConfigs, type ConfigChange } from './diff.js'
import type { ConfigFeatures } from './feature.js'
import type { LoadedConfig } from './load.js'
import type { ResolvedConfig } from './types.js'
import { watchConfig, type ConfigWatcher } from './watch.js'

/**
 * Hot reload: a valid edit is swapped in whole (requests in flight keep the config they
 * started with); an invalid one is reported and the last good config keeps serving.
 */

export type ReloadEvent =
  | { readonly type: 'reloaded'; readonly file: string; readonly changes: readonly ConfigChange[]; readonly recovered: boolean }
  | { readonly type: 'invalid'; readonly file: string; readonly error: unknown }

export interface LiveReloadOptions {
  /** The features the config is read with (src/features.ts). */
  readonly features: ConfigFeatures
  readonly file: string
  /** Files the first load imported (from `loadConfig`). */
  readonly files: readonly string[]
  readonly cwd?: string
  readonly debounceMs?: number
  /** The config serving now. */
  current(): ResolvedConfig
  swap(config: ResolvedConfig): void
  /** Applies command-line overrides (e.g. `--port`) to each loaded config. */
  adjust?(config: ResolvedConfig): ResolvedConfig
  report(event: ReloadEvent): void
}

export function startLiveReload(options: LiveReloadOptions): Promise<ConfigWatcher> {
  let broken = false
  return watchConfig(options.file, options.files, {
    features: options.features,
    cwd: options.cwd,
    debounceMs: options.debounceMs,
    onReload(loaded: LoadedConfig) {
      const current = options.current()
      const adjusted = options.adjust ? options.adjust(loaded.config) : loaded.config
      // The listener cannot move without a restart; keep serving where we are bound.
      const next = Object.freeze({ ...adjusted, port: current.port, host: current.host })
      const changes = diffConfigs(current, adjusted, options.features)
      options.swap(next)
      options.report({ type: 'reloaded', file: options.file, changes, recovered: broken })
      broken = false
    },
    onError(error) {
      broken = true
      options.report({ type: 'invalid', file: options.file, error })
    },
  })
}
