import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Server as TlsServer } from 'node:tls'
import type { ResolvedConfig } from '../config/types.js'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { DevproxyError } from '../errors.js'
import { handleConnect, type ConnectContext } from './handle-connect.js'
import { refuseConnectStream, refuseConnectStreamInForwardMode } from './listen/refuse-connect.js'
import type { SecureListenerOptions } from './listen/secure.js'
import { DEFAULT_TUNNEL_LIMITS, type TunnelLimits } from './upstream/tunnel.js'
import { createEngine, type Engine, type EnginePlugins } from './engine.js'
import { handleRequest } from './handle-request.js'
import { handleUpgrade } from './handle-upgrade.js'
import type { ListenerNotice } from './listen/handshake-failure.js'
import { listen } from './listen/listen.js'
import type { Listener, ServeHooks } from './listen/listener.js'
import { createPlainListener } from './listen/plain.js'
import { findSelfTargets } from './route/self-target.js'
import type { TransactionSink } from './transaction/transaction.js'

export interface ServerOptions {
  readonly sinks?: readonly TransactionSink[]
  /** Called when a sink throws; the proxy keeps serving. */
  readonly onSinkError?: (error: unknown) => void
  /** Capture each request and response body up to this many bytes for the sinks. Default: 0 (off). */
  readonly captureBodyBytes?: number
  /** A client must send its whole request head within this many ms (slow-header attacks). Default: 30000. */
  readonly headersTimeoutMs?: number
  /** HTTPS: where the local CA lives. Default: the user's data directory (tls/ca-store.ts). */
  readonly caDir?: string | undefined
  /** Told about what happens on a listener that is worth a line: failed TLS handshakes (an untrusted CA). */
  readonly onNotice?: ((notice: ListenerNotice) => void) | undefined
  /**
   * Forward mode with hosts to intercept (`outbound.intercept`): the leaves intercepted tunnels
   * are served with, from the intercept CA (src/outbound/intercept-certificates.ts). Without it
   * every CONNECT is a blind tunnel.
   */
  readonly interceptCertificates?: SecureListenerOptions['certificates'] | undefined
  /** Blind tunnels' limits. Default: DEFAULT_TUNNEL_LIMITS (upstream/tunnel.ts). */
  readonly tunnelLimits?: Partial<TunnelLimits> | undefined
}

export interface RunningServer {
  readonly engine: Engine
  /** The main address as bound (the real port when 0 was asked for): `http://host:port`, or `https://…` when that port speaks HTTPS. */
  readonly url: string
  readonly port: number
  readonly host: string
  /** `https://host:port` when HTTPS is served (on the main port or its own). */
  readonly httpsUrl: string | undefined
  readonly httpsPort: number | undefined
  /** The local CA that signs the HTTPS certificates; `created` when this start made it, `outdated` (a notice) when an older devproxy did. */
  readonly ca: { readonly certFile: string; readonly created: boolean; readonly outdated: string | undefined } | undefined
  /** Requests currently being served. */
  inFlight(): number
  /**
   * Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts whatever
   * is left (open WebSockets included) and releases pooled upstream connections.
   */
  close(graceMs?: number): Promise<void>
}

/**
 * The listeners and their lifecycle around one engine. What plugs into the engine (faults,
 * stand-ins, the routes' code) is chosen by the caller: src/start-proxy.ts.
 */
export async function startServer(config: ResolvedConfig, plugins: EnginePlugins, options: ServerOptions = {}): Promise<RunningServer> {
  const outbound = config.outbound
  if (outbound !== undefined && !outbound.allowOpenProxy && !isLoopbackHost(config.host)) {
    throw new DevproxyError('open_proxy', `forward mode on ${config.host} would be an open proxy: anyone who can reach this machine could send their traffic through it`, {
      suggestion: 'Listen on loopback (--host 127.0.0.1, the default), or say it is meant with --allow-open-proxy (config: outbound.allowOpenProxy: true).',
    })
  }
  const intercepting = outbound !== undefined && outbound.intercept.length > 0 && options.interceptCertificates !== undefined
  // The TLS side (the CA, x509, HTTP/2) is loaded only when HTTPS is asked for: plain starts stay as quick as before.
  const https = config.https === undefined && !intercepting ? undefined : await loadHttps()
  const certificates = config.https === undefined ? undefined : await https!.prepareCertificates(config, options.caDir)
  const engine = createEngine(config, plugins, options.onSinkError ?? (() => {}), options.captureBodyBytes ?? 0)
  for (const sink of options.sinks ?? []) engine.addSink(sink)

  let active = 0
  let closing = false
  let onIdle: (() => void) | undefined
  const sockets = new Set<Duplex>()
  const listenerOptions = { headersTimeoutMs: options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS, sockets }
  const serve = (req: IncomingMessage, res: ServerResponse, intercepted?: 'http' | 'https') => {
    active++
    handleRequest(engine, req, res, () => {
      active--
      if (!closing) return
      // Keep-alive connections that just went idle would otherwise hold the close open.
      for (const { listener } of listeners) listener.closeIdle()
      for (const listener of internal) listener.closeIdle()
      if (active === 0) onIdle?.()
    }, intercepted)
  }
  const hooks: ServeHooks = {
    onRequest: (req, res) => serve(req, res),
    onUpgrade: (req, socket, head) => handleUpgrade(engine, req, socket, head, sockets),
    onConnect: (req, socket, head) => handleConnect(engine, req, socket, head, connect),
    onConnectStream: (req, res) => (engine.state.config.outbound === undefined ? refuseConnectStream(engine, req, res) : refuseConnectStreamInForwardMode(engine, req, res)),
  }
  // Forward mode: intercepted tunnels are fed to listeners of their own that never bind a port,
  // so h2 inside a tunnel meets the same guard and limits as on the HTTPS port (handle-connect.ts).
  const internal: Listener[] = []
  const connect: ConnectContext = { sockets, intercept: undefined, limits: { ...DEFAULT_TUNNEL_LIMITS, ...options.tunnelLimits }, tunnels: new Set() }
  if (intercepting) {
    const inside = (scheme: 'http' | 'https'): ServeHooks => ({ ...hooks, onRequest: (req, res) => serve(req, res, scheme) })
    const tls = https!.createSecureListener(engine, inside('https'), { ...listenerOptions, certificates: options.interceptCertificates!, onNotice: https!.onceEach(options.onNotice) })
    const plain = createPlainListener(engine, inside('http'), listenerOptions)
    internal.push(tls, plain)
    ;(connect as { intercept: ConnectContext['intercept'] }).intercept = { tls: (socket) => tls.server.emit('connection', socket), plain: (socket) => plain.server.emit('connection', socket) }
  }
  // Plain HTTP on the main port unless that port speaks HTTPS; HTTPS on its own port or the main one.
  const listeners: Array<{ listener: Listener; port: number; flag: string }> = []
  if (config.https === undefined || config.https.port !== undefined) listeners.push({ listener: createPlainListener(engine, hooks, listenerOptions), port: config.port, flag: '--port' })
  let secureServer: TlsServer | undefined
  if (config.https !== undefined) {
    const secure = https!.createSecureListener(engine, hooks, { ...listenerOptions, certificates: certificates!.options, onNotice: https!.onceEach(options.onNotice) })
    listeners.push(config.https.port === undefined ? { listener: secure, port: config.port, flag: '--port' } : { listener: secure, port: config.https.port, flag: '--https-port' })
    secureServer = secure.server as TlsServer
  }
  const stopRenewal = secureServer === undefined ? undefined : certificates!.keepFresh(secureServer)

  const closeServers = () => Promise.all(listeners.map(({ listener }) => new Promise<void>((resolve) => (listener.server.listening ? listener.server.close(() => resolve()) : resolve()))))
  try {
    for (const { listener, port, flag } of listeners) await listen(listener.server, port, config.host, flag)
  } catch (error) {
    stopRenewal?.()
    await closeServers()
    engine.forwarder.destroy()
    throw error
  }
  const bound = listeners.map(({ listener }) => ({ listener, address: listener.server.address() as AddressInfo }))
  for (const { address } of bound) engine.selfAddresses.push({ address: address.address, port: address.port })
  const loops = bound.flatMap(({ address }) => findSelfTargets(config.routes, address.address, address.port))
  if (loops.length > 0) {
    stopRenewal?.()
    await closeServers()
    engine.forwarder.destroy()
    const [first] = loops
    const port = bound[0]!.address.port
    throw new DevproxyError('target_is_proxy', `route "${first!.route}" targets ${first!.target}, which is devproxy's own address: every request would loop back to the proxy`, {
      suggestion: `Point the target at the service (e.g. http://localhost:3000), or listen on another port with --port ${port === 8080 ? 8081 : 8080}.`,
    })
  }
  const main = bound[0]!
  const secure = bound.find(({ listener }) => listener.scheme === 'https')
  const urlOf = ({ listener, address }: (typeof bound)[number]) => `${listener.scheme}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`

  return {
    engine,
    url: urlOf(main),
    port: main.address.port,
    host: main.address.address,
    httpsUrl: secure === undefined ? undefined : urlOf(secure),
    httpsPort: secure?.address.port,
    ca: certificates === undefined ? undefined : { certFile: certificates.certFile, created: certificates.created, outdated: certificates.outdated },
    inFlight: () => active,
    async close(graceMs = 5_000) {
      closing = true
      stopRenewal?.()
      const closed = closeServers()
      for (const { listener } of listeners) listener.closeIdle()
      for (const listener of internal) listener.closeIdle()
      for (const tunnel of connect.tunnels) tunnel.cut()
      for (const socket of sockets) socket.destroy()
      if (active > 0) {
        let timer: NodeJS.Timeout | undefined
        await new Promise<void>((resolve) => {
          onIdle = resolve
          timer = setTimeout(resolve, graceMs)
        })
        clearTimeout(timer)
      }
      // What is still in flight now is cut by the shutdown, not by its client or upstream.
      for (const tx of engine.inFlight) engine.cutByShutdown.add(tx)
      for (const { listener } of listeners) listener.closeAll()
      for (const listener of internal) listener.closeAll()
      engine.forwarder.destroy()
      await closed
      // The server can report closed before the cut requests' 'close' events have run: wait for
      // them, so every transaction reaches the sinks (the recorder) before close resolves.
      if (active > 0) {
        let timer: NodeJS.Timeout | undefined
        await new Promise<void>((resolve) => {
          onIdle = resolve
          timer = setTimeout(resolve, 1_000)
        })
        clearTimeout(timer)
      }
    },
  }
}

const DEFAULT_HEADERS_TIMEOUT_MS = 30_000

/** Loopback only: forward mode there serves this machine alone. */
function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

async function loadHttps() {
  const [{ prepareCertificates }, { createSecureListener }, { onceEach }] = await Promise.all([
    import('./listen/certificates.js'),
    import('./listen/secure.js'),
    import('./listen/once-each.js'),
  ])
  return { prepareCertificates, createSecureListener, onceEach }
}

