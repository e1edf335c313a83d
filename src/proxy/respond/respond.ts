import type { ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { STATUS_CODES } from 'node:http'
import { buildErrorResponse, type ErrorDetails, type ErrorType } from '../http/error-map.js'
import { VIA } from '../http/fields.js'
import type { CapturedBody } from '../transaction/body-capture.js'
import { closeAfter } from './connection-close.js'
import { closeIfBodyUnread } from './linger.js'
import { isHttp2 } from '../http/protocol.js'
import type { Transaction } from '../transaction/transaction.js'

function errorHeaders(tx: Transaction, type: ErrorType, body: string, close: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-devproxy-error': type,
    // RFC 9110 §7.6.3: with this proxy's id, as on the responses it forwards.
    via: tx.via ?? VIA,
  }
  if (close) headers.connection = 'close'
  return headers
}

/**
 * Answers with the proxy's own JSON error. If the response already started, the only honest
 * thing left is to cut the connection: a truncated body must never look complete.
 */
export function sendError(res: ServerResponse, tx: Transaction, type: ErrorType, details: ErrorDetails, options: { close?: boolean; fault?: string | undefined } = {}): void {
  const response = buildErrorResponse(type, details)
  tx.error = { type, message: details.message }
  if (res.headersSent || res.destroyed) {
    tx.ending = 'upstream-aborted'
    res.destroy()
    return
  }
  tx.status = response.status
  tx.ending = 'error'
  const bodyUnread = closeIfBodyUnread(res, response.status)
  const close = (options.close ?? false) || bodyUnread
  // Nothing pipelined behind a request answered with `Connection: close` is served (RFC 9112 §9.6).
  if (close && !isHttp2(res.req)) closeAfter(res.req)
  const headers = errorHeaders(tx, type, response.body, close)
  if (options.fault) headers['x-devproxy-fault'] = options.fault
  if (tx.replay === 'fallthrough') headers['x-devproxy-replay'] = 'miss'
  tx.responseHeadersSent = headers
  tx.responseBytes = tx.method === 'HEAD' ? 0 : Buffer.byteLength(response.body)
  // The client reads this body: what records and shows the transaction has it too (a few
  // hundred bytes of devproxy's own, so always, whatever the capture setting).
  if (tx.method !== 'HEAD') tx.responseBody = ownBody(headers['content-type'], response.body)
  res.writeHead(response.status, headers)
  res.end(tx.method === 'HEAD' ? undefined : response.body)
}

function ownBody(contentType: string | undefined, body: string): CapturedBody {
  const bytes = Buffer.from(body)
  return { contentType, contentEncoding: undefined, bytes, totalBytes: bytes.length, truncated: false }
}

/** The same error, written raw on a socket that asked for an upgrade (no ServerResponse there). */
export function sendSocketError(socket: Duplex, tx: Transaction, type: ErrorType, details: ErrorDetails): void {
  const response = buildErrorResponse(type, details)
  tx.error = { type, message: details.message }
  tx.status = response.status
  tx.ending = 'error'
  if (socket.writable) {
    const headers = errorHeaders(tx, type, response.body, true)
    const lines = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`]
    for (const [key, value] of Object.entries(headers)) lines.push(`${key}: ${value}`)
    socket.end(`${lines.join('\r\n')}\r\n\r\n${response.body}`)
  } else {
    socket.destroy()
  }
}
