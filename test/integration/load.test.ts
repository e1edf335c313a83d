import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/features.js'

/** The loader on real files: every extension, imports, and each way a file can be wrong. */
describe('loadConfig', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-load-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  async function write(name: string, text: string): Promise<string> {
    const file = join(dir, name)
    await writeFile(file, text)
    return file
  }

  const body = `defineConfig({ routes: [{ name: 'app', path: '/', target: 'http://localhost:3000' }] })`

  it.each(['proxy.config.ts', 'proxy.config.mts', 'proxy.config.js', 'proxy.config.mjs'])('loads %s importing defineConfig from "devproxy"', async (name) => {
    const file = await write(name, `import { defineConfig } from 'devproxy'\nexport default ${body}\n`)
    const { config, files } = await loadConfig(file, dir)
    expect(config.routes[0]?.targets[0]?.href).toBe('http://localhost:3000/')
    expect(files).toEqual([file])
  })

  it('reports the local files a config imports, not packages', async () => {
    await write('shared.ts', `export const target = 'http://localhost:3000'\n`)
    await write('targets.ts', `import { target } from './shared'\nexport const app = target\n`)
    const file = await write('imports.config.ts', `import { defineConfig } from 'devproxy'\nimport { app } from './targets'\nexport default defineConfig({ routes: [{ path: '/', target: app }] })\n`)
    const { files } = await loadConfig(file, dir)
    expect([...files].sort()).toEqual([file, join(dir, 'shared.ts'), join(dir, 'targets.ts')].sort())
  })

  async function failure(name: string, text: string): Promise<string> {
    const file = await write(name, text)
    const error = await loadConfig(file, dir).then(
      () => undefined,
      (e: Error) => e,
    )
    expect(error).toBeInstanceOf(Error)
    return error!.message
  }

  it('a syntax error: file:line:column and a code frame', async () => {
    const message = await failure('syntax.config.ts', `export default {\n  routes: [\n    { path: '/' target: 'x' },\n  ],\n}\n`)
    expect(message.split('\n')).toEqual([
      'syntax.config.ts:3:17: syntax error: Unexpected token, expected ","',
      "  2 |   routes: [",
      "> 3 |     { path: '/' target: 'x' },",
      '    |                 ^',
    ])
  })

  it('an error thrown while the config runs: file and line', async () => {
    const message = await failure('throws.config.ts', `const env: any = undefined\n\nexport default { routes: env.routes }\n`)
    expect(message.split('\n')).toEqual([
      "throws.config.ts:3: TypeError: Cannot read properties of undefined (reading 'routes')",
      '  2 |',
      '> 3 | export default { routes: env.routes }',
    ])
  })

  it('a missing import', async () => {
    const message = await failure('missing.config.ts', `import { x } from './nope'\nexport default x\n`)
    expect(message).toBe("missing.config.ts: Cannot find module './nope'")
  })

  it('every invalid field, each on its own line with the file name', async () => {
    const message = await failure('invalid.config.ts', `export default { prot: 80, routes: [{ path: 'api', target: 'localhost:3000', timeoutMs: '30s' }] }\n`)
    expect(message.split('\n')).toEqual([
      'invalid.config.ts: "prot" is not a known option',
      '  → did you mean "port"?',
      'invalid.config.ts: routes[0].path must start with "/" (got "api")',
      '  → did you mean "/api"?',
      'invalid.config.ts: routes[0].target must use http: or https: (got "localhost:3000")',
      '  → Write the full origin, e.g. http://localhost:3000',
      'invalid.config.ts: routes[0].timeoutMs must be a positive integer (got "30s")',
    ])
  })

  it('a file with no default export', async () => {
    const message = await failure('nodefault.config.ts', `export const config = { routes: [] }\n`)
    expect(message).toBe('nodefault.config.ts: no default export (it has only the named export config)')
  })
})
