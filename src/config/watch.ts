import { dirname, resolve } from 'node:path'
import type { ConfigFeatures } from './feature.js'
import { loadConfig, type LoadedConfig } from './load.js'

/**
 * The one importer of chokidar. Watches the directories of the config file and of every local
 * file it imports (editors save by writing a temporary file and renaming it over the old
 * one, which a watch on the file itself would miss), debounces bursts of events, and reloads.
 * Loads never overlap: a change during a load triggers one more load after it.
 */

export interface WatchOptions {
  /** The features the config is read with (src/features.ts). */
  readonly features: ConfigFeatures
  /** Quiet period after the last event before reloading. Default: 50 ms. */
  readonly debounceMs?: number
  readonly cwd?: string
  /** A new config loaded and validated. */
  onReload(loaded: LoadedConfig): void
  /** The edited config does not load or is invalid; the caller keeps the last good one. */
  onError(error: unknown): void
}

export interface ConfigWatcher {
  close(): Promise<void>
}

export const DEFAULT_DEBOUNCE_MS = 50

export async function watchConfig(file: string, files: readonly string[], options: WatchOptions): Promise<ConfigWatcher> {
  const { watch } = await import('chokidar')
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS
  let watched = new Set(files.map((f) => resolve(f)))
  const watcher = watch([...directoriesOf(watched)], { ignoreInitial: true, depth: 0 })

  let timer: NodeJS.Timeout | undefined
  let loading = false
  let pending = false
  let closed = false

  const reload = async () => {
    if (loading) {
      pending = true
      return
    }
    loading = true
    try {
      const loaded = await loadConfig(file, options.features, options.cwd)
      if (closed) return
      follow(loaded.files)
      options.onReload(loaded)
    } catch (error) {
      if (!closed) options.onError(error)
    } finally {
      loading = false
      if (pending && !closed) {
        pending = false
        void reload()
      }
    }
  }

  const follow = (next: readonly string[]) => {
    const before = directoriesOf(watched)
    watched = new Set([resolve(file), ...next.map((f) => resolve(f))])
    const added = [...directoriesOf(watched)].filter((dir) => !before.has(dir))
    if (added.length > 0) watcher.add(added)
  }

  watcher.on('all', (_event, path) => {
    if (closed || !watched.has(resolve(path))) return
    clearTimeout(timer)
    timer = setTimeout(() => void reload(), debounceMs)
  })
  watcher.on('error', (error) => options.onError(error))
  await new Promise<void>((ready) => watcher.once('ready', ready))

  return {
    async close() {
      closed = true
      clearTimeout(timer)
      await watcher.close()
    },
  }
}

function directoriesOf(files: ReadonlySet<string>): Set<string> {
  return new Set([...files].map((f) => dirname(f)))
}
