import net, { type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { TunnelEnd } from '../transaction/transaction.js'

/**
 * A blind CONNECT tunnel (RFC 9110 §9.3.6) to a host the user did not ask to intercept: a TCP
 * connection to it, then bytes relayed both ways as they are — never read, never decrypted —
 * with backpressure (a slow reader pauses the other side). Its limits keep a forgotten
 * or stuck tunnel from holding sockets for good.
 */

export interface TunnelLimits {
  /** No connection within this many ms: the CONNECT is answered 502. */
  readonly connectMs: number
  /** No byte either way for this long: both sides are closed. */
  readonly idleMs: number
  /** A tunnel is closed after this long, busy or not. */
  readonly maxMs: number
}

/**
 * Defaults: 10 s to connect (a client's own connect timeout is usually longer, and it is told
 * 502 at once), 5 min idle (nginx's `proxy_timeout` is 10 min, Squid's `read_timeout` 15 min:
 * an idle HTTP/2 or WebSocket connection inside sends PINGs well within it), 4 h in all.
 */
export const DEFAULT_TUNNEL_LIMITS: TunnelLimits = Object.freeze({ connectMs: 10_000, idleMs: 5 * 60_000, maxMs: 4 * 60 * 60_000 })

export interface TunnelEvents {
  /** The upstream accepted the connection: answer the CONNECT 200, then the relay starts. */
  connected(upstream: Socket): void
  /** No connection: `code` is the socket error's (`ECONNREFUSED`, `ENOTFOUND`) or `ETIMEDOUT`. */
  failed(code: string, message: string): void
  /** Both sides are closed; bytes client → upstream and upstream → client. */
  ended(end: TunnelEnd, up: number, down: number): void
}

export interface OpenTunnel {
  /** Cuts the tunnel now (the proxy is stopping). */
  cut(): void
}

/**
 * The upstream's bytes are read into buffers of this size, reused: a piped socket gets a new
 * 64 KiB buffer for every read, and on a download through the tunnel that garbage (GiBs of it)
 * costs more than the copying — a 1 GiB download went 0.70 → 1.3 GiB/s (bench/RESULTS.md).
 */
const READ_BYTES = 128 * 1024
/** Spare read buffers kept for the next tunnels (4 MiB); more are left to the collector. */
const MAX_SPARE = 32
const spare: Buffer[] = []

export function openTunnel(client: Duplex, head: Buffer, to: { readonly host: string; readonly port: number }, limits: TunnelLimits, events: TunnelEvents): OpenTunnel {
  let down = 0
  const upstream = net.connect({
    host: to.host,
    port: to.port,
    // Upstream → client: each read is written on as it is, and its buffer taken back once
    // written; while the client cannot take more, reading stops (backpressure, as `pipe` has it).
    onread: {
      buffer: () => spare.pop() ?? Buffer.allocUnsafeSlow(READ_BYTES),
      callback: (bytes, buffer) => {
        down += bytes
        const more = client.write(buffer.subarray(0, bytes), () => {
          if (spare.length < MAX_SPARE) spare.push(buffer as Buffer)
        })
        if (!more) client.once('drain', () => upstream.resume())
        return more
      },
    },
  })
  let end: TunnelEnd | undefined
  let relaying = false
  let closed = 0
  const connectTimer = setTimeout(() => fail('ETIMEDOUT', `no connection within ${limits.connectMs} ms`), limits.connectMs)
  let maxTimer: NodeJS.Timeout | undefined

  function fail(code: string, message: string): void {
    clearTimeout(connectTimer)
    upstream.destroy()
    if (relaying) return
    relaying = true // once
    events.failed(code, message)
  }
  upstream.once('error', (error: NodeJS.ErrnoException) => {
    if (!relaying) return fail(error.code ?? 'ECONNRESET', error.message)
    end ??= 'upstream-error'
  })
  // The client may go before the upstream answers: nothing to tunnel for.
  const clientGoneEarly = () => upstream.destroy()
  client.once('close', clientGoneEarly)

  upstream.once('connect', () => {
    clearTimeout(connectTimer)
    client.off('close', clientGoneEarly)
    relaying = true
    events.connected(upstream)
    if (head.length > 0) upstream.write(head)
    upstream.setTimeout(limits.idleMs, () => stop('idle-timeout'))
    maxTimer = setTimeout(() => stop('max-duration'), limits.maxMs)
    maxTimer.unref()
    client.on('error', () => {
      end ??= 'client-error'
      upstream.destroy()
    })
    upstream.on('error', () => client.destroy())
    // A side that finishes sending (FIN) ends the other's writing half; the tunnel is over when both are closed.
    client.once('end', () => (end ??= 'client-closed'))
    upstream.once('end', () => (end ??= 'upstream-closed'))
    client.pipe(upstream)
    upstream.once('end', () => client.end())
    const onClose = () => {
      if (++closed === 1) {
        // One side is gone: the other gets what is left to send, then closes too.
        end ??= client.destroyed ? 'client-closed' : 'upstream-closed'
        if (!client.destroyed) client.end()
        if (!upstream.destroyed) upstream.end()
        setTimeout(() => (client.destroy(), upstream.destroy()), 5_000).unref()
        return
      }
      clearTimeout(maxTimer)
      events.ended(end ?? 'client-closed', upstream.bytesWritten, down)
    }
    client.once('close', onClose)
    upstream.once('close', onClose)
  })

  function stop(why: TunnelEnd): void {
    end ??= why
    client.destroy()
    upstream.destroy()
  }

  return {
    cut() {
      if (relaying) stop('shutdown')
      else upstream.destroy()
    },
  }
}
