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

type Jiti = ReturnType<typeof import('jiti').createJiti>

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
    const namespace = await importThrough(jiti, file)
    // An ES module (transpiled: it has its own `__esModule`) exports what it names; a CommonJS one
    // exports `module.exports` as its default, as Node's import() would. Own keys only: jiti
    // answers `default` and `__esModule` on any namespace.
    if (!isEsModule(file, namespace)) return { value: namespace, hasDefault: true, namedExports: [], files: [file, ...localFiles(before).filter((f) => f !== file)] }
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

/**
 * jiti's synchronous require transpiles every local module, ESM ones included, into the require
 * cache this module empties after each import. Its `import()` would hand an `.mjs` file, or a
 * `.js` one in a `"type": "module"` package (a Vite project's), to Node's own ESM loader, whose
 * cache cannot be emptied: every later import would get the first version (a saved edit
 * reloaded as "no changes"). Only a config with top-level await needs `import()`.
 */
async function importThrough(jiti: Jiti, file: string): Promise<Record<string, unknown>> {
  try {
    return jiti(file) as Record<string, unknown>
  } catch (error) {
    if (!usesTopLevelAwait(error)) throw error
    return jiti.import<Record<string, unknown>>(file)
  }
}

/** TypeScript and `.mjs` files are ES modules whatever they contain; a `.js` one is when it was written as one. */
function isEsModule(file: string, namespace: Record<string, unknown>): boolean {
  return /\.(m?ts|mjs)$/.test(file) || Object.getOwnPropertyDescriptor(namespace, '__esModule') !== undefined || Object.prototype.toString.call(namespace) === '[object Module]'
}

function usesTopLevelAwait(error: unknown): boolean {
  return error instanceof SyntaxError && /await is only valid|top-level await|Cannot use await/i.test(error.message)
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
