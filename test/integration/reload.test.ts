import http from 'node:http'
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ReloadEvent } from '../../src/config/live-reload.js'
import { startLiveReload } from '../../src/features.js'
import { loadConfig } from '../../src/features.js'
import type { ConfigWatcher } from '../../src/config/watch.js'
import type { RunningProxy } from '../../src/start-proxy.js'
import { request, startTestProxyWith, startUpstream, type TestUpstream } from '../helpers/servers.js'
import { within } from '../helpers/wait.js'

/** An upstream that answers with its own name, and holds `/slow` until released. */
async function namedUpstream(name: string) {
  const held: Array<() => void> = []
  let heldWaiters: Array<() => void> = []
  const upstream = await startUpstream((req, res) => {
    const answer = () => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end(name)
    }
    if (req.url?.endsWith('/slow')) {
      held.push(answer)
      for (const wake of heldWaiters.splice(0)) wake()
    } else answer()
  })
  return {
    upstream,
    /** Resolves once a /slow request has reached this upstream. */
    slowArrived: () => new Promise<void>((resolve) => (held.length > 0 ? resolve() : heldWaiters.push(resolve))),
    releaseSlow: () => held.splice(0).forEach((answer) => answer()),
  }
}

function configSource(routes: Array<{ path: string; target: string; name?: string }>, extra = ''): string {
  return `import { defineConfig } from 'devproxy'
${extra}
export default defineConfig({
  port: 0,
  routes: ${JSON.stringify(routes, null, 2)},
})
`
}

/** Reload events as a queue the test can wait on. */
function eventQueue() {
  const events: ReloadEvent[] = []
  const waiters: Array<(event: ReloadEvent) => void> = []
  return {
    push(event: ReloadEvent) {
      const waiter = waiters.shift()
      if (waiter) waiter(event)
      else events.push(event)
    },
    next(): Promise<ReloadEvent> {
      const event = events.shift()
      return event ? Promise.resolve(event) : new Promise((resolve) => waiters.push(resolve))
    },
  }
}

describe('hot reload of proxy.config.ts', () => {
  let dir: string
  let a: Awaited<ReturnType<typeof namedUpstream>>
  let b: Awaited<ReturnType<typeof namedUpstream>>
  let file: string
  let proxy: RunningProxy | undefined
  let watcher: ConfigWatcher | undefined
  let events: ReturnType<typeof eventQueue>

  beforeAll(async () => {
    a = await namedUpstream('A')
    b = await namedUpstream('B')
  })
  afterAll(async () => {
    await a.upstream.close()
    await b.upstream.close()
  })
  afterEach(async () => {
    await watcher?.close()
    await proxy?.close(100)
    await rm(dir, { recursive: true, force: true })
  })

  /** Writes `proxy.config.ts` (and any `others` next to it), loads it, serves it and watches it. */
  async function start(source: string, others: Record<string, string> = {}) {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-reload-'))
    file = join(dir, 'proxy.config.ts')
    for (const [name, text] of Object.entries(others)) await writeFile(join(dir, name), text)
    await writeFile(file, source)
    const loaded = await loadConfig(file, dir)
    const running = await startTestProxyWith({ config: file })
    proxy = running
    events = eventQueue()
    watcher = await startLiveReload({
      file,
      files: loaded.files,
      cwd: dir,
      current: () => running.engine.state.config,
      swap: (next) => running.engine.swap(next),
      report: (event) => events.push(event),
    })
    return running
  }

  const body = async (url: string) => (await request(url)).body.toString()

  /**
   * Waits for the reload that serves `target`. One save can reach the watcher as more than one
   * event (a write is a truncate, then the bytes), further apart than the debounce on a loaded
   * machine: each is a reload, and the later ones, reloading what is already served, are still
   * queued when the next edit is made. The event to wait for is the one after which the edit
   * serves, not the next in the queue.
   */
  async function reloadedTo(running: RunningProxy, target: string): Promise<void> {
    for (;;) {
      const event = await within(10_000, events.next(), `the reload to ${target}`)
      if (event.type === 'reloaded' && running.engine.state.config.routes[0]?.targets[0]?.origin === target) return
    }
  }

  it('swaps routes under load with zero failed requests', async () => {
    const running = await start(configSource([{ name: 'app', path: '/', target: a.upstream.url }]))
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 })
    const seen = { A: 0, B: 0, failed: [] as string[] }
    let stop = false
    const client = async () => {
      while (!stop) {
        try {
          const response = await request(`${running.url}/x`, { agent })
          if (response.status !== 200) seen.failed.push(`${response.status} ${response.body.toString()}`)
          else seen[response.body.toString() as 'A' | 'B']++
        } catch (error) {
          seen.failed.push((error as Error).message)
        }
      }
    }
    const clients = Array.from({ length: 8 }, client)
    for (let i = 0; i < 10; i++) {
      const target = i % 2 === 0 ? b.upstream.url : a.upstream.url
      await writeFile(file, configSource([{ name: 'app', path: '/', target }]))
      await reloadedTo(running, target)
      // Every request that starts after the swap goes to the new target.
      expect(await body(`${running.url}/x`)).toBe(i % 2 === 0 ? 'B' : 'A')
    }
    stop = true
    await Promise.all(clients)
    agent.destroy()
    expect(seen.failed).toEqual([])
    expect(seen.A).toBeGreaterThan(0)
    expect(seen.B).toBeGreaterThan(0)
  })

  it('swaps hooks with the rest of the config: a request in flight keeps the hook it started with, the next gets the edited one', async () => {
    const hooked = (version: string) => `import { defineConfig } from 'devproxy'
export default defineConfig({
  port: 0,
  routes: [{
    name: 'app',
    path: '/',
    target: ${JSON.stringify(a.upstream.url)},
    onRequest(ctx) { ctx.headers['x-hook'] = '${version}' },
    async onResponse(ctx) { ctx.setBody(ctx.request.headers['x-hook'] === undefined ? '${version}:' + (await ctx.text()) : 'unexpected') },
  }],
})
`
    const running = await start(hooked('v1'))
    const inFlight = request(`${running.url}/slow`)
    await a.slowArrived()
    await writeFile(file, hooked('v2'))
    const event = await events.next()
    expect(event.type).toBe('reloaded')
    expect(event.type === 'reloaded' && event.changes).toContainEqual(expect.objectContaining({ kind: 'changed', route: 'app', fields: expect.arrayContaining([expect.objectContaining({ field: 'onRequest' })]) }))
    expect(await body(`${running.url}/x`)).toBe('v2:A')
    a.releaseSlow()
    expect((await inFlight).body.toString()).toBe('v1:A')
  })

  it('a hook edited into a broken config keeps the last good hooks serving', async () => {
    const running = await start(`import { defineConfig } from 'devproxy'
export default defineConfig({ port: 0, routes: [{ path: '/', target: ${JSON.stringify(a.upstream.url)}, onResponse(ctx) { ctx.headers['x-v'] = '1' } }] })
`)
    await writeFile(file, `import { defineConfig } from 'devproxy'
export default defineConfig({ port: 0, routes: [{ path: '/', target: ${JSON.stringify(a.upstream.url)}, onResponse: 'not a function' }] })
`)
    const event = await events.next()
    expect(event.type).toBe('invalid')
    expect((await request(`${running.url}/x`)).headers['x-v']).toBe('1')
  })

  it('lets a request in flight finish on the config it started with, and closes idle connections to removed targets', async () => {
    const running = await start(configSource([{ name: 'app', path: '/', target: a.upstream.url }]))
    const agent = new http.Agent({ keepAlive: true })
    expect(await body(`${running.url}/warm`)).toBe('A') // leaves an idle pooled connection to A
    const openBefore = a.upstream.openSockets()
    expect(openBefore).toBeGreaterThan(0)

    const slow = request(`${running.url}/slow`, { agent })
    await a.slowArrived()
    await writeFile(file, configSource([{ name: 'app', path: '/', target: b.upstream.url }]))
    const event = await events.next()
    expect(event).toMatchObject({ type: 'reloaded', changes: [{ kind: 'changed', route: 'app', fields: [{ field: 'target' }] }] })

    expect(await body(`${running.url}/after`)).toBe('B')
    a.releaseSlow()
    const response = await slow
    expect(response.status).toBe(200)
    expect(response.body.toString()).toBe('A')
    agent.destroy()
    // The pool for A was retired: its idle socket and the one that served /slow both close.
    await expect.poll(() => a.upstream.openSockets(), { timeout: 2_000 }).toBe(0)
  })

  it('keeps serving the last good config through a syntax error, and recovers when it is fixed', async () => {
    const running = await start(configSource([{ name: 'app', path: '/', target: a.upstream.url }]))
    await writeFile(file, `import { defineConfig } from 'devproxy'\nexport default defineConfig({\n  routes: [ { path: '/' target: 'x' } ],\n})\n`)
    const broken = await events.next()
    expect(broken.type).toBe('invalid')
    const message = (broken as { error: Error }).error.message
    expect(message).toMatch(/^proxy\.config\.ts:3:25: syntax error: Unexpected token/)
    expect(message).toContain("> 3 |   routes: [ { path: '/' target: 'x' } ],")
    expect(await body(`${running.url}/x`)).toBe('A')

    await writeFile(file, configSource([{ name: 'app', path: '/', target: b.upstream.url }]))
    const fixed = await events.next()
    expect(fixed).toMatchObject({ type: 'reloaded', recovered: true })
    expect(await body(`${running.url}/x`)).toBe('B')
  })

  it('keeps serving through an invalid value and names the field', async () => {
    const running = await start(configSource([{ name: 'app', path: '/', target: a.upstream.url }]))
    await writeFile(file, configSource([{ name: 'app', path: '/', target: 'localhost:4000' }]))
    const event = await events.next()
    expect(event.type).toBe('invalid')
    expect((event as { error: Error }).error.message).toContain('proxy.config.ts: routes[0].target')
    expect(await body(`${running.url}/x`)).toBe('A')
  })

  it('follows a file the config imports and re-imports it fresh', async () => {
    const source = `import { defineConfig } from 'devproxy'
import { app } from './targets'
export default defineConfig({ port: 0, routes: [{ name: 'app', path: '/', target: app }] })
`
    const running = await start(source, { 'targets.ts': `export const app = ${JSON.stringify(a.upstream.url)}\n` })
    expect(await body(`${running.url}/x`)).toBe('A')
    await writeFile(join(dir, 'targets.ts'), `export const app = ${JSON.stringify(b.upstream.url)}\n`)
    const event = await events.next()
    expect(event).toMatchObject({ type: 'reloaded', changes: [{ kind: 'changed', route: 'app' }] })
    expect(await body(`${running.url}/x`)).toBe('B')
  })

  it('reloads when an editor saves by writing a temporary file and renaming it over the config', async () => {
    const running = await start(configSource([{ name: 'app', path: '/', target: a.upstream.url }]))
    const temp = join(dir, '.proxy.config.ts.swp')
    await writeFile(temp, configSource([{ name: 'app', path: '/', target: a.upstream.url }, { name: 'b', path: '/b', target: b.upstream.url }]))
    await rename(temp, file)
    const event = await events.next()
    expect(event).toMatchObject({ type: 'reloaded', changes: [{ kind: 'added', route: 'b' }] })
    expect(await body(`${running.url}/b/x`)).toBe('B')
    expect(await body(`${running.url}/x`)).toBe('A')
  })
})
