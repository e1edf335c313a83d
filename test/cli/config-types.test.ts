import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { TEMPLATE_NAMES, templatePath } from '../../src/config/templates.js'
import { runCli } from '../helpers/cli.js'

/**
 * The README's promise: `tsc --noEmit proxy.config.ts` passes with nothing installed, for every
 * config `devproxy init` writes and every `ts` example of the README, using what init writes
 * beside it (devproxy-env.d.ts) and no tsconfig, so tsc's defaults (an ES5 target, no Node
 * types). A `ts` block that is not a whole config is marked, on the line before its fence,
 * `<!-- fragment: why -->`, and skipped; skips are kept rare. A test file of the "In your tests"
 * section, marked `<!-- test file: … -->`, is no config: test/package/pack-install.test.ts
 * type-checks it against the installed package instead.
 *
 * tsc runs once for all of them (one program of modules type-checks each as it would alone; a
 * run costs a second or more of CPU, many times that on a loaded machine), with `--strict`,
 * which only adds checks to the defaults, and `--allowJs --checkJs` for the one `.mjs`.
 */
const TSC = fileURLToPath(new URL('../../node_modules/.bin/tsc', import.meta.url))
const README = fileURLToPath(new URL('../../README.md', import.meta.url))
const execFileAsync = promisify(execFile)
const MISSPELT = ['misspelt.ts', 'misspelt.mjs']
/** For a step that runs tsc: seconds of CPU, which a loaded 2-core machine stretches past vitest's 30 s. */
const TSC_TIMEOUT_MS = 120_000

interface Block {
  /** Line of the opening fence, 1-based. */
  readonly line: number
  readonly code: string
  /** Why it is not a whole config, when it is marked so. */
  readonly fragment: string | undefined
}

/** The README's ```ts blocks. */
function tsBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n')
  const blocks: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```ts') continue
    const end = lines.indexOf('```', i + 1)
    if (/^<!-- test file: .+ -->$/.test(lines[i - 1] ?? '')) {
      i = end
      continue
    }
    const fragment = /^<!-- fragment: (.+) -->$/.exec(lines[i - 1] ?? '')?.[1]
    blocks.push({ line: i + 1, code: lines.slice(i + 1, end).join('\n'), fragment })
    i = end
  }
  return blocks
}

async function tsc(dir: string, files: readonly string[]): Promise<{ code: number; stdout: string }> {
  try {
    await execFileAsync(TSC, ['--noEmit', '--strict', ...files], { cwd: dir })
    return { code: 0, stdout: '' }
  } catch (error) {
    const failed = error as { code: number; stdout: string }
    return { code: failed.code, stdout: failed.stdout }
  }
}

describe('every template and README example type-checks with nothing installed, and devproxy check loads it', () => {
  let dir: string
  let examples: Array<{ file: string; block: Block }>
  let fragments: Block[]
  /** tsc's diagnostics, by file: one run for every file below. */
  let diagnostics: Map<string, string[]>
  let exitCode: number
  const templates = TEMPLATE_NAMES.map((name) => `${name}.ts`)

  beforeAll(async () => {
    // A fresh project: no node_modules, no tsconfig, no package.json (the real path: macOS's /var is /private/var).
    dir = await realpath(await mkdtemp(join(tmpdir(), 'devproxy-types-')))
    // devproxy-env.d.ts as init writes it, beside the templates as init writes them (verbatim:
    // init-check.test.ts checks that, and that check loads each one).
    const init = await runCli(['init', '--template', TEMPLATE_NAMES[0]!, '--config', templates[0]!], { cwd: dir })
    expect(init.code, init.stderr).toBe(0)
    for (const name of TEMPLATE_NAMES.slice(1)) await copyFile(templatePath(name), join(dir, `${name}.ts`))
    const blocks = tsBlocks(await readFile(README, 'utf8'))
    examples = blocks.filter((b) => b.fragment === undefined).map((block) => ({ file: `readme-line-${block.line}.ts`, block }))
    fragments = blocks.filter((b) => b.fragment !== undefined)
    for (const { file, block } of examples) {
      await writeFile(join(dir, file), `${block.code}\n`)
      // A file an example's mock answers with, so `check` finds it as a user's project would.
      for (const [, path] of block.code.matchAll(/file: '([^']+\.json)'/g)) {
        await mkdir(dirname(join(dir, path!)), { recursive: true })
        await writeFile(join(dir, path!), '{}\n')
      }
    }
    // And the types are real: a misspelt option is an error, in .ts and in a checked .mjs.
    const misspelt = (await readFile(templatePath('basic'), 'utf8')).replace("path: '/',", "path: '/', timeout: 5_000,")
    for (const file of MISSPELT) await writeFile(join(dir, file), misspelt)

    const result = await tsc(dir, ['--allowJs', '--checkJs', ...templates, ...examples.map((e) => e.file), ...MISSPELT])
    exitCode = result.code
    diagnostics = new Map()
    for (const line of result.stdout.split('\n')) {
      const file = /^([^(\s]+)\(\d+,\d+\): error /.exec(line)?.[1] ?? (line.trim() === '' ? undefined : '(other)')
      if (file !== undefined) diagnostics.set(file, [...(diagnostics.get(file) ?? []), line])
    }
    // The one tsc run and one init: ~2.5 s of CPU; on a loaded 2-core machine (two CPU hogs, other
    // suites) they get a small share of a core, so this step gets more than the default 30 s.
  }, TSC_TIMEOUT_MS)
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('init wrote devproxy-env.d.ts and nothing else (no tsconfig.json)', async () => {
    expect((await readdir(dir)).filter((f) => f.endsWith('.json') || f.endsWith('.d.ts'))).toEqual(['devproxy-env.d.ts'])
  })

  it('the README has ts examples, and few fragments, each saying why', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3)
    expect(fragments.length).toBeLessThanOrEqual(2)
    for (const block of fragments) expect(block.fragment!.length).toBeGreaterThan(10)
  })

  it('tsc --noEmit accepts every template and every README example (ES5 default target, no @types/node)', () => {
    expect([...diagnostics].filter(([file]) => !MISSPELT.includes(file))).toEqual([])
  })

  it('and the types are real: a misspelt option is a type error, in .ts and in checked .mjs', () => {
    expect(exitCode).not.toBe(0)
    for (const file of MISSPELT) expect(diagnostics.get(file), file).toEqual([expect.stringContaining("'timeout' does not exist in type 'UserRoute'. Did you mean to write 'timeoutMs'?")])
  })

  it('devproxy check loads every README example', async () => {
    for (const { file } of examples) {
      const check = await runCli(['check', '--config', file], { cwd: dir })
      expect(check.code, `${file}: ${check.stderr}`).toBe(0)
    }
  })

  it('in a project that has @types/node, the process devproxy-env.d.ts declares merges with Node\'s (no clash)', async () => {
    const project = await realpath(await mkdtemp(join(tmpdir(), 'devproxy-types-node-')))
    onTestFinished(() => rm(project, { recursive: true, force: true }))
    await mkdir(join(project, 'node_modules', '@types'), { recursive: true })
    // This repo's @types/node (and what it imports), as a project that installed it has them.
    const own = fileURLToPath(new URL('../../node_modules/', import.meta.url))
    await symlink(join(own, '@types', 'node'), join(project, 'node_modules', '@types', 'node'))
    await symlink(join(own, 'undici-types'), join(project, 'node_modules', 'undici-types'))
    expect((await runCli(['init', '--template', 'auth-hook'], { cwd: project })).code).toBe(0)
    await writeFile(join(project, 'node-too.ts'), `/// <reference path="./devproxy-env.d.ts" />
import { defineConfig } from 'devproxy'
import { readFileSync } from 'node:fs'

const token = process.env.DEV_TOKEN ?? readFileSync('.token', 'utf8')
export default defineConfig({ routes: [{ path: '/', target: \`http://localhost:\${process.pid > 0 ? 3000 : 3001}\`, headers: { request: { authorization: token } } }] })
`)
    const result = await tsc(project, ['proxy.config.ts', 'node-too.ts'])
    expect(result.stdout).toBe('')
    expect(result.code).toBe(0)
    // tsc over all of @types/node: ~3.5 s of CPU (measured), several times that in wall time when loaded.
  }, TSC_TIMEOUT_MS)
})
