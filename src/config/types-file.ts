import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { ConfigFeatures, TypesModule } from './feature.js'

/**
 * `devproxy-env.d.ts`, which `devproxy init` writes next to the config: the types of
 * `import { defineConfig } from 'devproxy'` as an ambient module, so that an editor and `tsc`
 * check proxy.config.ts in a project that does not install devproxy (the config's
 * `/// <reference path="./devproxy-env.d.ts" />` line points at it). At run time the import
 * needs nothing: the loader resolves `devproxy` to the running package.
 *
 * The declarations are copied from devproxy's own (`types.d.ts` when built, `types.ts` under
 * tsx): the skeleton's (config/types.ts, config/route-code.ts) and each feature's, whose fields
 * merged into `UserConfig` and `UserRoute` (declare module '../config/types.js') become
 * declarations of the same interfaces here, which TypeScript merges the same way. So they never
 * drift from what the config is validated against.
 */

export const TYPES_FILE_NAME = 'devproxy-env.d.ts'

/** What a config names: the `User*` types and what they use, not the resolved (engine) ones. */
const isConfigType = (name: string): boolean => !name.startsWith('Resolved')

/** The skeleton's own types modules. */
const SKELETON: readonly TypesModule[] = [{ url: new URL('./types', import.meta.url) }, { url: new URL('./route-code', import.meta.url) }]

export async function renderTypesFile(version: string, features: ConfigFeatures): Promise<string> {
  const modules = [...SKELETON, ...features.flatMap((feature) => feature.types)]
  const declared = await Promise.all(
    modules.map(async ({ url, only }) => declarations(await readOwn(url)).filter(([name]) => (only === undefined ? isConfigType(name) : only.includes(name)))),
  )
  const body = [
    '/** Identity helper that gives the config its types (as Vite\'s `defineConfig` does). */\nexport function defineConfig(config: UserConfig): UserConfig',
    ...declared.flat().map(([, text]) => text),
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
async function readOwn(base: URL): Promise<string> {
  const built = fileURLToPath(`${base.href}.d.ts`)
  return readFile(existsSync(built) ? built : fileURLToPath(`${base.href}.ts`), 'utf8')
}

const DECLARATION = /^export (?:declare )?(?:interface|type|const|function|class|enum) (\w+)/m
const AUGMENTATION = /^declare module '[^']+' \{\n([\s\S]*?)^\}$/m

/**
 * The declarations of a types-only module, each with its JSDoc, in order, with their names: the
 * top-level ones, then those of its `declare module` block (the fields it merges into the
 * config's interfaces), unindented. A name may come twice: an interface and what merges into it.
 */
function declarations(source: string): Array<[name: string, text: string]> {
  const block = AUGMENTATION.exec(source)
  const top = block === null ? source : source.replace(block[0], '')
  // What tsc writes `interface UserRoute` there is a declaration of the module's own here.
  const merged = block === null ? [] : topLevel(unindent(block[1]!).replace(/^(interface|type) /gm, 'export $1 '))
  return [...topLevel(top), ...merged]
}

/** The lines of a block, less the indentation of its first line. */
function unindent(block: string): string {
  const indent = /^[ \t]*/.exec(block)![0].length
  return block
    .split(/\r?\n/)
    .map((line) => line.slice(Math.min(indent, /^[ \t]*/.exec(line)![0].length)))
    .join('\n')
}

/**
 * The top-level declarations of a types-only module, each with its JSDoc. Relies on the layout
 * tsc and our sources share: declarations and their JSDoc start at column 0, their bodies are
 * indented; imports and other comments are left out.
 */
function topLevel(source: string): Array<[name: string, text: string]> {
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
  const found: Array<[string, string]> = []
  for (const chunk of chunks) {
    const text = chunk.join('\n').trim()
    const name = DECLARATION.exec(text)?.[1]
    if (name !== undefined) found.push([name, text.replace(/^export declare /m, 'export ')])
  }
  return found
}
