import http from 'node:http'
import type { Socket } from 'node:net'
import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PooledAgent } from '../../src/proxy/upstream/pooled-agent.js'

// The reference is Node's own http.Agent (keepAlive, lifo): the pool must behave as it does —
// reuse the newest idle connection, open new ones up to maxSockets, queue beyond, drop the dead.

let server: http.Server
let url: string
const connections: Socket[] = []

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const hold = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('hold') ?? 0)
    setTimeout(() => res.end(`port ${req.socket.remotePort}`), hold)
  })
  server.on('connection', (socket: Socket) => connections.push(socket))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  server.close()
  await once(server, 'close')
})

interface Answer {
  readonly body: string
  readonly reused: boolean
  readonly timeoutDuring: number | undefined
}

function get(agent: http.Agent, path = '/'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // As the forwarder sends: a request timeout of 0, so the agent's idle timeout is off while it runs.
    const req = http.request(`${url}${path}`, { agent, timeout: 0 }, (res) => {
      const timeoutDuring = (req.socket as Socket & { timeout?: number }).timeout
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ body, reused: req.reusedSocket, timeoutDuring }))
    })
    req.on('error', reject)
    req.end()
  })
}

const newAgent = (options: http.AgentOptions = {}) => new PooledAgent({ keepAlive: true, scheduling: 'lifo', timeout: 4_000, ...options })

describe('PooledAgent (upstream/pooled-agent.ts), against Node http.Agent as the reference', () => {
  it('sends request after request on one kept-alive connection', async () => {
    const agent = newAgent()
    const before = connections.length
    const answers = []
    for (let i = 0; i < 5; i++) answers.push(await get(agent))
    expect(connections.length - before).toBe(1)
    expect(new Set(answers.map((a) => a.body)).size).toBe(1)
    expect(answers.map((a) => a.reused)).toEqual([false, true, true, true, true])
    agent.destroy()
  })

  it('turns the idle timeout off while a request runs on a reused socket, and back on when it is idle again', async () => {
    const agent = newAgent()
    await get(agent)
    const second = await get(agent)
    expect(second.reused).toBe(true)
    expect(second.timeoutDuring).toBe(0)
    const idle = Object.values(agent.freeSockets)[0]![0] as Socket & { timeout?: number }
    expect(idle.timeout).toBe(4_000)
    agent.destroy()
  })

  it('opens a connection per concurrent request up to maxSockets and queues the rest', async () => {
    const agent = newAgent({ maxSockets: 2 })
    const before = connections.length
    const answers = await Promise.all([get(agent, '/?hold=30'), get(agent, '/?hold=30'), get(agent, '/?hold=30'), get(agent, '/?hold=30')])
    expect(connections.length - before).toBe(2)
    expect(new Set(answers.map((a) => a.body)).size).toBe(2)
    // Then both idle connections serve again, the newest first.
    const next = await get(agent)
    expect(next.reused).toBe(true)
    expect(connections.length - before).toBe(2)
    agent.destroy()
  })

  it('never hands out a connection the upstream closed while it was idle', async () => {
    const agent = newAgent()
    const first = await get(agent)
    const idle = Object.values(agent.freeSockets)[0]![0]!
    const closed = once(idle, 'close')
    server.closeIdleConnections()
    await closed
    const second = await get(agent)
    expect(second.reused).toBe(false)
    expect(second.body).not.toBe(first.body)
    agent.destroy()
  })
})
