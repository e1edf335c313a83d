import { copyFile, mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { expectNoStack, runCli, spawnCli } from '../helpers/cli.js'

const CA = fileURLToPath(new URL('../fixtures/tls/ca.pem', import.meta.url))
const dirs: string[] = []

/** A project directory holding `proxy.config.ts` with these routes (and copies of other files). */
async function project(routes: unknown[], files: Record<string, string> = {}, port?: number): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'devproxy-tls-')))
  dirs.push(dir)
  for (const [name, from] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true })
    await copyFile(from, join(dir, name))
  }
  await writeFile(join(dir, 'proxy.config.ts'), `export default ${JSON.stringify({ port, routes })}\n`)
  return dir
}

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

describe('devproxy check: https:// targets', () => {
  it('a ca file that is not there: exit 1, one line naming routes[0].ca, the path tried and the OS error', async () => {
    const dir = await project([{ path: '/', target: 'https://localhost:5173', ca: 'certs/rootCA.pem' }])
    const result = await runCli(['check'], { cwd: dir })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    const lines = result.stderr.trimEnd().split('\n')
    expect(lines[0]).toBe(`error: proxy.config.ts: routes[0].ca cannot read ${join(dir, 'certs', 'rootCA.pem')}: no such file or directory (ENOENT)`)
    expect(lines.slice(1).join('\n')).toContain('$(mkcert -CAROOT)/rootCA.pem')
    expectNoStack(result.stderr)
  })

  it('a ca file next to the config: valid, whatever the cwd', async () => {
    const dir = await project([{ path: '/', target: 'https://localhost:5173', ca: 'certs/rootCA.pem' }], { 'certs/rootCA.pem': CA })
    const result = await runCli(['check', '--config', join(dir, 'proxy.config.ts')], { cwd: tmpdir() })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('is valid')
  })

  it('ca on a route with http:// targets only is an error', async () => {
    const dir = await project([{ path: '/', target: 'http://localhost:3000', ca: 'rootCA.pem' }])
    const result = await runCli(['check'], { cwd: dir })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("routes[0].ca only applies to https:// targets, and this route's targets are all http://")
    expectNoStack(result.stderr)
  })

  it('secure: false: valid, with one warning line per such route on stderr', async () => {
    const dir = await project([
      { name: 'api', path: '/api', target: 'https://localhost:3443', secure: false },
      { name: 'web', path: '/', target: 'https://localhost:5173' },
    ])
    const result = await runCli(['check'], { cwd: dir })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('is valid')
    expect(result.stderr.trimEnd().split('\n')).toEqual([WARNING])
  })
})

const WARNING =
  'warning: route api has secure: false, so the certificate of https://localhost:3443 is not verified (any certificate is accepted). Give it ca: "path/to/rootCA.pem" instead to trust just the dev server\'s CA.'

describe('devproxy start: secure: false', () => {
  it('prints one warning line per such route on stderr, and serves', async () => {
    const dir = await project(
      [
        { name: 'api', path: '/api', target: 'https://localhost:3443', secure: false },
        { name: 'web', path: '/', target: 'https://localhost:5173' },
      ],
      {},
      0,
    )
    const cli = spawnCli(['start', '--no-watch'], { cwd: dir })
    try {
      await cli.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+/)
      await cli.waitFor(/secure: false/, { stream: 'stderr' })
    } finally {
      cli.child.kill('SIGINT')
    }
    const result = await cli.exited
    expect(result.code).toBe(0)
    expect(result.stderr.split('\n').filter((line) => line.startsWith('warning:'))).toEqual([WARNING])
  })
})
