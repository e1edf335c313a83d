import { once } from 'node:events'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import { ConfigValidationError, DevproxyError, startProxy, type StartedProxy } from '../../src/index.js'
import { echoHandler, request, startUpstream, type TestUpstream } from '../helpers/servers.js'

/** Starting, closing and refusing: what startProxy promises besides the traffic. */
describe('startProxy: lifecycle and options', () => {
  const open: Array<StartedProxy | TestUpstream> = []
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close()
  })
  const upstream = async () => {
    const started = await startUpstream(echoHandler)
    open.push(started)
    return started
  }
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devproxy-api-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    return dir
  }

  it('listens on a free loopback port by default and says where (url, port, host)', async () => {
    const proxy = await startProxy({ routes: [{ path: '/', target: (await upstream()).url }] })
    open.push(proxy)
    expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`)
    expect(proxy.port).toBeGreaterThan(0)
    expect(proxy.httpsUrl).toBeUndefined()
    expect((await request(`${proxy.url}/x`)).json().url).toBe('/x')
  })

  it('close() releases the port (a server can listen on it) and cuts the connections clients keep open', async () => {
    const proxy = await startProxy({ routes: [{ path: '/', target: (await upstream()).url }] })
    const agent = new http.Agent({ keepAlive: true })
    onTestFinished(() => agent.destroy())
    await request(`${proxy.url}/a`, { agent })
    const [socket] = Object.values(agent.freeSockets).flat()
    expect(socket).toBeDefined()
    const socketClosed = once(socket!, 'close')
    await proxy.close()
    await socketClosed
    const server = net.createServer()
    server.listen(proxy.port, '127.0.0.1')
    await once(server, 'listening')
    await new Promise<void>((resolve) => server.close(() => resolve()))
    // Twice is harmless.
    await proxy.close()
  })

  it('await using closes the proxy at the end of the block', async () => {
    const target = (await upstream()).url
    let port = 0
    {
      await using proxy = await startProxy({ routes: [{ path: '/', target }] })
      port = proxy.port
      expect((await request(`${proxy.url}/a`)).status).toBe(200)
    }
    await expect(request(`http://127.0.0.1:${port}/a`)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })

  it('bad options throw a ConfigValidationError (a DevproxyError) with each field path, and nothing starts: no port taken, no recording', async () => {
    const dir = await tempDir()
    const port = await freePort()
    const har = join(dir, 'run.har')
    const attempt = startProxy({ port, routes: [{ path: 'api', target: 'localhost:3000', timeout: 5 } as never], record: { file: har }, log: 'loud' as never })
    const error = (await attempt.catch((e: unknown) => e)) as ConfigValidationError
    expect(error).toBeInstanceOf(DevproxyError)
    expect(error).toBeInstanceOf(ConfigValidationError)
    expect(error.code).toBe('config_invalid')
    expect(error.issues.map((issue) => issue.path)).toEqual(['log', 'routes[0].path', 'routes[0].target', 'routes[0]'])
    // The misspelt field is named as devproxy check names it.
    expect(error.issues[3]!.message).toContain('"timeout"')
    await expect(readFile(har)).rejects.toMatchObject({ code: 'ENOENT' })
    const server = net.createServer().listen(port, '127.0.0.1')
    await once(server, 'listening')
    server.close()
  })

  it('no routes and no config file: the issue says so, at `routes`', async () => {
    await expect(startProxy({} as never)).rejects.toMatchObject({ code: 'config_invalid', issues: [expect.objectContaining({ path: 'routes' })] })
    await expect(startProxy(undefined as never)).rejects.toMatchObject({ code: 'config_invalid' })
  })

  it('config: a proxy.config.ts is loaded and validated as devproxy start loads it; its port is not used, its routes are', async () => {
    const dir = await tempDir()
    const target = (await upstream()).url
    await writeFile(join(dir, 'proxy.config.ts'), `import { defineConfig } from 'devproxy'\nexport default defineConfig({ port: 8080, routes: [{ name: 'api', path: '/api', target: '${target}', stripPrefix: true }], faults: ['status 418 --first 1'] })\n`)
    const proxy = await startProxy({ config: join(dir, 'proxy.config.ts') })
    open.push(proxy)
    expect(proxy.port).not.toBe(8080)
    expect((await request(`${proxy.url}/api/x`)).status).toBe(418)
    expect((await request(`${proxy.url}/api/x`)).json().url).toBe('/x')

    await writeFile(join(dir, 'bad.config.ts'), `export default { routes: [{ path: '/', target: 'ftp://x' }] }\n`)
    await expect(startProxy({ config: join(dir, 'bad.config.ts') })).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringContaining('routes[0].target') })
    await expect(startProxy({ config: join(dir, 'proxy.config.ts'), routes: [] })).rejects.toMatchObject({ issues: [expect.objectContaining({ path: 'routes', message: 'cannot be given beside a config file' })] })
  })

  it('prints nothing by default: no banner, no transaction lines, not even for an error answer', async () => {
    const out = vi.spyOn(process.stdout, 'write')
    const err = vi.spyOn(process.stderr, 'write')
    onTestFinished(() => {
      out.mockRestore()
      err.mockRestore()
    })
    const proxy = await startProxy({ routes: [{ path: '/api', target: 'http://127.0.0.1:9' }] })
    expect((await request(`${proxy.url}/api/x`)).status).toBe(502)
    expect((await request(`${proxy.url}/nowhere`)).status).toBe(404)
    await proxy.close()
    expect([...out.mock.calls, ...err.mock.calls]).toEqual([])
  })

  it("log: 'json' writes one --json line per transaction to the given function, the default format the terminal's lines", async () => {
    const target = (await upstream()).url
    const lines: string[] = []
    const proxy = await startProxy({ routes: [{ path: '/', target }], log: { format: 'json', write: (text) => lines.push(text) } })
    await request(`${proxy.url}/logged`)
    await proxy.close()
    const written = lines.join('').trim().split('\n').map((line) => JSON.parse(line) as { url: string })
    expect(written.map((tx) => tx.url)).toEqual(['/logged'])

    const pretty: string[] = []
    const plain = await startProxy({ routes: [{ path: '/', target }], log: { write: (text) => pretty.push(text) } })
    await request(`${plain.url}/pretty`)
    await plain.close()
    // The terminal's line, without color codes (a function is no terminal).
    expect(pretty.join('')).toMatch(/^\S+ GET +\/pretty .*200/m)
    expect(pretty.join('')).not.toContain('\u001b[')
  })

  it('record: { file } writes a HAR of the transactions; replay answers from it with the upstream gone', async () => {
    const dir = await tempDir()
    const har = join(dir, 'recordings', 'run.har')
    const live = await startUpstream(echoHandler)
    const recording = await startProxy({ routes: [{ path: '/', target: live.url }], record: { file: har } })
    await request(`${recording.url}/users/1`)
    await recording.close()
    await live.close()
    const entries = (JSON.parse(await readFile(har, 'utf8')) as { log: { entries: Array<{ request: { url: string } }> } }).log.entries
    expect(entries.map((e) => new URL(e.request.url).pathname)).toEqual(['/users/1'])

    const replaying = await startProxy({ replay: har })
    open.push(replaying)
    const answer = await request(`${replaying.url}/users/1`)
    expect(answer.json().url).toBe('/users/1')
    expect(replaying.transactions[0]).toMatchObject({ answeredBy: 'replay' })
    expect((await request(`${replaying.url}/users/2`)).status).toBe(404)
  })
})

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
