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
    ...ENVIRONMENT_LIB,
    "declare module 'devproxy' {",
    ...body.join('\n\n').split('\n').map((line) => (line === '' ? '' : `  ${line}`)),
    '}',
    '',
    ...ENVIRONMENT_GLOBALS,
    '',
  ].join('\n')
}

/**
 * What the config runs in, for a `tsc --noEmit proxy.config.ts` with no tsconfig: tsc's default
 * target, ES5, has no WeakMap, Map iteration helpers, `replaceAll` or Promise constructor, but
 * configs run on Node 20.19 or newer, which has all of ES2022. A lib reference gives the
 * library, without a tsconfig.json to write (it cannot change the target: syntax that needs a
 * newer one, such as `for…of` over a Map or `#private` fields, still needs `--target es2022`).
 */
const ENVIRONMENT_LIB = ['/// <reference lib="es2022" />']

/**
 * Node's `process.env`, which a config reads for tokens and ports (the README's onRequest
 * example does), without @types/node in the project: only `env`, declared the way @types/node
 * declares it (the `NodeJS.Process` interface, `var process`), so when @types/node is there
 * too the declarations merge instead of clashing. Anything more of Node needs @types/node.
 */
const ENVIRONMENT_GLOBALS = [
  "// Node's `process.env` for the config, without @types/node; merges with @types/node when it is installed.",
  'declare namespace NodeJS {',
  '  interface ProcessEnv {',
  '    [name: string]: string | undefined',
  '  }',
  '  interface Process {',
  '    env: ProcessEnv',
  '  }',
  '}',
  'declare var process: NodeJS.Process',
]

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
