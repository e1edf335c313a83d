import http from 'node:http'
import net, { type AddressInfo, type Socket } from 'node:net'

/**
 * A small forward proxy for testing `devproxy run` before devproxy's own forward mode is there:
 * it tunnels `CONNECT host:port` (RFC 9110 §9.3.6) and forwards absolute-form requests
 * (RFC 9112 §3.2.2), connecting to 127.0.0.1 for the names it is given (and for loopback), on
 * the port asked for, and records what came through it. It never decrypts: a client that gets the fake's answer
 * trusted the fake's own certificate.
 */

export interface SeenRequest {
  /** `CONNECT` or the method of an absolute-form request. */
  readonly method: string
  /** `api.example.test:443`, or the absolute URL. */
  readonly target: string
}

export interface FixtureForwardProxy {
  readonly url: string
  readonly port: number
  readonly seen: SeenRequest[]
  close(): Promise<void>
}

export async function startForwardProxy(names: readonly string[]): Promise<FixtureForwardProxy> {
  const seen: SeenRequest[] = []
  const sockets = new Set<Socket>()
  const known = new Set([...names.map((name) => name.toLowerCase()), '127.0.0.1', 'localhost'])
  const portFor = (host: string, port: number) => (known.has(host.toLowerCase()) ? port : undefined)
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', target: req.url ?? '' })
    let url: URL
    try {
      url = new URL(req.url ?? '')
    } catch {
      res.writeHead(400).end('not absolute-form')
      return
    }
    const port = portFor(url.hostname, Number(url.port || 80))
    if (port === undefined || url.protocol !== 'http:') {
      res.writeHead(502).end(`fixture proxy: no route to ${url.host}`)
      return
    }
    const upstream = http.request({ host: '127.0.0.1', port, method: req.method, path: `${url.pathname}${url.search}`, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => res.writeHead(502).end())
    req.pipe(upstream)
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('connect', (req, client: Socket, head: Buffer) => {
    seen.push({ method: 'CONNECT', target: req.url ?? '' })
    const [host = '', portText = ''] = (req.url ?? '').split(/:(?=\d+$)/)
    const port = portFor(host.replace(/^\[|\]$/g, ''), Number(portText))
    client.on('error', () => {})
    if (port === undefined) {
      client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n')
      return
    }
    const upstream = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.destroy())
    client.on('close', () => upstream.destroy())
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((done) => server.close(() => done()))
    },
  }
}
