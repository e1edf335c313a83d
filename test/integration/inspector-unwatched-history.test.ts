/**
 * What the inspector keeps before anyone opens it (issue 20: "it adds no work to the hot path
 * when no browser is connected"). Every transaction held outlives the young generation and is
 * marked at each full collection, so a proxy nobody inspects keeps only the last
 * UNWATCHED_HISTORY_COUNT; once a browser has opened the inspector, the whole --inspector-history.
 */
import http from 'node:http'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { ControlServer } from '../../src/start-control.js'
import { SESSION_HEADER, type Snapshot } from '../../src/inspector/api.js'
import { UNWATCHED_HISTORY_COUNT } from '../../src/inspector/history.js'
import { startControlledProxy, type ControlledProxy } from '../helpers/control.js'
import { signIn } from '../helpers/inspector.js'
import { request, type TestProxy } from '../helpers/servers.js'

let running: ControlledProxy
let proxy: TestProxy
let control: ControlServer
let port: number

beforeAll(async () => {
  running = await startControlledProxy('inspector-unwatched', (target) => [{ name: 'api', path: '/', target }])
  ;({ proxy, control, port } = running)
})
afterAll(() => running.close())

async function send(count: number, from: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })
  for (let at = 0; at < count; at += 100) {
    await Promise.all(Array.from({ length: Math.min(100, count - at) }, (_, i) => request(`${proxy.url}/n/${from + at + i}`, { agent })))
  }
  agent.destroy()
}

/** Signs in with the printed link, as the page does, and reads the stream's first event: the snapshot. */
async function snapshot(): Promise<Snapshot> {
  const session = await signIn(control.inspectorUrl())
  const stream = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/v1/inspector/stream', headers: { host: `127.0.0.1:${port}`, [SESSION_HEADER]: session, accept: 'text/event-stream' }, agent: false }, resolve).on('error', reject)
  })
  let text = ''
  stream.setEncoding('utf8')
  for await (const chunk of stream) {
    text += chunk as string
    const match = /event: snapshot\ndata: (.*)\n\n/.exec(text)
    if (match) {
      stream.destroy()
      return JSON.parse(match[1]!) as Snapshot
    }
  }
  throw new Error(`the stream ended without a snapshot: ${text.slice(0, 200)}`)
}

it('before any browser watches, the last UNWATCHED_HISTORY_COUNT are kept; once one has, the whole history grows', async () => {
  expect(UNWATCHED_HISTORY_COUNT).toBe(250)
  await send(UNWATCHED_HISTORY_COUNT + 50, 0)
  const first = await snapshot()
  expect(first.history.maxCount).toBe(10_000)
  expect(first.transactions).toHaveLength(UNWATCHED_HISTORY_COUNT)
  // The newest are the ones kept.
  expect(first.transactions.some((tx) => tx.url === `/n/${UNWATCHED_HISTORY_COUNT + 49}`)).toBe(true)
  expect(first.transactions.some((tx) => tx.url === '/n/49')).toBe(false)
  // Opened once (the stream was read), it keeps everything from then on, even after the tab closed.
  await send(50, 10_000)
  const second = await snapshot()
  expect(second.transactions).toHaveLength(UNWATCHED_HISTORY_COUNT + 50)
}, 60_000)
