import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

/**
 * `devproxy-env.d.ts`, which `devproxy init` writes next to the config: the types of
 * `import { defineConfig } from 'devproxy'` as an ambient module, so that an editor and `tsc`
 * check proxy.config.ts in a project that does not install devproxy (the config's
 * `/// <reference path="./devproxy-env.d.ts" />` line points at it). At run time the import
 * needs nothing: the loader resolves `devproxy` to the running package.
 *
 * The declarations are copied from devproxy's own (`types.d.ts` when built, `types.ts` under
 * tsx), so they never drift from what the config is validated against.
 */

export const TYPES_FILE_NAME = 'devproxy-env.d.ts'

/** What a config names: the `User*` types and what they use, not the resolved (engine) ones. */
const isConfigType = (name: string): boolean => !name.startsWith('Resolved')
const FAULT_TYPES = new Set(['FaultKind', 'FaultSpec'])

export async function renderTypesFile(version: string): Promise<string> {
  const config = declarations(await readOwn('./types'))
  const faults = declarations(await readOwn('../faults/types'))
  const body = [
    '/** Identity helper that gives the config its types (as Vite\'s `defineConfig` does). */\nexport function defineConfig(config: UserConfig): UserConfig',
    ...[...config].filter(([name]) => isConfigType(name)).map(([, text]) => text),
    ...[...faults].filter(([name]) => FAULT_TYPES.has(name)).map(([, text]) => text),
  ]
  return [
    `// Written by \`devproxy init\` (devproxy ${version}): the types behind \`import { defineConfig } from 'devproxy'\`,`,
    '// so an editor and `tsc` check the config without devproxy installed in this project.',
    '// Commit it with the config. Where devproxy is installed in node_modules, it can be deleted.',
    "declare module 'devproxy' {",
    ...body.join('\n\n').split('\n').map((line) => (line === '' ? '' : `  ${line}`)),
    '}',
    '',
  ].join('\n')
}

/** A module of devproxy's own, as declarations: `x.d.ts` next to the built code, else the `x.ts` source (tsx). */
async function readOwn(base: string): Promise<string> {
  const built = fileURLToPath(new URL(`${base}.d.ts`, import.meta.url))
  return readFile(existsSync(built) ? built : fileURLToPath(new URL(`${base}.ts`, import.meta.url)), 'utf8')
}

const DECLARATION = /^export (?:declare )?(?:interface|type|const|function|class|enum) (\w+)/m

/**
 * The top-level declarations of a types-only module, each with its JSDoc, by name. Relies on
 * the layout tsc and our sources share: declarations and their JSDoc start at column 0, their
 * bodies are indented; imports and other comments are left out.
 */
function declarations(source: string): Map<string, string> {
  const chunks: string[][] = []
  let current: string[] = []
  let declared = false
  for (const line of source.split(/\r?\n/)) {
    const startsDoc = line.startsWith('/**')
    if ((startsDoc || line.startsWith('export ')) && declared) {
      chunks.push(current)
      current = []
      declared = false
    }
    // A comment not right above a declaration (the module's own JSDoc) is dropped.
    if ((startsDoc || line.trim() === '') && !declared) current = []
    if (/^(import |export \{\}|\/\/)/.test(line)) continue
    if (line.startsWith('export ')) declared = true
    current.push(line)
  }
  chunks.push(current)
  const found = new Map<string, string>()
  for (const chunk of chunks) {
    const text = chunk.join('\n').trim()
    const name = DECLARATION.exec(text)?.[1]
    if (name !== undefined) found.set(name, text.replace(/^export declare /m, 'export '))
  }
  return found
}
