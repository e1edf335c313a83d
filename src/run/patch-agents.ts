import http, { type ClientRequest } from 'node:http'
import https from 'node:https'
import net, { type Socket } from 'node:net'
import { openTunnel } from './http-tunnel.js'
import { proxyFor } from './proxy-decision.js'

/**
 * Node's `http` and `https` ignore HTTP_PROXY (Node 20 and 22; Node 24 only with
 * NODE_USE_ENV_PROXY). The preload teaches every `http.Agent` and `https.Agent` — the global
 * ones, and those an application or library makes itself (got, SDKs with a keep-alive agent) —
 * to use the proxy the environment names, honouring NO_PROXY:
 * - https: the agent's own connection is opened through a CONNECT tunnel, then its usual TLS
 *   handshake runs on it: the agent's own TLS options (ca, servername, session cache) still apply;
 * - http: the request is sent to the proxy in absolute form (`GET http://host/path`), as curl,
 *   Python and axios send it, so the proxy sees each plain-HTTP call.
 * Agents that make their own connections (they replace createConnection or createSocket: a
 * proxy agent such as the one axios uses for https) are left alone: they already chose a route.
 */

const PATCHED = Symbol.for('devproxy.run.patchedAgents')

type CreateConnection = (options: net.NetConnectOpts & { socket?: Socket }, oncreate?: (error: Error | null, socket?: Socket) => void) => Socket | undefined

export function patchAgents(): void {
  const global = globalThis as Record<symbol, unknown>
  if (global[PATCHED] === true) return
  global[PATCHED] = true
  patchHttps()
  patchHttp()
}

function patchHttps(): void {
  const proto = https.Agent.prototype as unknown as { createConnection: CreateConnection }
  const original = proto.createConnection
  proto.createConnection = function (this: https.Agent, options, oncreate) {
    if (options === null || typeof options !== 'object' || typeof oncreate !== 'function' || 'path' in options && typeof options.path === 'string') {
      return original.apply(this, arguments as unknown as Parameters<CreateConnection>)
    }
    const tcp = options as net.TcpNetConnectOpts
    const host = tcp.host ?? 'localhost'
    const port = Number(tcp.port ?? 443)
    const proxy = proxyFor('https:', host, port)
    if (proxy === undefined) return original.call(this, options, oncreate)
    openTunnel(proxy, host, port).then(
      (socket) => {
        let secure: Socket | undefined
        try {
          secure = original.call(this, { ...options, socket })
        } catch (error) {
          socket.destroy()
          oncreate(error as Error)
          return
        }
        oncreate(null, secure)
      },
      (error: Error) => oncreate(error),
    )
    return undefined
  }
}

function patchHttp(): void {
  const proto = http.Agent.prototype as unknown as { addRequest(req: ClientRequest, options: Record<string, unknown>): void; createSocket: unknown; createConnection: unknown }
  const original = proto.addRequest
  const standardSocket = proto.createSocket
  const standardConnection = proto.createConnection
  proto.addRequest = function (this: http.Agent & typeof proto, req, options) {
    const plain = (this as { protocol?: string }).protocol === 'http:' && this.createSocket === standardSocket && this.createConnection === standardConnection
    if (!plain || typeof options.socketPath === 'string') return original.call(this, req, options)
    const host = String(options.host ?? options.hostname ?? 'localhost')
    const port = Number(options.port ?? 80)
    const proxy = proxyFor('http:', host, port)
    if (proxy === undefined) return original.call(this, req, options)
    toAbsoluteForm(req, host, port)
    const proxyPort = Number(proxy.port || 80)
    const proxyHost = proxy.hostname.replace(/^\[|\]$/g, '')
    if (proxy.username !== '' && !req.hasHeader('proxy-authorization') && !req.headersSent) {
      req.setHeader('proxy-authorization', `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`)
    }
    return original.call(this, req, { ...options, host: proxyHost, hostname: proxyHost, port: proxyPort, servername: undefined })
  }
}

/**
 * `GET /x` → `GET http://host:port/x` (RFC 9112 §3.2.2: a request to a proxy names the whole
 * URL). Node renders the head when the request is written, usually after this; when it was
 * rendered already (array headers, Expect), its first line is rewritten in place.
 */
function toAbsoluteForm(req: ClientRequest, host: string, port: number): void {
  const authority = `${host.includes(':') ? `[${host}]` : host}${port === 80 ? '' : `:${port}`}`
  const before = `${req.method} ${req.path} HTTP/1.1\r\n`
  req.path = `http://${authority}${req.path.startsWith('/') ? req.path : `/${req.path}`}`
  const after = `${req.method} ${req.path} HTTP/1.1\r\n`
  const internal = req as unknown as { _header?: string | null; outputData?: { data: unknown }[] }
  if (typeof internal._header === 'string' && internal._header.startsWith(before)) internal._header = after + internal._header.slice(before.length)
  const first = internal.outputData?.[0]
  if (first && typeof first.data === 'string' && first.data.startsWith(before)) first.data = after + first.data.slice(before.length)
}
