import net from 'node:net'
import http, { type ClientRequest, type IncomingMessage } from 'node:http'
import https from 'node:https'
import type { Duplex } from 'node:stream'
import { createProxyServer } from 'http-proxy-3'
import type { ResolvedRoute } from '../../config/types.js'
import { originOf } from '../http/origin.js'
import { PooledAgent } from './pooled-agent.js'

/**
 * Where requests leave for the upstream. Plain HTTP requests go out through `node:http` with
 * one keep-alive pool per route target: the proxy writes the request head itself (framing,
 * header case, Expect) so that what the upstream parses is exactly what devproxy routed,
 * logged and faulted. WebSocket upgrades still go through http-proxy-3 (the one importer of it).
 */

/** What to send: everything already rewritten, framing included (see headers.ts). */
export interface UpstreamRequestSpec {
  readonly method: string
  /** Path and query, target base path included. */
  readonly path: string
  /** Raw header list (`[name, value, name, value, …]`), sent in this order and case. */
  readonly headers: readonly string[]
  /** A new connection outside the pool (the retry after a dead pooled one). */
  readonly fresh?: boolean | undefined
}

export interface UpgradeHandlers {
  onRequest(proxyReq: ClientRequest): void
  /** The upstream accepted the upgrade; bytes now flow both ways. */
  onUpgrade(proxyRes: IncomingMessage, proxySocket: Duplex): void
  onError(error: NodeJS.ErrnoException): void
}

export interface Forwarder {
  /** Opens the upstream request; the caller writes the body and listens for the outcome. */
  request(route: ResolvedRoute, target: URL, spec: UpstreamRequestSpec): ClientRequest
  ws(req: IncomingMessage, socket: Duplex, head: Buffer, route: ResolvedRoute, target: URL, handlers: UpgradeHandlers): void
  /** Closes idle pooled connections of targets no longer in use (config swaps). */
  release(keep: Iterable<ResolvedRoute>): void
  /** Closes every pooled connection. */
  destroy(): void
}

/**
 * A pooled socket idle longer than this is closed rather than reused: a server's keep-alive
 * timeout (Node's default is 5 s) closing it just as a request goes out is the race that makes
 * a reused connection fail. undici uses the same 4 s; a shorter `Keep-Alive: timeout=N` hint
 * from the upstream lowers it further (Node's Agent reads it).
 */
const FREE_SOCKET_TIMEOUT_MS = 4_000

/** Where to connect for a host name instead of its DNS answer (forward mode's `outbound.resolve`); undefined: DNS. */
export type ResolveHost = (hostname: string) => { readonly host: string; readonly port: number } | undefined

export function createForwarder(resolveHost: ResolveHost = () => undefined): Forwarder {
  const agents = new Map<string, http.Agent>()
  const upgrades = createProxyServer({ toProxy: true, prependPath: true, xfwd: false })
  upgrades.on('proxyReqWs', (proxyReq, _req, _socket, options) => {
    const handlers = (options as unknown as { [HANDLERS]: UpgradeHandlers })[HANDLERS]
    handlers.onRequest(proxyReq)
    proxyReq.on('upgrade', handlers.onUpgrade)
  })
  upgrades.on('error', () => {})

  // The pool of a route's target, looked up by identity first: the key string is built once per
  // route object and target (a reload brings new ones), not per request.
  const known = new WeakMap<ResolvedRoute, WeakMap<URL, http.Agent>>()
  const retired = new WeakSet<http.Agent>()
  function agentFor(route: ResolvedRoute, target: URL): http.Agent {
    let ofRoute = known.get(route)
    const cached = ofRoute?.get(target)
    if (cached !== undefined && !retired.has(cached)) return cached
    const agent = pooledAgent(route, target)
    if (ofRoute === undefined) known.set(route, (ofRoute = new WeakMap()))
    ofRoute.set(target, agent)
    return agent
  }

  function pooledAgent(route: ResolvedRoute, target: URL): http.Agent {
    const to = resolveHost(hostnameOf(target))
    const key = poolKey(route, target, to)
    let agent = agents.get(key)
    if (!agent) {
      // `outbound.resolve`: the agent's address wins over the request's (Node merges the agent's
      // options last), while SNI and the certificate check keep the target's name.
      const connectTo = to === undefined ? {} : { host: to.host, port: to.port, servername: hostnameOf(target) }
      const options = { keepAlive: true, scheduling: 'lifo' as const, maxSockets: route.maxConnections, timeout: FREE_SOCKET_TIMEOUT_MS, ...connectTo }
      agent = target.protocol === 'https:' ? new https.Agent({ ...options, rejectUnauthorized: route.tls.rejectUnauthorized, ca: route.tls.ca }) : new PooledAgent(options)
      agents.set(key, agent)
    }
    return agent
  }

  return {
    request(route, target, spec) {
      const https_ = target.protocol === 'https:'
      const options: https.RequestOptions = {
        hostname: hostnameOf(target),
        port: target.port || (https_ ? 443 : 80),
        method: spec.method,
        path: spec.path,
        headers: spec.headers as string[],
        agent: spec.fresh ? false : agentFor(route, target),
        // The agent's idle timeout must not apply while a request is in flight (a slow
        // upstream is the response timer's business).
        timeout: 0,
        // Nothing the upstream sent may be dropped silently (Node keeps 2,000 by default).
        maxHeadersCount: 0,
      } as https.RequestOptions
      if (spec.fresh) {
        if (https_) {
          options.rejectUnauthorized = route.tls.rejectUnauthorized
          if (route.tls.ca !== undefined) options.ca = route.tls.ca
        }
        const to = resolveHost(options.hostname!)
        if (to !== undefined) Object.assign(options, { hostname: to.host, port: to.port, servername: hostnameOf(target) })
      }
      const request = (https_ ? https : http).request(options)
      if (request.method !== spec.method) keepMethodAsSent(request, spec.method)
      return request
    },
    ws(req, socket, head, route, target, handlers) {
      // Upgraded sockets leave the pool anyway; a fresh connection keeps `Connection: upgrade`.
      // For https://, http-proxy-3 sets rejectUnauthorized from `secure` and copies `ca`; the
      // agent names the target for SNI and the certificate check (not the client's Host).
      const hostname = hostnameOf(target)
      const tls = target.protocol === 'https:'
        ? { secure: route.tls.rejectUnauthorized, ca: route.tls.ca, agent: new https.Agent({ servername: net.isIP(hostname) ? '' : hostname }) }
        : { agent: false as const }
      const options = { target: target, ...tls, [HANDLERS]: handlers }
      upgrades.ws(req, socket, head, options, (error) => handlers.onError(error as NodeJS.ErrnoException))
    },
    release(keep) {
      const kept = new Set<string>()
      for (const route of keep) for (const target of route.targets) kept.add(poolKey(route, target, resolveHost(hostnameOf(target))))
      for (const [key, agent] of agents) {
        if (kept.has(key)) continue
        retired.add(agent)
        retire(agent)
        agents.delete(key)
      }
    },
    destroy() {
      for (const agent of agents.values()) {
        retired.add(agent)
        agent.destroy()
      }
      agents.clear()
    },
  }
}

const HANDLERS = Symbol('devproxy.handlers')

/**
 * Node's client upper-cases the method (`get` → `GET`), but methods are case-sensitive (RFC 9110
 * §9.1): `get` is another method than GET, and the upstream decides what it means. The request
 * head Node has already built from the header list gets the method back as the client sent it.
 */
function keepMethodAsSent(request: ClientRequest, method: string): void {
  const head = (request as unknown as { _header: unknown })._header
  if (typeof head !== 'string' || !head.startsWith(`${request.method} `)) return
  ;(request as unknown as { _header: string })._header = method + head.slice(request.method.length)
  request.method = method
}

/**
 * One pool per route target. The key holds what makes two pools different — route, origin,
 * connection limit and TLS settings — so a reload that changes any of them gets a new pool,
 * and two routes never share sockets set up for the other's certificate rules.
 */
function poolKey(route: ResolvedRoute, target: URL, to: { readonly host: string; readonly port: number } | undefined): string {
  const key = `${route.name}\0${originOf(target)}\0${route.maxConnections}\0${route.tls.rejectUnauthorized}\0${route.tls.caFile ?? ''}`
  // `outbound.resolve` pointing the target's name elsewhere: another pool (a reload may change it).
  return to === undefined ? key : `${key}\0${to.host}:${to.port}`
}

/** `[::1]` → `::1`: the socket layer takes a bare IPv6 address. */
function hostnameOf(target: URL): string {
  const { hostname } = target
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname
}

/**
 * The target's base path in front of the forwarded path (`http://h:1/static` + `/app.js` →
 * `/static/app.js`), joined without doubling the slash; each target keeps its own base.
 */
export function joinBasePath(base: string, path: string): string {
  if (base === '/' || base === '') return path
  return (base.endsWith('/') ? base.slice(0, -1) : base) + path
}

/**
 * Closes an agent's idle sockets now and each busy one as soon as its response ends, so a
 * request in flight to a target that a config swap removed still finishes.
 */
function retire(agent: http.Agent): void {
  agent.keepSocketAlive = () => false
  for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy()
}
