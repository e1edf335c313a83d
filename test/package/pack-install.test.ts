import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { within } from '../helpers/wait.js'

/**
 * devproxy as a user gets it (issue 31): `npm pack` of this checkout, the tarball installed in a
 * fresh project, then the CLI through npx, `startProxy` in a Vitest file, and the installed
 * types under tsc — the README's "In your tests" examples among them.
 *
 * The tarball is packed from the built dist/ (`npm test` builds first: pretest) with
 * `--ignore-scripts`, so packing does not build again. The project installs the tarball and
 * @playwright/test (for the types of the README's Playwright example) from the npm registry,
 * `--prefer-offline` (the cache `npm ci` filled serves devproxy's own dependencies); vitest,
 * typescript and @types/node are this checkout's, linked into the project's node_modules, which
 * saves installing them again and is what resolution sees either way (linked packages have no
 * node_modules/.bin entries: they are run as `node <package>/<bin>`).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const README = join(ROOT, 'README.md')
const run = promisify(execFile)
/** npm install with a cold cache or a busy 2-core machine takes a minute or more. */
const INSTALL_TIMEOUT_MS = 300_000
const STEP_TIMEOUT_MS = 180_000

/** The `ts` blocks of the README marked `<!-- test file: … -->`, with the tool the marker names. */
function readmeTestFiles(markdown: string): Array<{ line: number; tool: string; code: string }> {
  const lines = markdown.split('\n')
  const files: Array<{ line: number; tool: string; code: string }> = []
  lines.forEach((line, i) => {
    const tool = /^<!-- test file: type-checked with (\S+) /.exec(lines[i - 1] ?? '')?.[1]
    if (line !== '```ts' || tool === undefined) return
    files.push({ line: i + 1, tool, code: lines.slice(i + 1, lines.indexOf('```', i + 1)).join('\n') })
  })
  return files
}

const CONSUMER_TEST = `import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, test } from 'vitest'
import { DevproxyError, startProxy } from 'devproxy'

test('startProxy from the installed package: a fault, then nextTransaction', async () => {
  const api = createServer((req, res) => res.end(\`hello \${req.url}\`))
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
  const target = \`http://127.0.0.1:\${(api.address() as AddressInfo).port}\`
  await using proxy = await startProxy({ routes: [{ name: 'api', path: '/api', target }] })
  await proxy.fault('5xx 100% --first 1 --route api')
  const first = proxy.nextTransaction({ path: '/api/x' })
  expect((await fetch(\`\${proxy.url}/api/x\`)).status).toBeGreaterThanOrEqual(500)
  expect((await first).faults).toHaveLength(1)
  const second = proxy.nextTransaction({ path: '/api/x', status: 200 })
  expect(await (await fetch(\`\${proxy.url}/api/x\`)).text()).toBe('hello /api/x')
  expect((await second).route).toBe('api')
  await expect(startProxy({ routes: [{ path: '/', target: 'nope' }] })).rejects.toBeInstanceOf(DevproxyError)
  api.close()
})
`

const CONFIG_FILE = `import { defineConfig } from 'devproxy'

export default defineConfig({
  routes: [{ name: 'api', path: '/api', target: 'http://localhost:3000', retry: { attempts: 2 } }],
  faults: ['latency 100-300 --route api'],
})
`

/** A consumer's tsconfig as Vite's templates write one, with Node's types. */
const TSCONFIG = {
  compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023', 'DOM'], types: ['node'], strict: true, noEmit: true, skipLibCheck: true },
  include: ['*.ts'],
}

describe('npm pack, installed in a fresh project', () => {
  let work: string
  let project: string
  let packed: string[]

  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'dist', 'index.d.ts')), 'dist/ is built (npm run build; npm test builds it first)').toBe(true)
    work = await realpath(await mkdtemp(join(tmpdir(), 'devproxy-pack-')))
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 })
    const [pack] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>
    packed = pack!.files.map((file) => file.path)
    project = join(work, 'consumer')
    await mkdir(project)
    await writeFile(join(project, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2)}\n`)
    const playwright = (JSON.parse(await readFile(join(ROOT, 'node_modules', 'playwright-core', 'package.json'), 'utf8')) as { version: string }).version
    await run('npm', ['install', join(work, pack!.filename), `@playwright/test@${playwright}`, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project, env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' } })
    for (const name of ['vitest', 'typescript', '@types/node', 'undici-types']) {
      await mkdir(join(project, 'node_modules', name, '..'), { recursive: true })
      if (!existsSync(join(project, 'node_modules', name))) await symlink(join(ROOT, 'node_modules', name), join(project, 'node_modules', name))
    }
  }, INSTALL_TIMEOUT_MS)
  afterAll(async () => {
    if (work !== undefined) await rm(work, { recursive: true, force: true })
  })

  it('the tarball holds the built code with its types, the bin, templates and the oclif manifest; no sources or tests', () => {
    for (const file of ['bin/run.js', 'dist/index.js', 'dist/index.d.ts', 'dist/api/start-proxy.d.ts', 'oclif.manifest.json', 'package.json', 'README.md']) expect(packed).toContain(file)
    expect(packed.some((file) => file.startsWith('dist/inspector-ui/'))).toBe(true)
    expect(packed.some((file) => file.startsWith('templates/'))).toBe(true)
    expect(packed.filter((file) => /^(src|test|bench)\//.test(file))).toEqual([])
  })

  it('npx devproxy --help lists the commands', async () => {
    const { stdout } = await run('npx', ['--no', '--', 'devproxy', '--help'], { cwd: project })
    for (const command of ['start', 'fault', 'record', 'replay']) expect(stdout).toContain(command)
  }, STEP_TIMEOUT_MS)

  it('npx devproxy start --demo serves the demo, and stops on SIGINT', async () => {
    // Its own process group: npx, and the devproxy processes under it, get the signal together.
    const child = spawn('npx', ['--no', '--', 'devproxy', 'start', '--demo', '--port', '0', '--no-watch'], { cwd: project, detached: true, env: { ...process.env, NO_COLOR: '1' } })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })))
    let url = ''
    try {
      url = await within(
        STEP_TIMEOUT_MS - 30_000,
        new Promise<string>((resolve, reject) => {
          child.stdout.on('data', (chunk: Buffer) => {
            stdout += chunk.toString()
            const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)
            if (found) resolve(found[1]!)
          })
          void exited.then(({ code, signal }) => reject(new Error(`devproxy start exited (${code ?? signal}) before listening\n${stdout}\n${stderr}`)))
        }),
        'devproxy start --demo listening',
      )
      const res = await fetch(`${url}/api/users`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/json/)
    } finally {
      // As Ctrl-C in a terminal: the whole foreground group gets it.
      process.kill(-child.pid!, 'SIGINT')
    }
    const { code, signal } = await within(30_000, exited, 'devproxy start stopping')
    // npx (npm exec) ends itself by the signal it got; devproxy under it stopped cleanly, said nothing wrong, and let go of its port.
    expect(code === 0 || signal === 'SIGINT', `exit ${code ?? signal}`).toBe(true)
    expect(stderr).not.toMatch(/error|at .*\.js:\d+/i)
    await expect(fetch(`${url}/api/users`)).rejects.toThrow()
  }, STEP_TIMEOUT_MS)

  it("a Vitest file there uses startProxy against a small upstream, with a fault and nextTransaction; the README's Vitest example runs too", async () => {
    await writeFile(join(project, 'proxy.test.ts'), CONSUMER_TEST)
    const files = ['proxy.test.ts']
    for (const file of readmeTestFiles(await readFile(README, 'utf8')).filter((f) => f.tool === 'vitest')) {
      files.push(`readme-line-${file.line}.test.ts`)
      await writeFile(join(project, files.at(-1)!), `${file.code}\n`)
    }
    const result = await run(process.execPath, [join(project, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...files], { cwd: project, env: { ...process.env, NO_COLOR: '1' } }).catch((error: { stdout: string; stderr: string }) => error)
    expect(result.stdout + result.stderr).toMatch(/Test Files\s+2 passed/)
  }, STEP_TIMEOUT_MS)

  it("the installed types: proxy.config.ts with defineConfig, the test files and the README's examples type-check with tsc", async () => {
    const readme = readmeTestFiles(await readFile(README, 'utf8'))
    expect(readme.map((file) => file.tool).sort()).toEqual(['@playwright/test', 'vitest'])
    for (const file of readme) await writeFile(join(project, `readme-line-${file.line}.${file.tool === 'vitest' ? 'test' : 'spec'}.ts`), `${file.code}\n`)
    await writeFile(join(project, 'proxy.test.ts'), CONSUMER_TEST)
    await writeFile(join(project, 'proxy.config.ts'), CONFIG_FILE)
    await writeFile(join(project, 'misspelt.config.ts'), CONFIG_FILE.replace("path: '/api',", "path: '/api', timeout: 5,"))
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG))
    const result = await run(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: project }).catch((error: { code: number; stdout: string }) => error)
    // The one error is the misspelt option: the types are real, not `any`.
    const errors = result.stdout.split('\n').filter((line) => / error TS/.test(line))
    expect(errors).toEqual([expect.stringMatching(/^misspelt\.config\.ts\(.*'timeout' does not exist in type 'UserRoute'/)])
  }, STEP_TIMEOUT_MS)
})
