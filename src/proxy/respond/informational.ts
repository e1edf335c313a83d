import { STATUS_CODES, type InformationEvent, type OutgoingHttpHeaders, type ServerResponse } from 'node:http'
import type { Http2ServerResponse } from 'node:http2'
import { HOP_BY_HOP } from '../http/fields.js'
import { isHttp2 } from '../http/protocol.js'

/**
 * Relays an upstream 1xx (100 Continue, 103 Early Hints, 102, …) to the client before the final
 * response (RFC 9110 §15.2: 1xx responses are end to end). Never to an HTTP/1.0 client, which
 * cannot parse them, and never once the final response has started.
 */
export function relayInformational(res: ServerResponse, info: InformationEvent): void {
  const req = res.req
  if (res.headersSent || res.destroyed) return
  const http2 = isHttp2(req)
  if (!http2 && (req.httpVersionMajor !== 1 || req.httpVersionMinor === 0 || res.socket === null)) return
  if (info.statusCode === 100) {
    res.writeContinue()
    return
  }
  const fields = relayedFields(info.rawHeaders)
  if (http2) {
    // A 1xx is a HEADERS frame before the response's own (RFC 9113 §8.1).
    const headers: OutgoingHttpHeaders = { ':status': info.statusCode }
    for (const [name, value] of fields) {
      const key = name.toLowerCase()
      const had = headers[key]
      headers[key] = had === undefined ? value : [...(Array.isArray(had) ? had : [String(had)]), value]
    }
    ;(res as unknown as Http2ServerResponse).stream.additionalHeaders(headers)
    return
  }
  let head = `HTTP/1.1 ${info.statusCode} ${info.statusMessage || STATUS_CODES[info.statusCode] || ''}\r\n`
  for (const [name, value] of fields) head += `${name}: ${value}\r\n`
  res.socket!.write(`${head}\r\n`, 'latin1')
}

/** A 1xx's fields as relayed: end-to-end ones only, and no length (a 1xx has no body). */
function relayedFields(raw: readonly string[]): Array<[string, string]> {
  const fields: Array<[string, string]> = []
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    if (!HOP_BY_HOP.has(name) && name !== 'content-length') fields.push([raw[i]!, raw[i + 1]!])
  }
  return fields
}
