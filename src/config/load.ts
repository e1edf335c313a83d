import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError, ConfigNotFoundError } from '../errors.js'
import { DEFAULT_CONFIG_FILES } from './defaults.js'
import { resolveConfig } from './resolve.js'
import type { ResolvedConfig, UserConfig } from './types.js'

/**
 * Finds the config file: the one given, or the first `proxy.config.{ts,mts,js,mjs}` in `cwd`.
 */
export function findConfigFile(cwd: string, given?: string): string {
  if (given) {
    const file = resolve(cwd, given)
    if (!existsSync(file)) throw new ConfigNotFoundError(file)
    return file
  }
  for (const name of DEFAULT_CONFIG_FILES) {
    const file = resolve(cwd, name)
    if (existsSync(file)) return file
  }
  throw new ConfigNotFoundError(resolve(cwd, DEFAULT_CONFIG_FILES[0]))
}

/**
 * Imports a config file with jiti (TypeScript on any Node) and resolves it. `devproxy` is
 * aliased to the running package so `import { defineConfig } from 'devproxy'` works even
 * where the project has no node_modules.
 */
export async function loadConfigFile(file: string): Promise<ResolvedConfig> {
  const { createJiti } = await import('jiti')
  const jiti = createJiti(import.meta.url, {
    moduleCache: false,
    fsCache: false,
    alias: { devproxy: packageEntry() },
  })
  let exported: unknown
  try {
    exported = await jiti.import(file, { default: true })
  } catch (error) {
    throw new ConfigError(`${file} failed to load: ${(error as Error).message}`, { cause: error })
  }
  try {
    return resolveConfig(exported as UserConfig, file)
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new ConfigError(`${file}: ${error.message}`, { suggestion: error.suggestion, cause: error })
    }
    throw error
  }
}

function packageEntry(): string {
  const source = import.meta.url.endsWith('.ts')
  return fileURLToPath(new URL(source ? '../index.ts' : '../index.js', import.meta.url))
}
