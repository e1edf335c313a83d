import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { ENDPOINTS, initialUsers, intParam, type DemoUser } from './demo-data.js'

/**
 * The built-in upstream behind `devproxy start --demo`: a small JSON API plus the traffic
 * shapes a proxy must get right — a slow answer, server-sent events, a large download and a
 * WebSocket echo. The one importer of `ws`.
 */
export interface DemoUpstream {
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

const CHUNK = Buffer.alloc(64 * 1024, 'devproxy demo download\n')
const MiB = 1024 * 1024

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void

export async function startDemoUpstream(options: { host?: string } = {}): Promise<DemoUpstream> {
  const users = initialUsers()
  const routes: Array<[method: string, pattern: RegExp, handler: Handler]> = [
    ['GET', /^\/$/, (_req, res) => sendJson(res, 200, { name: 'devproxy demo', endpoints: ENDPOINTS })],
    ['GET', /^\/api\/users\/?$/, (_req, res, url) => listUsers(res, users, url)],
    ['POST', /^\/api\/users\/?$/, (req, res) => createUser(req, res, users)],
    ['GET', /^\/api\/users\/([^/]+)$/, (_req, res, url) => getUser(res, users, url)],
    ['*', /^\/api\/echo(\/.*)?$/, echo],
    ['GET', /^\/api\/slow$/, slow],
    ['GET', /^\/api\/status\/([^/]+)$/, status],
    ['GET', /^\/events$/, events],
    ['GET', /^\/download$/, download],
  ]
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo.invalid')
    const route = routes.find(([method, pattern]) => (method === '*' || method === req.method) && pattern.test(url.pathname))
    if (route) route[2](req, res, url)
    else sendJson(res, 404, { error: 'not found', path: url.pathname })
  })

  const wss = new WebSocketServer({ noServer: true })
  wss.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })))
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://demo.invalid').pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })

  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate()
        wss.close()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = status === 204 || status === 304 ? '' : JSON.stringify(value, null, 2) + '\n'
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

function readBody(req: IncomingMessage, onBody: (text: string) => void): void {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => onBody(Buffer.concat(chunks).toString('utf8')))
}

function listUsers(res: ServerResponse, users: DemoUser[], url: URL): void {
  const role = url.searchParams.get('role')
  sendJson(res, 200, role ? users.filter((u) => u.role === role) : users)
}

function getUser(res: ServerResponse, users: DemoUser[], url: URL): void {
  const id = decodeURIComponent(url.pathname.split('/').pop() ?? '')
  const user = users.find((u) => String(u.id) === id)
  if (user) sendJson(res, 200, user)
  else sendJson(res, 404, { error: 'user not found', id })
}

function createUser(req: IncomingMessage, res: ServerResponse, users: DemoUser[]): void {
  readBody(req, (text) => {
    let input: Partial<DemoUser>
    try {
      input = JSON.parse(text) as Partial<DemoUser>
    } catch {
      sendJson(res, 400, { error: 'body is not valid JSON', body: text.slice(0, 200) })
      return
    }
    if (typeof input !== 'object' || input === null || typeof input.name !== 'string') {
      sendJson(res, 400, { error: 'body must be an object with a "name" string' })
      return
    }
    const user: DemoUser = {
      id: Math.max(0, ...users.map((u) => u.id)) + 1,
      name: input.name,
      email: typeof input.email === 'string' ? input.email : `${input.name.toLowerCase().replace(/\W+/g, '.')}@example.test`,
      role: input.role === 'admin' ? 'admin' : 'member',
    }
    users.push(user)
    sendJson(res, 201, user)
  })
}

function echo(req: IncomingMessage, res: ServerResponse): void {
  readBody(req, (body) => sendJson(res, 200, { method: req.method, url: req.url, headers: req.headers, body }))
}

function slow(req: IncomingMessage, res: ServerResponse, url: URL): void {
  const ms = intParam(url.searchParams, 'ms', 2000, 0, 60_000)
  const timer = setTimeout(() => sendJson(res, 200, { waitedMs: ms }), ms)
  res.once('close', () => clearTimeout(timer))
}

function status(_req: IncomingMessage, res: ServerResponse, url: URL): void {
  const code = Number(url.pathname.split('/').pop())
  if (!Number.isInteger(code) || code < 200 || code > 599) {
    sendJson(res, 400, { error: 'status must be an integer from 200 to 599' })
    return
  }
  sendJson(res, code, { status: code, message: http.STATUS_CODES[code] ?? 'unknown' })
}

function events(_req: IncomingMessage, res: ServerResponse, url: URL): void {
  const count = intParam(url.searchParams, 'count', 10, 0, 1_000_000)
  const intervalMs = intParam(url.searchParams, 'intervalMs', 1000, 10, 60_000)
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  res.flushHeaders()
  let n = 0
  const timer = setInterval(() => {
    n++
    res.write(`id: ${n}\nevent: tick\ndata: ${JSON.stringify({ n, at: new Date().toISOString() })}\n\n`)
    if (count !== 0 && n >= count) {
      clearInterval(timer)
      res.end()
    }
  }, intervalMs)
  res.once('close', () => clearInterval(timer))
}

function download(_req: IncomingMessage, res: ServerResponse, url: URL): void {
  const total = intParam(url.searchParams, 'mb', 100, 0, 10_240) * MiB
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total })
  let sent = 0
  // Write until the socket pushes back, then wait for 'drain': memory stays flat at any size.
  const pump = () => {
    while (sent < total && !res.destroyed) {
      const chunk = total - sent >= CHUNK.length ? CHUNK : CHUNK.subarray(0, total - sent)
      sent += chunk.length
      if (!res.write(chunk)) {
        res.once('drain', pump)
        return
      }
    }
    if (sent >= total) res.end()
  }
  pump()
}
