import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { ResolvedConfig } from '../config/types.js'
import { DevproxyError, ListenError } from '../errors.js'
import { createEngine, type Engine, type ReplaySource } from './engine.js'
import { openFrontDoor } from './front-door.js'
import { declineUpgradeOffer } from './h2c-offer.js'
import { handleRequest } from './handle-request.js'
import { handleUpgrade } from './handle-upgrade.js'
import { LastBytesResponse } from './last-bytes.js'
import { findSelfTargets } from './self-target.js'
import type { TransactionSink } from './transaction.js'

export interface StartOptions {
  readonly sinks?: readonly TransactionSink[]
  /** Called when a sink throws; the proxy keeps serving. */
  readonly onSinkError?: (error: unknown) => void
  /** Capture each request and response body up to this many bytes for the sinks. Default: 0 (off). */
  readonly captureBodyBytes?: number
  /** A client must send its whole request head within this many ms (slow-header attacks). Default: 30000. */
  readonly headersTimeoutMs?: number
  /** Answer from a recording instead of the targets (`devproxy replay`). */
  readonly replay?: ReplaySource | undefined
}

export interface RunningProxy {
  readonly engine: Engine
  /** `http://host:port` as bound (the real port when 0 was asked for). */
  readonly url: string
  readonly port: number
  readonly host: string
  /** Requests currently being served. */
  inFlight(): number
  /**
   * Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts whatever
   * is left (open WebSockets included) and releases pooled upstream connections.
   */
  close(graceMs?: number): Promise<void>
}

export async function startProxy(config: ResolvedConfig, options: StartOptions = {}): Promise<RunningProxy> {
  const engine = createEngine(config, options.onSinkError ?? (() => {}), options.captureBodyBytes ?? 0, options.replay)
  for (const sink of options.sinks ?? []) engine.addSink(sink)

  let active = 0
  let closing = false
  let onIdle: (() => void) | undefined
  const sockets = new Set<Duplex>()
  const headersTimeoutMs = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS
  const server = http.createServer({
    // Sinks that must see a response before its client does (the recorder) get told by it.
    ServerResponse: engine.watchesDelivery ? LastBytesResponse : http.ServerResponse,
    // A whole-request deadline would cut long uploads and streams; slow clients are bounded
    // by the headers timeout instead, checked often enough to be felt.
    requestTimeout: 0,
    headersTimeout: headersTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeoutMs / 4))),
  })
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    active++
    handleRequest(engine, req, res, () => {
      active--
      if (!closing) return
      // Keep-alive connections that just went idle would otherwise hold the close open.
      server.closeIdleConnections()
      if (active === 0) onIdle?.()
    })
  }
  server.on('request', onRequest)
  // `Expect: 100-continue` is the upstream's to answer (RFC 9110 §10.1.1): with this listener
  // Node no longer sends 100 on its own; the pipeline relays the upstream's, or sends its own
  // when it must hold the body itself.
  server.on('checkContinue', onRequest)
  openFrontDoor(server, engine, { headersTimeoutMs, sockets })
  server.on('upgrade', (req, socket, head) => {
    if (!declineUpgradeOffer(server, req, socket, head)) handleUpgrade(engine, req, socket, head, sockets)
  })
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    // A request the parser refused (smuggling attempts, bad framing, oversized heads) is never
    // forwarded: answer once and close, so nothing after it is read as a request either.
    if (socket.writable && !(socket as { _httpMessage?: unknown })._httpMessage) {
      const status = clientErrorStatus(error.code)
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
    } else {
      socket.destroy(error)
    }
  })

  await listen(server, config.port, config.host)
  const address = server.address() as AddressInfo
  const loops = findSelfTargets(config.routes, address.address, address.port)
  if (loops.length > 0) {
    await new Promise((resolve) => server.close(resolve))
    engine.forwarder.destroy()
    const [first] = loops
    throw new DevproxyError('target_is_proxy', `route "${first!.route}" targets ${first!.target}, which is devproxy's own address: every request would loop back to the proxy`, {
      suggestion: `Point the target at the service (e.g. http://localhost:3000), or listen on another port with --port ${address.port === 8080 ? 8081 : 8080}.`,
    })
  }
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address

  return {
    engine,
    url: `http://${hostForUrl}:${address.port}`,
    port: address.port,
    host: address.address,
    inFlight: () => active,
    async close(graceMs = 5_000) {
      closing = true
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
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
      server.closeAllConnections()
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

/** 431 for a head over the size limit (RFC 6585), 408 for one too slow to arrive, else 400. */
export function clientErrorStatus(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408
  return 400
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening)
      reject(listenError(error, port, host))
    }
    const onListening = () => {
      server.off('error', onError)
      resolve()
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(port, host)
  })
}

function listenError(error: NodeJS.ErrnoException, port: number, host: string): ListenError {
  const where = `${host}:${port}`
  switch (error.code) {
    case 'EADDRINUSE':
      return new ListenError('port_in_use', `port ${port} on ${host} is already in use`, {
        suggestion: `Stop whatever is listening there, or pick another port: --port ${port === 65_535 ? 8081 : port + 1}`,
        cause: error,
      })
    case 'EACCES':
      return new ListenError('listen_failed', `not allowed to listen on ${where}`, {
        suggestion: 'Ports below 1024 need extra privileges; use --port 8080 or another high port.',
        cause: error,
      })
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new ListenError('listen_failed', `cannot listen on ${where}: ${host} is not an address of this machine`, {
        suggestion: 'Use --host 127.0.0.1 (the default) or another local address.',
        cause: error,
      })
    default:
      return new ListenError('listen_failed', `cannot listen on ${where}: ${error.message}`, { cause: error })
  }
}
