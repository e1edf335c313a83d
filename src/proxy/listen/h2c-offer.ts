import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import type { Duplex } from 'node:stream'

/**
 * An `Upgrade` offer for anything but WebSocket — `h2c` from `curl --http2 http://…`, or
 * `TLS/1.0` — is declined the way RFC 9110 §7.8 allows: by ignoring it and answering in
 * HTTP/1.1. Node has already taken the request off its parser as an upgrade, so the head is
 * rebuilt without the offer and the socket handed back to the server, which parses it afresh
 * as an ordinary request: keep-alive, body, headers timeout and connection tracking included.
 * Returns false for a WebSocket upgrade, which the caller proxies.
 */
export function declineUpgradeOffer(server: Server, req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
  if (offersWebSocket(req.headers.upgrade)) return false
  if (socket.destroyed) return true
  socket.unshift(head.length > 0 ? Buffer.concat([headWithoutOffer(req), head]) : headWithoutOffer(req))
  // Not from inside the parser callback that emitted 'upgrade': the parser it just freed may
  // be the very one the server hands this connection next.
  process.nextTick(() =>
    whenResponsesWritten(socket, () => {
      // The last of those responses may have left the keep-alive idle timeout on the socket;
      // the request about to be parsed is not idle.
      if (socket instanceof Socket) socket.setTimeout(server.timeout)
      server.emit('connection', socket)
    }),
  )
  return true
}

/**
 * Runs `then` once the responses to requests pipelined ahead of the offer are written. Their
 * queue belongs to the connection state Node just dropped: a request parsed afresh now would
 * queue behind them in a new one and never be answered.
 */
function whenResponsesWritten(socket: Duplex, then: () => void): void {
  const pending = (socket as { _httpMessage?: ServerResponse | null })._httpMessage
  if (!pending) return then()
  // Node's own 'finish' listener runs first and hands the socket to the next queued response.
  pending.once('finish', () => whenResponsesWritten(socket, then))
}

/** The Upgrade field offers WebSocket (among others, maybe). */
export function offersWebSocket(upgrade: string | undefined): boolean {
  if (upgrade === undefined) return false
  return upgrade.split(',').some((offer) => offer.trim().split('/')[0]!.toLowerCase() === 'websocket')
}

/** Fields that only make sense with the offer (RFC 9113 §3.2: HTTP2-Settings goes with h2c). */
const OFFER_FIELDS = new Set(['upgrade', 'http2-settings'])

/** The request head as received, minus the offer: Upgrade, HTTP2-Settings and their Connection tokens. */
function headWithoutOffer(req: IncomingMessage): Buffer {
  let head = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    const lower = name.toLowerCase()
    if (OFFER_FIELDS.has(lower)) continue
    let value = raw[i + 1]!
    if (lower === 'connection') {
      value = value
        .split(',')
        .map((token) => token.trim())
        .filter((token) => token !== '' && !OFFER_FIELDS.has(token.toLowerCase()))
        .join(', ')
      if (value === '') continue
    }
    head += `${name}: ${value}\r\n`
  }
  return Buffer.from(`${head}\r\n`, 'latin1')
}
