import { STATUS_CODES, type InformationEvent, type OutgoingHttpHeaders, type ServerResponse } from 'node:http'
import type { Http2ServerResponse } from 'node:http2'
import { HOP_BY_HOP } from './headers.js'
import { isHttp2 } from './protocol.js'

/**
 * Relays an upstream 1xx (100 Continue, 103 Early Hints, 102, …) to the client before the final
 * response (RFC 9110 §15.2: 1xx responses are end to end). Never to an HTTP/1.0 client, which
 * cannot parse them, and never once the final response has started.
 */
export function relayInformational(res: ServerResponse, info: InformationEvent): void {
  const req = res.req
  if (res.headersSent || res.destroyed) return
  if (isHttp2(req)) {
    relayOnStream(res, info)
    return
  }
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor === 0) return
  const socket = res.socket
  if (socket === null) return
  if (info.statusCode === 100) {
    res.writeContinue()
    return
  }
  let head = `HTTP/1.1 ${info.statusCode} ${info.statusMessage || STATUS_CODES[info.statusCode] || ''}\r\n`
  const raw = info.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    if (HOP_BY_HOP.has(name) || name === 'content-length') continue
    head += `${raw[i]}: ${raw[i + 1]}\r\n`
  }
  socket.write(`${head}\r\n`, 'latin1')
}

/** HTTP/2: a 1xx is a HEADERS frame before the response's own (RFC 9113 §8.1). */
function relayOnStream(res: ServerResponse, info: InformationEvent): void {
  if (info.statusCode === 100) {
    res.writeContinue()
    return
  }
  const headers: OutgoingHttpHeaders = { ':status': info.statusCode }
  const raw = info.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    if (HOP_BY_HOP.has(name) || name === 'content-length') continue
    const value = raw[i + 1]!
    const had = headers[name]
    headers[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [String(had)]), value]
  }
  ;(res as unknown as Http2ServerResponse).stream.additionalHeaders(headers)
}
