import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { TEMPLATE_NAMES, TEMPLATES, TEMPLATES_DIR, templatePath, type TemplateName } from '../../src/config/templates.js'
import { expectNoStack, runCli } from '../helpers/cli.js'

const dirs: string[] = []
const execFileAsync = promisify(execFile)
const TSC = fileURLToPath(new URL('../../node_modules/.bin/tsc', import.meta.url))

/** A fresh, empty project directory: no node_modules, no config. */
async function project(): Promise<string> {
  // The real path: it is what the CLI sees as its cwd (macOS's /var is /private/var).
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'devproxy-init-')))
  dirs.push(dir)
  return dir
}

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

/** The route lines `devproxy check` prints for each template: name, path, targets. */
const ROUTES: Record<TemplateName, Array<[string, string, string]>> = {
  basic: [['app', '/', 'http://localhost:3000']],
  'spa-api': [
    ['api', '/api', 'http://localhost:3000'],
    ['web', '/', 'http://localhost:5173'],
  ],
  microservices: [
    ['users', '/api/users', 'http://localhost:4001'],
    ['orders', '/api/orders', 'http://localhost:4002, http://localhost:4012'],
    ['admin', '/ [host admin.localhost]', 'http://localhost:4003'],
    ['api', '/api', 'http://localhost:4000'],
    ['web', '/', 'http://localhost:5173'],
  ],
  'auth-hook': [
    ['api', '/api', 'http://localhost:3000'],
    ['web', '/', 'http://localhost:5173'],
  ],
  'mock-api': [['api', '/api', 'http://localhost:3000']],
  'sse-transform': [
    ['stream', '/api/stream', 'http://localhost:3000'],
    ['api', '/api', 'http://localhost:3000'],
  ],
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('devproxy init / check --help', () => {
  it('init --help lists its flags and the templates', async () => {
    const result = await runCli(['init', '--help'])
    expect(result.code).toBe(0)
    for (const flag of ['--template', '--force', '--config']) expect(result.stdout).toContain(flag)
    for (const name of TEMPLATE_NAMES) expect(result.stdout).toContain(name)
  })

  it('check --help lists its flags', async () => {
    const result = await runCli(['check', '--help'])
    expect(result.code).toBe(0)
    for (const flag of ['--config', '--json']) expect(result.stdout).toContain(flag)
  })

  it('top-level --help lists init and check', async () => {
    const result = await runCli(['--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/init\s+Write a starter proxy\.config\.ts/)
    expect(result.stdout).toMatch(/check\s+Check that the config file/)
  })
})

describe('devproxy init', () => {
  it('knows every file in templates/, and only those', async () => {
    const files = (await readdir(TEMPLATES_DIR)).filter((f) => f.endsWith('.ts')).sort()
    expect(files).toEqual(TEMPLATE_NAMES.map((name) => `${name}.ts`).sort())
  })

  it.each(TEMPLATE_NAMES)('--template %s writes the template, and check accepts it (no node_modules)', async (name) => {
    const dir = await project()
    const init = await runCli(['init', '--template', name], { cwd: dir })
    expect(init.stderr).toBe('')
    expect(init.code).toBe(0)
    expect(init.stdout).toContain(`wrote proxy.config.ts from the ${name} template`)
    expect(init.stdout).toContain(TEMPLATES[name])
    expect(init.stdout).toMatch(/^\s+\d\. devproxy check\s/m)
    expect(init.stdout).toMatch(/^\s+\d\. devproxy start\s/m)
    expect(await readFile(join(dir, 'proxy.config.ts'), 'utf8')).toBe(await readFile(templatePath(name), 'utf8'))

    const check = await runCli(['check'], { cwd: dir })
    expect(check.stderr).toBe('')
    expect(check.code).toBe(0)
    expect(check.stdout).toMatch(/^✓ proxy\.config\.ts is valid$/m)
    for (const [route, where, targets] of ROUTES[name]) {
      expect(check.stdout).toMatch(new RegExp(`^  ${escape(route)}\\s+${escape(where)}\\s+→ ${escape(targets)}$`, 'm'))
    }
    expect(check.stdout.trim().split('\n')).toHaveLength(1 + ROUTES[name].length)
  })

  it('writes the basic template by default', async () => {
    const dir = await project()
    const result = await runCli(['init'], { cwd: dir })
    expect(result.code).toBe(0)
    expect(await readFile(join(dir, 'proxy.config.ts'), 'utf8')).toBe(await readFile(templatePath('basic'), 'utf8'))
  })

  it('never overwrites an existing file without --force; --force does', async () => {
    const dir = await project()
    const file = join(dir, 'proxy.config.ts')
    await writeFile(file, '// mine\n')

    const refused = await runCli(['init', '--template', 'spa-api'], { cwd: dir })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('proxy.config.ts already exists')
    expect(refused.stderr).toContain('--force')
    expectNoStack(refused.stderr)
    expect(await readFile(file, 'utf8')).toBe('// mine\n')

    const forced = await runCli(['init', '--template', 'spa-api', '--force'], { cwd: dir })
    expect(forced.code).toBe(0)
    expect(forced.stdout).toContain('overwrote proxy.config.ts')
    expect(await readFile(file, 'utf8')).toBe(await readFile(templatePath('spa-api'), 'utf8'))
  })

  it('rejects an unknown template, listing the valid ones', async () => {
    const dir = await project()
    const result = await runCli(['init', '--template', 'nope'], { cwd: dir })
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('nope')
    for (const name of TEMPLATE_NAMES) expect(result.stderr).toContain(name)
    expectNoStack(result.stderr)
    expect(await readdir(dir)).toEqual([])
  })

  it('--config writes elsewhere (creating the directory) and the next steps pass --config', async () => {
    const dir = await project()
    const init = await runCli(['init', '--config', 'dev/proxy.dev.ts'], { cwd: dir })
    expect(init.code).toBe(0)
    expect(init.stdout).toContain('wrote dev/proxy.dev.ts')
    expect(init.stdout).toContain('devproxy check --config dev/proxy.dev.ts')
    expect(init.stdout).toContain('devproxy start --config dev/proxy.dev.ts')
    expect(await readFile(join(dir, 'dev/proxy.dev.ts'), 'utf8')).toBe(await readFile(templatePath('basic'), 'utf8'))

    const check = await runCli(['check', '--config', 'dev/proxy.dev.ts'], { cwd: dir })
    expect(check.code).toBe(0)
    expect(check.stdout).toContain('✓ dev/proxy.dev.ts is valid')
  })
})

describe('devproxy init: the file it writes', () => {
  it.each(['dev/x.json', 'proxy.config.yaml', 'proxy.config.cjs'])('--config %s is refused in one line: devproxy loads .ts .mts .js .mjs (a wrong command line: exit 2)', async (name) => {
    const dir = await project()
    const result = await runCli(['init', '--config', name], { cwd: dir })
    expect(result.code).toBe(2)
    const suggested = name.replace(/\.[^.]+$/, '.ts')
    expect(result.stderr).toBe(`error: ${name} is not a config file name: devproxy loads .ts, .mts, .js or .mjs files\nhint: e.g. --config ${suggested}\n`)
    expect(await readdir(dir)).toEqual([])
  })

  it.each(['proxy.config.mts', 'dev/proxy.js', 'proxy.config.mjs'])('--config %s is written, and check loads it', async (name) => {
    const dir = await project()
    expect((await runCli(['init', '--config', name], { cwd: dir })).code).toBe(0)
    const check = await runCli(['check', '--config', name], { cwd: dir })
    expect(check.stderr).toBe('')
    expect(check.code).toBe(0)
  })
})

describe('devproxy init: the config type-checks without devproxy installed', () => {
  /**
   * This repo's TypeScript, run in the fresh project: no node_modules, no tsconfig there. The
   * target is the language configs run in (Node 20 has all of ES2022), not tsc's own default of
   * ES5, which knows no WeakMap.
   */
  const tsc = async (dir: string, ...args: string[]) => {
    try {
      await execFileAsync(TSC, ['--noEmit', '--strict', '--target', 'ES2022', ...args], { cwd: dir })
      return { code: 0, stdout: '' }
    } catch (error) {
      const failed = error as { code: number; stdout: string }
      return { code: failed.code, stdout: failed.stdout }
    }
  }

  it.each(TEMPLATE_NAMES)('tsc --noEmit accepts a fresh %s config', async (name) => {
    const dir = await project()
    const init = await runCli(['init', '--template', name], { cwd: dir })
    expect(init.stdout).toContain('wrote devproxy-env.d.ts')
    expect((await readdir(dir)).sort()).toEqual(['devproxy-env.d.ts', 'proxy.config.ts'])
    expect(await tsc(dir, 'proxy.config.ts')).toEqual({ code: 0, stdout: '' })
  })

  it('and the types are real: a misspelt option is a type error, in .ts and in checked .mjs', async () => {
    const dir = await project()
    expect((await runCli(['init'], { cwd: dir })).code).toBe(0)
    expect((await runCli(['init', '--config', 'proxy.config.mjs'], { cwd: dir })).code).toBe(0)
    for (const file of ['proxy.config.ts', 'proxy.config.mjs']) {
      const path = join(dir, file)
      await writeFile(path, (await readFile(path, 'utf8')).replace("path: '/',", "path: '/', timeout: 5_000,"))
    }
    const ts = await tsc(dir, 'proxy.config.ts')
    expect(ts.code).not.toBe(0)
    expect(ts.stdout).toContain("'timeout' does not exist in type 'UserRoute'. Did you mean to write 'timeoutMs'?")
    const mjs = await tsc(dir, '--allowJs', '--checkJs', 'proxy.config.mjs')
    expect(mjs.stdout).toContain("'timeout' does not exist in type 'UserRoute'")
  })
})

describe('devproxy check', () => {
  it('a missing config exits 1 and says to run devproxy init', async () => {
    const dir = await project()
    const result = await runCli(['check'], { cwd: dir })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('no config file at')
    expect(result.stderr).toContain('devproxy init')
    expectNoStack(result.stderr)
  })

  it('a missing --config file exits 1', async () => {
    const dir = await project()
    const result = await runCli(['check', '--config', 'nowhere.ts'], { cwd: dir })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('nowhere.ts')
    expectNoStack(result.stderr)
  })

  it('a bad target names the file and the field', async () => {
    const dir = await project()
    await writeFile(
      join(dir, 'proxy.config.ts'),
      `import { defineConfig } from 'devproxy'
export default defineConfig({ routes: [{ path: '/', target: 'localhost:3000' }] })
`,
    )
    const result = await runCli(['check'], { cwd: dir })
    expect(result.code).not.toBe(0)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('proxy.config.ts')
    expect(result.stderr).toContain('routes[0].target')
    expectNoStack(result.stderr)
  })

  it('a syntax error is reported without a stack trace', async () => {
    const dir = await project()
    await writeFile(
      join(dir, 'proxy.config.ts'),
      `import { defineConfig } from 'devproxy'
export default defineConfig({ routes: [{ path: '/', target: 'http://localhost:3000' }
`,
    )
    const result = await runCli(['check'], { cwd: dir })
    expect(result.code).not.toBe(0)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('proxy.config.ts')
    expectNoStack(result.stderr)
  })

  it('--json prints the file and routes', async () => {
    const dir = await project()
    expect((await runCli(['init', '--template', 'spa-api'], { cwd: dir })).code).toBe(0)
    const result = await runCli(['check', '--json'], { cwd: dir })
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({
      file: join(dir, 'proxy.config.ts'),
      routes: [
        { name: 'api', path: '/api', targets: ['http://localhost:3000'] },
        { name: 'web', path: '/', targets: ['http://localhost:5173'] },
      ],
    })
  })

  it('a mock `file` that does not exist is reported, with the file and the field, as a missing `ca` is (exit 1, a hint)', async () => {
    const dir = await project()
    await writeFile(join(dir, 'here.json'), '{"ok": true}')
    await writeFile(
      join(dir, 'proxy.config.ts'),
      `export default {
  routes: [{ path: '/api', mock: [{ match: { path: '/api/here' }, file: 'here.json' }, { match: { path: '/api/gone' }, file: 'fixtures/gone.json' }] }],
}
`,
    )
    const result = await runCli(['check'], { cwd: dir })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expectNoStack(result.stderr)
    expect(result.stderr.split('\n')).toEqual([
      `error: proxy.config.ts: routes[0].mock[1].file names a file that does not exist: ${join(dir, 'fixtures', 'gone.json')} ("fixtures/gone.json")`,
      `    → file is relative to the config file's directory (${dir})`,
      'hint: fix the config and run `devproxy check` to check it again',
      '',
    ])
    const json = JSON.parse((await runCli(['check', '--json'], { cwd: dir })).stdout)
    expect(json.error).toMatchObject({ code: 'config_invalid', issues: [{ file: join(dir, 'proxy.config.ts'), path: 'routes[0].mock[1].file' }] })
  })

  it.each(['proxy.config.json', 'dev/x.json'])('--config %s gets the message init gives (devproxy loads .ts .mts .js .mjs), not "no default export"; exit 2', async (name) => {
    const dir = await project()
    await execFileAsync('mkdir', ['-p', join(dir, 'dev')])
    await writeFile(join(dir, name), '{"routes": []}')
    for (const command of ['check', 'start']) {
      const result = await runCli([command, '--config', name], { cwd: dir })
      expect(result.code).toBe(2)
      expect(result.stderr).toBe(`error: ${name} is not a config file name: devproxy loads .ts, .mts, .js or .mjs files\nhint: e.g. --config ${name.replace(/\.json$/, '.ts')}\n`)
    }
  })

  it('a config with errors gets a hint line too, saying how to check again', async () => {
    const dir = await project()
    await writeFile(join(dir, 'proxy.config.ts'), `export default { port: 'x', routes: [{ path: '/', target: 'http://localhost:3000', timeoutMs: -1 }] }\n`)
    const result = await runCli(['check'], { cwd: dir })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: proxy\.config\.ts: port must be/)
    expect(result.stderr.trimEnd().split('\n').at(-1)).toBe('hint: fix the config and run `devproxy check` to check it again')
  })

  it('--json reports a failure as JSON, exit 1', async () => {
    const dir = await project()
    const result = await runCli(['check', '--json'], { cwd: dir })
    expect(result.code).toBe(1)
    const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string } }
    expect(error.code).toBe('config_not_found')
    expect(error.message).toContain('no config file at')
  })
})
