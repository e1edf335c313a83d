import http, { type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import https from 'node:https'
import type { Duplex, Readable } from 'node:stream'
import { createProxyServer, type ProxyServer, type ProxyTarget } from 'http-proxy-3'
import { originOf } from './origin.js'

/**
 * The one importer of http-proxy-3. It builds and pipes the upstream request; everything
 * else (headers, timeouts, error mapping, writing the response) is ours, so the engine is
 * used with `selfHandleResponse` and the raw request target (`toProxy`: no URL re-encoding,
 * the query string goes out byte for byte).
 */

export interface AttemptHandlers {
  /** The upstream request exists and has a socket; headers are not flushed yet. */
  onRequest(proxyReq: ClientRequest): void
  /** Response headers arrived. */
  onResponse(proxyRes: IncomingMessage): void
  /** The upstream request or the client request failed. */
  onError(error: NodeJS.ErrnoException): void
}

export interface UpgradeHandlers {
  onRequest(proxyReq: ClientRequest): void
  /** The upstream accepted the upgrade; bytes now flow both ways. */
  onUpgrade(proxyRes: IncomingMessage, proxySocket: Duplex): void
  onError(error: NodeJS.ErrnoException): void
}

export interface Forwarder {
  /** Forwards `req` (its url and headers already rewritten) to `target`. */
  /** `fresh`: a new connection outside the pool, for a retry after a dead pooled one. */
  web(req: IncomingMessage, res: ServerResponse, target: URL, body: Readable | undefined, handlers: AttemptHandlers, fresh?: boolean): void
  ws(req: IncomingMessage, socket: Duplex, head: Buffer, target: URL, handlers: UpgradeHandlers): void
  /** Closes idle pooled connections to targets no longer in use (config swaps). */
  release(origins: Iterable<string>): void
  /** Closes every pooled connection. */
  destroy(): void
}

const HANDLERS = Symbol('devproxy.handlers')

interface CallOptions {
  [HANDLERS]: AttemptHandlers | UpgradeHandlers
}

/** The attempt a plain call (no per-call options) belongs to, until its 'proxyReq' fires. */
interface TaggedRequest extends IncomingMessage {
  [HANDLERS]?: AttemptHandlers | undefined
}

/** An upstream request, with the attempt it belongs to. */
interface TaggedClientRequest extends ClientRequest {
  [HANDLERS]?: AttemptHandlers | undefined
}

const ENGINE_OPTIONS = { selfHandleResponse: true, toProxy: true, prependPath: true, xfwd: false } as const

export function createForwarder(): Forwarder {
  const agents = new Map<string, http.Agent>()
  const proxy = listenTo(createProxyServer(ENGINE_OPTIONS))
  // http-proxy-3 merges per-call options into a new object on every call, which costs ~25 µs
  // a request (bench/RESULTS.md); a call without options only clones the server's. So the
  // common case (no body to replay, pooled connection) goes through one server per target
  // whose own options hold the target and its agent, and finds its handlers on `req`: an
  // attempt's 'proxyReq' fires (socket assigned) before it can settle and the next one start.
  const byTarget = new Map<string, ProxyServer>()

  function listenTo(server: ProxyServer): ProxyServer {
    server.on('proxyReq', (proxyReq, req, _res, options) => {
      const tagged = req as TaggedRequest
      const handlers = ((options as unknown as Partial<CallOptions>)[HANDLERS] ?? tagged[HANDLERS]) as AttemptHandlers
      tagged[HANDLERS] = undefined
      // The response finds its attempt through its own request (`proxyRes.req`), never
      // through `req`, which the next attempt may already have taken.
      ;(proxyReq as TaggedClientRequest)[HANDLERS] = handlers
      handlers.onRequest(proxyReq)
    })
    server.on('proxyRes', (proxyRes) => {
      const handlers = ((proxyRes as IncomingMessage & { req?: TaggedClientRequest }).req)?.[HANDLERS]
      if (handlers) handlers.onResponse(proxyRes)
      else proxyRes.destroy()
    })
    server.on('proxyReqWs', (proxyReq, _req, _socket, options) => {
      const handlers = (options as unknown as CallOptions)[HANDLERS] as UpgradeHandlers
      handlers.onRequest(proxyReq)
      proxyReq.on('upgrade', handlers.onUpgrade)
    })
    // http-proxy-3 reports a client that vanished mid-request here rather than through the
    // callback; the transaction learns of it from the response's 'close'.
    server.on('econnreset', () => {})
    // Errors reach the per-call callbacks; this listener only keeps the emitter from throwing.
    server.on('error', () => {})
    return server
  }

  function serverFor(target: URL): ProxyServer {
    let server = byTarget.get(originOf(target))
    if (!server) {
      server = listenTo(createProxyServer({ ...ENGINE_OPTIONS, target: engineTarget(target), agent: agentFor(target) }))
      byTarget.set(originOf(target), server)
    }
    return server
  }

  function agentFor(target: URL): http.Agent {
    let agent = agents.get(originOf(target))
    if (!agent) {
      const options = { keepAlive: true, scheduling: 'lifo' as const }
      agent = target.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options)
      agents.set(originOf(target), agent)
    }
    return agent
  }

  return {
    web(req, res, target, body, handlers, fresh = false) {
      const onError = (error: Error) => handlers.onError(error as NodeJS.ErrnoException)
      if (!fresh && (body === undefined || body === req)) {
        ;(req as TaggedRequest)[HANDLERS] = handlers
        serverFor(target).web(req, res, onError)
        return
      }
      const options = { target: engineTarget(target), agent: fresh ? false : agentFor(target), buffer: body, [HANDLERS]: handlers }
      proxy.web(req, res, options, onError)
    },
    ws(req, socket, head, target, handlers) {
      // Upgraded sockets leave the pool anyway; a fresh connection keeps `Connection: upgrade`.
      const options = { target: engineTarget(target), agent: false, [HANDLERS]: handlers }
      proxy.ws(req, socket, head, options, (error) => handlers.onError(error as NodeJS.ErrnoException))
    },
    release(origins) {
      for (const origin of origins) {
        const agent = agents.get(origin)
        if (agent) retire(agent)
        agents.delete(origin)
        byTarget.delete(origin)
      }
    },
    destroy() {
      for (const agent of agents.values()) agent.destroy()
      agents.clear()
      byTarget.clear()
    },
  }
}

/**
 * The target as http-proxy-3 is handed it. An origin without a path goes in its documented
 * "detailed" form, which has no `pathname`: http-proxy-3 then has no target path to prepend and
 * skips re-parsing one with a new URL on every request (~3 µs of a small request, bench/RESULTS.md).
 * A target with a path stays a URL, so its path is prepended as before.
 */
function engineTarget(target: URL): ProxyTarget {
  if (target.pathname !== '/') return target
  const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80)
  const detailed: ProxyTarget & { href: string } = { protocol: target.protocol, host: target.host, hostname: target.hostname, port, href: target.href }
  return detailed
}

/**
 * Closes an agent's idle sockets now and each busy one as soon as its response ends, so a
 * request in flight to a target that a config swap removed still finishes.
 */
function retire(agent: http.Agent): void {
  agent.keepSocketAlive = () => false
  for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy()
}
