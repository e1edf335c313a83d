import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { ErrorDetails } from './error-map.js'
import { sendError, sendSocketError } from './respond.js'
import type { Transaction } from './transaction.js'

/**
 * RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1
 * request message that lacks a Host header field and to any that contains more than one Host
 * header field line". Node refuses a missing Host itself but keeps the first of two, so the
 * proxy would route on one and an upstream (or a cache) might act on the other.
 */
export function hostFieldCount(rawHeaders: readonly string[]): number {
  let count = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!
    if (name.length === 4 && name.toLowerCase() === 'host') count++
  }
  return count
}

function repeatedHost(count: number): ErrorDetails {
  return {
    message: `the request has ${count} Host header fields; HTTP/1.1 allows exactly one (RFC 9112 §3.2)`,
    hint: 'Send a single Host header naming the service the request is for.',
  }
}

/** Answers 400 and closes when the request repeats Host; true when it did. */
export function refuseRepeatedHost(req: IncomingMessage, res: ServerResponse, tx: Transaction): boolean {
  const count = hostFieldCount(req.rawHeaders)
  if (count <= 1) return false
  sendError(res, tx, 'bad_request', repeatedHost(count), { close: true })
  return true
}

/** The same for an upgrade request, answered on its socket. */
export function refuseRepeatedHostUpgrade(req: IncomingMessage, socket: Duplex, tx: Transaction): boolean {
  const count = hostFieldCount(req.rawHeaders)
  if (count <= 1) return false
  sendSocketError(socket, tx, 'bad_request', repeatedHost(count))
  return true
}
