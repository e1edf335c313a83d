import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnCli } from '../helpers/cli.js'
import { request, startUpstream, type TestUpstream } from '../helpers/servers.js'

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/

function config(routes: Array<{ name: string; path: string; target: string }>): string {
  return `import { defineConfig } from 'devproxy'\nexport default defineConfig({ port: 0, routes: ${JSON.stringify(routes)} })\n`
}

describe('devproxy start watches its config (as a user runs it)', () => {
  let dir: string
  let a: TestUpstream
  let b: TestUpstream

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-watch-'))
    a = await startUpstream((_req, res) => res.end('A'))
    b = await startUpstream((_req, res) => res.end('B'))
  })
  afterAll(async () => {
    await a.close()
    await b.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('prints what a save changed, reports a broken save on stderr, and recovers', async () => {
    const file = join(dir, 'proxy.config.ts')
    await writeFile(file, config([{ name: 'app', path: '/', target: a.url }]))
    const cli = spawnCli(['start'], { cwd: dir })
    try {
      const [, url] = await cli.waitFor(LISTENING)
      await cli.waitFor(/watching proxy\.config\.ts for changes/)

      let seen = cli.stdout().length
      await writeFile(file, config([{ name: 'app', path: '/', target: a.url }, { name: 'b', path: '/b', target: b.url }]))
      await cli.waitFor(/↻ proxy\.config\.ts reloaded: 1 added\n {2}\+ b {2}\/b → http:\/\/127\.0\.0\.1:\d+/, { from: seen })
      expect((await request(`${url}/b/x`)).body.toString()).toBe('B')

      await writeFile(file, config([{ name: 'app', path: '/', target: a.url }]).replace('routes:', 'routez:'))
      const broken = await cli.waitFor(/✗ proxy\.config\.ts has errors; still serving the last good config\n[^]*?\n(?=\S|$)/, { stream: 'stderr' })
      expect(broken[0]).toContain('"routez" is not a known option')
      expect((await request(`${url}/b/x`)).body.toString()).toBe('B')

      seen = cli.stdout().length
      await writeFile(file, config([{ name: 'app', path: '/', target: b.url }]))
      await cli.waitFor(/↻ proxy\.config\.ts reloaded \(fixed\): 1 removed, 1 changed/, { from: seen })
      expect((await request(`${url}/x`)).body.toString()).toBe('B')
    } finally {
      cli.child.kill('SIGINT')
      expect((await cli.exited).code).toBe(0)
    }
  })

  it('--no-watch keeps the config it started with', async () => {
    const sub = await mkdtemp(join(dir, 'nowatch-'))
    const file = join(sub, 'proxy.config.ts')
    await writeFile(file, config([{ name: 'app', path: '/', target: a.url }]))
    const cli = spawnCli(['start', '--no-watch'], { cwd: sub })
    try {
      const [, url] = await cli.waitFor(LISTENING)
      expect(cli.stdout()).not.toContain('watching')
      await writeFile(file, config([{ name: 'app', path: '/', target: b.url }]))
      // Nothing to wait for when nothing happens: give a watcher ample time to have acted,
      // then check the old target still answers.
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect((await request(`${url}/x`)).body.toString()).toBe('A')
      expect(cli.stdout()).not.toContain('reloaded')
    } finally {
      cli.child.kill('SIGINT')
      expect((await cli.exited).code).toBe(0)
    }
  })

  // Node's own ESM loader caches a module by its URL for good: a config (or a helper it imports)
  // that it loaded would read as its first version forever ("reloaded: no changes").
  it.for([
    { title: 'a proxy.config.mjs', files: { 'proxy.config.mjs': (target: string) => config([{ name: 'app', path: '/', target }]).replace("import { defineConfig } from 'devproxy'\n", '').replace('defineConfig(', '(') } },
    {
      title: 'a proxy.config.js in a "type": "module" project (a Vite project)',
      files: { 'package.json': () => '{"type":"module"}\n', 'proxy.config.js': (target: string) => config([{ name: 'app', path: '/', target }]).replace("import { defineConfig } from 'devproxy'\n", '').replace('defineConfig(', '(') },
    },
    {
      title: 'a .mjs helper a proxy.config.ts imports',
      files: {
        'proxy.config.ts': () => "import { target } from './target.mjs'\nexport default { port: 0, routes: [{ name: 'app', path: '/', target }] }\n",
        'target.mjs': (target: string) => `export const target = '${target}'\n`,
      },
    },
  ])('an edit to $title is applied on save', async ({ files }) => {
    const sub = await mkdtemp(join(dir, 'esm-'))
    for (const [name, content] of Object.entries(files)) await writeFile(join(sub, name), content(a.url))
    const cli = spawnCli(['start'], { cwd: sub })
    try {
      const [, url] = await cli.waitFor(LISTENING)
      await cli.waitFor(/watching .* for changes/)
      expect((await request(`${url}/x`)).body.toString()).toBe('A')
      const seen = cli.stdout().length
      const [name, content] = Object.entries(files).at(-1)!
      await writeFile(join(sub, name), content(b.url))
      await cli.waitFor(/reloaded: 1 changed/, { from: seen })
      expect((await request(`${url}/x`)).body.toString()).toBe('B')
    } finally {
      cli.child.kill('SIGINT')
      expect((await cli.exited).code).toBe(0)
    }
  })
})
