import type { UserConfig } from './types.js'

/**
 * Identity helper that gives `proxy.config.ts` its types, as Vite's `defineConfig` does.
 */
export function defineConfig(config: UserConfig): UserConfig {
  return config
}
