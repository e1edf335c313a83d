import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, onTestFinished } from 'vitest'
import { ConfigValidationError, startProxy, type StartedProxy } from '../../src/index.js'
import { runCli } from '../helpers/cli.js'
import { sessionHeaders, signIn } from '../helpers/inspector.js'
import { echoHandler, request, startUpstream, type TestUpstream } from '../helpers/servers.js'

/** startProxy's inspector (and the control API on its port), and how many transactions it keeps. */
describe('startProxy: inspector and keepTransactions', () => {
  const open: Array<StartedProxy | TestUpstream> = []
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close()
  })
  const upstream = async () => {
    const started = await startUpstream(echoHandler)
    open.push(started)
    return started
  }
  /** A config file in a directory of its own: the control server's entry (`.devproxy/proxies/`) goes beside it. */
  const configIn = async (target: string) => {
    const dir = await mkdtemp(join(tmpdir(), 'devproxy-api-inspector-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const file = join(dir, 'proxy.config.mjs')
    await writeFile(file, `export default { routes: [{ name: 'api', path: '/', target: ${JSON.stringify(target)} }] }\n`)
    return { dir, file }
  }

  it('without inspector: true there is no inspector (nothing listens for it)', async () => {
    const proxy = await startProxy({ routes: [{ path: '/', target: (await upstream()).url }] })
    open.push(proxy)
    expect(proxy.inspectorUrl).toBeUndefined()
  })

  it('inspector: true serves the inspector, which shows each proxy its own transactions only (two in one process)', async () => {
    const target = (await upstream()).url
    const one = await configIn(target)
    const two = await configIn(target)
    const first = await startProxy({ config: one.file, inspector: true })
    open.push(first)
    const second = await startProxy({ config: two.file, inspector: { history: 5 } })
    open.push(second)
    expect(first.inspectorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/inspector\/login#token=/)
    expect(new URL(first.inspectorUrl!).port).not.toBe(new URL(second.inspectorUrl!).port)

    const seen = first.nextTransaction({ path: '/only-first' })
    await request(`${first.url}/only-first`)
    const tx = await seen
    const detail = async (proxy: StartedProxy, id: string) => {
      const login = proxy.inspectorUrl!
      const session = await signIn(login)
      const origin = new URL(login).origin
      return request(`${origin}/v1/inspector/transactions/${id}`, { headers: sessionHeaders(session, origin) })
    }
    const own = await detail(first, tx.id)
    expect(own.status).toBe(200)
    expect(JSON.stringify(own.json())).toContain('/only-first')
    expect((await detail(second, tx.id)).status).toBe(404)
  })

  it('a proxy with the inspector is listed by `devproxy status` from a terminal in its directory, and gone after close()', async () => {
    const { dir, file } = await configIn((await upstream()).url)
    const proxy = await startProxy({ config: file, inspector: true })
    const listed = await runCli(['status'], { cwd: dir })
    expect(listed.code).toBe(0)
    expect(listed.stdout).toContain(proxy.url)
    await proxy.close()
    const after = await runCli(['status'], { cwd: dir })
    expect(after.stdout).not.toContain(proxy.url)
  })

  it('keepTransactions: the list holds the newest N; nextTransaction still sees every one', async () => {
    const proxy = await startProxy({ routes: [{ path: '/', target: (await upstream()).url }], keepTransactions: 2 })
    open.push(proxy)
    for (const n of [1, 2, 3, 4]) {
      const next = proxy.nextTransaction({ path: `/n${n}` })
      await request(`${proxy.url}/n${n}`)
      expect((await next).url).toBe(`/n${n}`)
    }
    expect(proxy.transactions.map((tx) => tx.url)).toEqual(['/n3', '/n4'])
  })

  it('keepTransactions: 0 keeps none; a timeout still counts what finished meanwhile', async () => {
    const proxy = await startProxy({ routes: [{ path: '/', target: (await upstream()).url }], keepTransactions: 0 })
    open.push(proxy)
    const waiting = proxy.nextTransaction({ path: '/never' }, { timeoutMs: 300 })
    const done = proxy.nextTransaction({ path: '/other' })
    await request(`${proxy.url}/other`)
    await done
    expect(proxy.transactions).toEqual([])
    await expect(waiting).rejects.toMatchObject({ code: 'transaction_timeout', message: expect.stringContaining('1 finished meanwhile') })
  })

  it('bad keepTransactions and inspector options are refused with their field paths, before anything starts', async () => {
    const target = (await upstream()).url
    const error = (await startProxy({ routes: [{ path: '/', target }], keepTransactions: -1, inspector: { history: 0, colour: 'red' } as never }).catch((e: unknown) => e)) as ConfigValidationError
    expect(error).toBeInstanceOf(ConfigValidationError)
    expect(error.issues.map((issue) => issue.path)).toEqual(['keepTransactions', 'inspector.history', 'inspector.colour'])
  })
})
