import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Engine } from './engine.js'
import { authorityProblem } from './http/authority.js'
import { refuseConnect } from './listen/refuse-connect.js'
import { refuseOnSocket } from './listen/refuse-on-socket.js'
import { hostnameOf, hostMatches } from './route/router.js'
import { isSelf } from './route/request-route.js'
import { createTransaction } from './transaction/transaction.js'
import * as record from './transaction/record.js'
import { openTunnel, type OpenTunnel, type TunnelLimits } from './upstream/tunnel.js'

/**
 * CONNECT (RFC 9110 §9.3.6), the third pipeline beside requests and upgrades. Forward mode off:
 * 501 with how to turn it on. On: the authority-form target is checked (never the proxy
 * itself), then
 * - a host the user named in `outbound.intercept`: 200, and the tunnel's bytes go to an internal
 *   listener — TLS (a ClientHello first) with the intercept CA's leaves, or plain HTTP/1.1 —
 *   whose requests walk the whole pipeline (handle-request.ts, routed by Host);
 * - any other host: a blind tunnel (upstream/tunnel.ts), 200 once the upstream accepted, 502
 *   when it cannot be reached; one transaction (`kind: 'tunnel'`) logged when it ends.
 */

/** What the server gives the CONNECT pipeline. */
export interface ConnectContext {
  readonly sockets: Set<Duplex>
  /** The internal listeners intercepted tunnels are fed to; undefined when nothing is intercepted. */
  readonly intercept: { readonly tls: (socket: Duplex) => void; readonly plain: (socket: Duplex) => void } | undefined
  readonly limits: TunnelLimits
  /** Blind tunnels open now, cut when the proxy closes. */
  readonly tunnels: Set<OpenTunnel>
}

/** The first byte of a TLS connection: a handshake record (RFC 8446 §5.1). */
const TLS_HANDSHAKE = 0x16

const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n'

export function handleConnect(engine: Engine, req: IncomingMessage, socket: Duplex, head: Buffer, ctx: ConnectContext): void {
  const outbound = engine.state.config.outbound
  if (outbound === undefined) return refuseConnect(engine, req, socket, ctx.sockets)
  const tx = createTransaction(req, 'tunnel', engine.instanceId)
  const target = parseConnectTarget(req.url ?? '')
  if (typeof target === 'string') {
    return refuseOnSocket(engine, socket, tx, 'bad_request', { message: `CONNECT ${JSON.stringify((req.url ?? '').slice(0, 200))}: ${target}`, hint: 'Send CONNECT host:port, e.g. CONNECT api.example.test:443 (RFC 9110 §9.3.6).' }, ctx.sockets)
  }
  const { hostname, port } = target
  const to = outbound.resolve[hostname] ?? { host: hostname, port }
  if (isSelf(hostname, port, engine.selfAddresses) || isSelf(to.host, to.port, engine.selfAddresses)) {
    return refuseOnSocket(engine, socket, tx, 'loop_detected', {
      message: `CONNECT ${req.url} names devproxy's own address: the tunnel would loop back to the proxy`,
      hint: 'Send requests for devproxy to it directly; exclude its address from the proxy (NO_PROXY=127.0.0.1,localhost).',
      target: `${to.host}:${to.port}`,
    }, ctx.sockets)
  }
  if (ctx.intercept !== undefined && outbound.intercept.some((pattern) => hostMatches(pattern, hostname))) {
    // Held until it closes, so closing the proxy cuts intercepted tunnels too.
    ctx.sockets.add(socket)
    socket.once('close', () => ctx.sockets.delete(socket))
    return intercept(socket, head, ctx.intercept)
  }
  tunnel(engine, tx, socket, head, to, ctx)
}

/** RFC 9110 §9.3.6: CONNECT's target is authority-form, `host:port`, the port required. */
export function parseConnectTarget(target: string): { readonly hostname: string; readonly port: number } | string {
  const problem = target === '' ? 'is empty' : authorityProblem(target)
  if (problem !== undefined) return `the target ${problem}`
  const hostname = hostnameOf(target)
  const port = Number(target.slice(hostname.length + 1))
  if (target.charAt(hostname.length) !== ':' || !Number.isInteger(port) || port < 1 || port > 65_535) return 'the target must be host:port with a port from 1 to 65535'
  return { hostname: hostname.startsWith('[') ? hostname.slice(1, -1) : hostname, port }
}

/**
 * The first bytes tell TLS from plain HTTP (undici tunnels http:// URLs too: `CONNECT host:80`).
 * A client that closes its side before sending any (a cancelled request) gets the connection
 * closed: Node's HTTP server hands CONNECT sockets over half-open, so nothing else would, and
 * each one stayed in CLOSE-WAIT for good.
 */
function intercept(socket: Duplex, head: Buffer, listeners: NonNullable<ConnectContext['intercept']>): void {
  socket.write(ESTABLISHED)
  const closedFirst = () => socket.destroy()
  const handOver = (chunk: Buffer) => {
    socket.off('end', closedFirst)
    socket.pause()
    socket.unshift(chunk)
    ;(chunk[0] === TLS_HANDSHAKE ? listeners.tls : listeners.plain)(socket)
    socket.resume()
  }
  if (head.length > 0) return handOver(head)
  socket.once('data', handOver)
  socket.once('end', closedFirst)
  socket.once('error', () => socket.destroy())
}

function tunnel(engine: Engine, tx: ReturnType<typeof createTransaction>, socket: Duplex, head: Buffer, to: { readonly host: string; readonly port: number }, ctx: ConnectContext): void {
  const where = `${to.host.includes(':') ? `[${to.host}]` : to.host}:${to.port}`
  socket.on('error', () => socket.destroy())
  const open = openTunnel(socket, head, to, ctx.limits, {
    connected() {
      ctx.sockets.add(socket)
      record.upstreamConnected(tx, to.host, undefined)
      record.responseStarted(tx, 200)
      socket.write(ESTABLISHED)
    },
    failed(code, message) {
      ctx.tunnels.delete(open)
      refuseOnSocket(engine, socket, tx, 'upstream_connect_failed', {
        message: `cannot open a tunnel to ${tx.url}${where === tx.url ? '' : ` (at ${where})`}: ${code === 'ETIMEDOUT' ? message : `${code} ${message.replace(/^\w+ /, '')}`}`,
        hint: code === 'ENOTFOUND' ? `No DNS answer for the host; point it somewhere with --resolve ${tx.url.replace(/:\d+$/, '')}=ADDRESS:PORT.` : 'Check that the host is up and reachable from this machine.',
        target: where,
      }, ctx.sockets)
    },
    ended(end, up, down) {
      ctx.tunnels.delete(open)
      ctx.sockets.delete(socket)
      record.stopClock(tx)
      record.tunnelEnded(tx, end, up, down)
      engine.emit(tx)
    },
  })
  ctx.tunnels.add(open)
}
