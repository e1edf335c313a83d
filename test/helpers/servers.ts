import { readFile } from 'node:fs/promises'
import http, { type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http'
import https from 'node:https'
import net, { type AddressInfo, type Socket } from 'node:net'
import type { UserConfig } from '../../src/config/types.js'
import type { ProxyOptions } from '../../src/api/options.js'
import { startProxyWith, type ComposeExtras, type StartedProxy } from '../../src/api/start-proxy.js'
import type { RunningProxy } from '../../src/start-proxy.js'
import type { Transaction } from '../../src/proxy/transaction/transaction.js'

export interface TestUpstream {
  readonly url: string
  readonly port: number
  readonly server: http.Server
  /** TCP connections accepted so far (keep-alive reuse shows as fewer connections than requests). */
  connections(): number
  /** Sockets currently open. */
  openSockets(): number
  close(): Promise<void>
}

/** A real HTTP upstream on 127.0.0.1, port 0. */
export async function startUpstream(handler: RequestListener): Promise<TestUpstream> {
  const server = http.createServer(handler)
  return wrap(server, (s) => s.closeAllConnections())
}

/**
 * A real HTTPS upstream on 127.0.0.1, port 0, serving the certificate in test/fixtures/tls/
 * (signed by the test CA `ca.pem`, for localhost, 127.0.0.1 and ::1); `url` is https://.
 */
export async function startTlsUpstream(handler: RequestListener): Promise<TestUpstream> {
  const dir = new URL('../fixtures/tls/', import.meta.url)
  const [key, cert] = await Promise.all([readFile(new URL('localhost-key.pem', dir)), readFile(new URL('localhost.pem', dir))])
  const server = https.createServer({ key, cert }, handler)
  // A client that rejects the certificate ends the handshake with an alert; that is the test.
  server.on('tlsClientError', () => {})
  const upstream = await wrap(server as unknown as http.Server, (s) => s.closeAllConnections())
  return { ...upstream, url: `https://127.0.0.1:${upstream.port}` }
}

/** A raw TCP upstream for misbehaving servers (garbage, resets, hangs). */
export async function startRawUpstream(onSocket: (socket: Socket) => void): Promise<TestUpstream> {
  const server = net.createServer((socket) => {
    // A proxy that cuts the connection must not crash the test upstream.
    socket.on('error', () => {})
    onSocket(socket)
  })
  return wrap(server, () => {})
}

async function wrap<S extends net.Server>(server: S, closeAll: (server: S) => void): Promise<TestUpstream> {
  let accepted = 0
  const open = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    accepted++
    open.add(socket)
    socket.once('close', () => open.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server: server as unknown as http.Server,
    connections: () => accepted,
    openSockets: () => open.size,
    close: () =>
      new Promise<void>((resolve) => {
        closeAll(server)
        for (const socket of open) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

export interface TestProxy extends RunningProxy {
  /** Finished transactions, in finishing order. */
  readonly transactions: Readonly<Transaction>[]
  /** Resolves with the next finished transaction (or one already finished but not yet taken). */
  nextTransaction(): Promise<Readonly<Transaction>>
  /** The same proxy as the library API gives it (`startProxy`). */
  readonly api: StartedProxy
}

/**
 * A real proxy on 127.0.0.1, port 0, started as the library API starts one (`startProxy`, its
 * options checked as a user's are), collecting finished transactions as the engine hands them on
 * (after `options.sinks`, if any).
 */
export function startTestProxy(config: UserConfig, options: ComposeExtras = {}): Promise<TestProxy> {
  return startTestProxyWith({ ...config, port: config.port ?? 0 } as ProxyOptions, options)
}

/** `startTestProxy` from the library API's own options: `{ config: file }` loads a config file as `devproxy start` does. */
export async function startTestProxyWith(api: ProxyOptions, options: ComposeExtras = {}): Promise<TestProxy> {
  const transactions: Readonly<Transaction>[] = []
  const waiters: Array<(tx: Readonly<Transaction>) => void> = []
  let taken = 0
  const { started, running } = await startProxyWith(api, {
    ...options,
    sinks: [
      ...(options.sinks ?? []),
      (tx) => {
        transactions.push(tx)
        const waiter = waiters.shift()
        if (waiter) {
          taken++
          waiter(tx)
        }
      },
    ],
  })
  return Object.assign(Object.create(running) as RunningProxy, running, {
    api: started,
    transactions,
    // Closed as the API closes it, so what it composed around the engine finishes too.
    close: (graceMs = 5_000) => started.close({ graceMs }),
    nextTransaction: () =>
      new Promise<Readonly<Transaction>>((resolve) => {
        if (taken < transactions.length) resolve(transactions[taken++]!)
        else waiters.push(resolve)
      }),
  })
}

export interface SimpleResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: Buffer
  json<T = any>(): T
}

/** One HTTP request with node:http (no pooling unless an agent is given), body collected. */
export function request(
  url: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string | Buffer; agent?: http.Agent | false; path?: string } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url)
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: options.path ?? target.pathname + target.search,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent ?? false,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const body = Buffer.concat(chunks)
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

/** Answers every request with a JSON echo of what arrived: method, url, headers, body. */
export function echoHandler(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
}
