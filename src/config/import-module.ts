import { createRequire } from 'node:module'
import { sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The one importer of jiti: imports a TypeScript or JavaScript module fresh on every call and
 * reports which of the user's own files it pulled in, so the watcher can follow them.
 */

export interface ImportedModule {
  /** The module's default export (`module.exports` for CommonJS); undefined when it has none. */
  readonly value: unknown
  /** Whether it has a default export at all (`export default undefined` is one). */
  readonly hasDefault: boolean
  /** The names it exports besides `default`, sorted. */
  readonly namedExports: readonly string[]
  /** The imported file and every local file it imported, outside node_modules. */
  readonly files: readonly string[]
}

const requireCache = createRequire(import.meta.url).cache

export async function importFresh(file: string): Promise<ImportedModule> {
  const { createJiti } = await import('jiti')
  // jiti evaluates through Node's require cache when `moduleCache` is on: the keys it adds are
  // exactly the files this import touched. Removing them afterwards keeps the next import
  // fresh (no stale helper module after an edit).
  const before = new Set(Object.keys(requireCache))
  const jiti = createJiti(import.meta.url, {
    moduleCache: true,
    fsCache: false,
    alias: { devproxy: packageEntry() },
  })
  try {
    const namespace = await jiti.import<Record<string, unknown>>(file)
    // Own keys only: jiti answers `default` on a namespace that has none.
    const hasDefault = Object.keys(namespace).includes('default')
    return {
      value: hasDefault ? namespace.default : undefined,
      hasDefault,
      namedExports: Object.keys(namespace).filter((key) => key !== 'default' && key !== '__esModule').sort(),
      files: [file, ...localFiles(before).filter((f) => f !== file)],
    }
  } finally {
    for (const key of Object.keys(requireCache)) if (!before.has(key) && !isDependency(key)) delete requireCache[key]
  }
}

function localFiles(before: ReadonlySet<string>): string[] {
  return Object.keys(requireCache).filter((key) => !before.has(key) && isUserFile(key))
}

/** Where devproxy's own modules live (`dist/` when built, `src/` under tsx). */
const OWN_DIR = fileURLToPath(new URL('../', import.meta.url))

function isDependency(file: string): boolean {
  return file.includes(`${sep}node_modules${sep}`)
}

/** A file the user wrote (not a dependency, not devproxy itself). */
export function isUserFile(file: string): boolean {
  return !isDependency(file) && !file.startsWith(OWN_DIR)
}

/** `devproxy` resolves to the running package, wherever the config lives. */
function packageEntry(): string {
  const source = import.meta.url.endsWith('.ts')
  return fileURLToPath(new URL(source ? '../index.ts' : '../index.js', import.meta.url))
}
