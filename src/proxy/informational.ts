import { STATUS_CODES, type InformationEvent, type ServerResponse } from 'node:http'
import { HOP_BY_HOP } from './headers.js'

/**
 * Relays an upstream 1xx (100 Continue, 103 Early Hints, 102, …) to the client before the final
 * response (RFC 9110 §15.2: 1xx responses are end to end). Never to an HTTP/1.0 client, which
 * cannot parse them, and never once the final response has started.
 */
export function relayInformational(res: ServerResponse, info: InformationEvent): void {
  const req = res.req
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor === 0) return
  const socket = res.socket
  if (res.headersSent || socket === null || res.destroyed) return
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
