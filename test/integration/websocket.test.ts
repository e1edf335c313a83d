import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import type { IncomingMessage } from 'node:http'
import net, { type AddressInfo, type Socket } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer, type RawData } from 'ws'
import type { UserRoute } from '../../src/config/types.js'
import { startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'

/** One upgrade as the upstream saw it. */
interface UpstreamSide {
  readonly ws: WebSocket
  readonly req: IncomingMessage
  readonly socket: Socket
}

let upstream: TestUpstream
let wss: WebSocketServer
let accepted: Array<(side: UpstreamSide) => void> = []

/** The next connection the upstream accepts. */
function nextUpstreamConnection(): Promise<UpstreamSide> {
  return new Promise((resolve) => accepted.push(resolve))
}

beforeAll(async () => {
  // Plain HTTP requests get a 426; upgrades get an echo server, like a dev server's HMR socket.
  upstream = await startUpstream((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('upgrade required'))
  wss = new WebSocketServer({
    server: upstream.server,
    handleProtocols: (protocols) => (protocols.has('vite-hmr') ? 'vite-hmr' : false),
  })
  wss.on('connection', (ws, req) => {
    // Like Vite: the server speaks first, right after the 101.
    if (ws.protocol === 'vite-hmr') ws.send(JSON.stringify({ type: 'connected' }))
    ws.on('message', (data: RawData, isBinary: boolean) => ws.send(data, { binary: isBinary }))
    accepted.shift()?.({ ws, req, socket: req.socket as Socket })
  })
})
afterAll(async () => {
  for (const client of wss.clients) client.terminate()
  wss.close()
  await upstream.close()
})

const proxies: TestProxy[] = []
const clients: WebSocket[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate()
  accepted = []
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close(0)))
})

async function proxyWith(route: Partial<UserRoute> = {}): Promise<TestProxy> {
  const proxy = await startTestProxy({ routes: [{ name: 'hmr', path: '/', target: upstream.url, ...route }] })
  proxies.push(proxy)
  return proxy
}

/** Opens a client through the proxy; resolves once open. */
async function connect(url: string, protocols?: string | string[]): Promise<WebSocket> {
  const client = new WebSocket(url, protocols)
  clients.push(client)
  await new Promise<void>((resolve, reject) => {
    client.once('open', resolve)
    client.once('error', reject)
  })
  return client
}

/** Opens a client that the proxy is expected to refuse; resolves with the HTTP answer. */
function refused(url: string): Promise<{ status: number; headers: IncomingMessage['headers']; body: any }> {
  const client = new WebSocket(url)
  clients.push(client)
  return new Promise((resolve, reject) => {
    client.once('open', () => reject(new Error('the upgrade was accepted')))
    client.once('error', reject)
    client.once('unexpected-response', (req, res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        req.destroy()
        const text = Buffer.concat(chunks).toString()
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined })
      })
    })
  })
}

function nextMessage(client: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => client.once('message', (data: RawData, isBinary: boolean) => resolve({ data: data as Buffer, isBinary })))
}

/** A port with nothing listening on it (bound once, then released). */
async function deadPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Rejects if `promise` has not settled within `ms`: a bound on an awaited event, never a pause. */
async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not arrive within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, bound])
  } finally {
    clearTimeout(timer)
  }
}

const wsUrl = (proxy: TestProxy, path: string) => `ws://127.0.0.1:${proxy.port}${path}`

describe('WebSocket proxying', () => {
  it.each([
    ['text', 'hello'],
    ['unicode text', 'héllo ✓ 🚀'],
    ['binary', Buffer.from([0, 1, 2, 0xfe, 0xff])],
    ['1 MiB binary', randomBytes(1024 * 1024)],
  ])('round-trips a %s message', async (_name, message) => {
    const proxy = await proxyWith()
    const client = await connect(wsUrl(proxy, '/echo'))
    const reply = nextMessage(client)
    client.send(message)
    const { data, isBinary } = await reply
    expect(isBinary).toBe(typeof message !== 'string')
    if (typeof message === 'string') expect(data.toString('utf8')).toBe(message)
    else expect(data.equals(message)).toBe(true)
  })

  it('many messages keep their order both ways', async () => {
    const proxy = await proxyWith()
    const client = await connect(wsUrl(proxy, '/echo'))
    const replies: string[] = []
    const all = new Promise<void>((resolve) =>
      client.on('message', (data: RawData) => {
        replies.push(data.toString())
        if (replies.length === 200) resolve()
      }),
    )
    const sent = Array.from({ length: 200 }, (_, i) => `message ${i}`)
    for (const message of sent) client.send(message)
    await all
    expect(replies).toEqual(sent)
  })

  it('the upstream sees the path, query and forwarding headers', async () => {
    const proxy = await proxyWith()
    const side = nextUpstreamConnection()
    await connect(wsUrl(proxy, '/hmr/socket?token=abc%2F1'))
    const { req } = await side
    expect(req.url).toBe('/hmr/socket?token=abc%2F1')
    expect(req.headers['x-forwarded-for']).toBe('127.0.0.1')
    expect(req.headers['x-forwarded-proto']).toBe('http')
    expect(req.headers['x-forwarded-host']).toBe(`127.0.0.1:${proxy.port}`)
    expect(req.headers['x-devproxy-attempt']).toBe('1')
    expect(req.headers.via).toMatch(/^1\.1 devproxy-[0-9a-f]{8}$/)
  })

  it('stripPrefix and changeOrigin apply to upgrades too', async () => {
    const proxy = await proxyWith({ path: '/ws', stripPrefix: true, changeOrigin: true })
    const side = nextUpstreamConnection()
    await connect(wsUrl(proxy, '/ws/live?x=1'))
    const { req } = await side
    expect(req.url).toBe('/live?x=1')
    expect(req.headers.host).toBe(`127.0.0.1:${upstream.port}`)
  })

  it('Vite HMR: the vite-hmr subprotocol is negotiated through the proxy', async () => {
    const proxy = await proxyWith()
    const side = nextUpstreamConnection()
    const client = await connect(wsUrl(proxy, '/'), 'vite-hmr')
    expect(client.protocol).toBe('vite-hmr')
    expect((await side).req.headers['sec-websocket-protocol']).toBe('vite-hmr')
  })

  it("Vite HMR: the frame the upstream sends right after the 101 (Vite's {type:'connected'}) reaches the client", async () => {
    const proxy = await proxyWith()
    const client = new WebSocket(wsUrl(proxy, '/'), 'vite-hmr')
    clients.push(client)
    // The frame usually arrives in the same read as the 101: listen before 'open'.
    const first = nextMessage(client)
    await once(client, 'open')
    const { data } = await within(5_000, first, 'the first server frame')
    expect(JSON.parse(data.toString())).toEqual({ type: 'connected' })
    // The connection still works afterwards.
    const reply = nextMessage(client)
    client.send('ping')
    expect((await within(5_000, reply, 'the echo')).data.toString()).toBe('ping')
  })

  it('a route with ws: false refuses the upgrade with 404', async () => {
    const proxy = await proxyWith({ ws: false })
    const res = await refused(wsUrl(proxy, '/echo'))
    expect(res.status).toBe(404)
    expect(res.headers['x-devproxy-error']).toBe('no_route')
    expect(res.body.error.type).toBe('no_route')
    const tx = await proxy.nextTransaction()
    expect(tx).toMatchObject({ kind: 'websocket', status: 404, ending: 'error' })
  })

  it('an upgrade to a dead target gets a 502', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`
    const proxy = await proxyWith({ target: dead })
    const res = await refused(wsUrl(proxy, '/echo'))
    expect(res.status).toBe(502)
    expect(res.headers['x-devproxy-error']).toBe('upstream_connect_failed')
    expect(res.body.error).toMatchObject({ type: 'upstream_connect_failed', route: 'hmr', target: dead })
  })

  it.each([
    ['close()', (client: WebSocket) => client.close(1000, 'bye')],
    ['terminate()', (client: WebSocket) => client.terminate()],
  ])('a client %s closes the upstream socket', async (_name, hangUp) => {
    const proxy = await proxyWith()
    const side = nextUpstreamConnection()
    const client = await connect(wsUrl(proxy, '/echo'))
    const { socket } = await side
    const upstreamClosed = new Promise((resolve) => socket.once('close', resolve))
    const finished = proxy.nextTransaction()

    hangUp(client)
    await upstreamClosed // bounded by the test timeout
    const tx = await finished
    expect(tx).toMatchObject({ kind: 'websocket', status: 101, ending: 'completed', route: 'hmr' })
  })

  it('the upstream closing closes the client', async () => {
    const proxy = await proxyWith()
    const side = nextUpstreamConnection()
    const client = await connect(wsUrl(proxy, '/echo'))
    const closed = once(client, 'close') as Promise<[number, Buffer]>
    ;(await side).ws.close(4001, 'server restart')
    const [code, reason] = await closed
    expect(code).toBe(4001)
    expect(reason.toString()).toBe('server restart')
  })
})
