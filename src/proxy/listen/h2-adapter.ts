import http2, { Http2ServerRequest, Http2ServerResponse } from 'node:http2'
import type { OutgoingHttpHeaders } from 'node:http'
import { HOP_BY_HOP } from '../http/fields.js'

/**
 * HTTP/2 requests, shaped for the pipeline that HTTP/1.x requests run through. Node's
 * compatibility API already gives an HTTP/2 stream the IncomingMessage/ServerResponse surface;
 * these subclasses (handed to `http2.createSecureServer`) fix the differences the pipeline would
 * otherwise trip on, so that nothing below the listener needs to know which protocol came in
 * except where it must (protocol.ts):
 *
 * - the head as an HTTP/1.1 proxy forwards it (RFC 9113 §8.3.1): `:authority` becomes Host, the
 *   other pseudo-header fields go, and cookie fields split per crumb are joined again with "; "
 *   (RFC 9113 §8.2.3) — both in `rawHeaders` and in `headers`;
 * - connection-specific fields (RFC 9113 §8.2.2) and the reason phrase, which HTTP/2 has no
 *   place for, are left out of the response instead of being warned about;
 * - trailers given as `[name, value]` pairs, as ServerResponse takes them, become the object
 *   HTTP/2 wants;
 * - a response cut short ends its stream with RST_STREAM INTERNAL_ERROR, as nginx does when its
 *   upstream fails mid-body: the client sees that one request fail and its other streams go on
 *   (a bare `destroy()` would send NO_ERROR, which reads as a clean end after a complete body);
 * - a stream the client cancels is not `writableFinished`, so it ends `client-aborted` as an
 *   HTTP/1.1 request whose client leaves does.
 */
export class H2Request extends Http2ServerRequest {
  constructor(...args: ConstructorParameters<typeof Http2ServerRequest>) {
    super(...args)
    // Once, on the stream's own header object (what `headers` returns from now on).
    const headers = this.headers
    if (headers.host === undefined && headers[':authority'] !== undefined) headers.host = headers[':authority'] as string
    if (Array.isArray(headers.cookie)) headers.cookie = headers.cookie.join('; ')
  }
}

// Node's typings declare rawHeaders as a plain property, the runtime has a getter: override it as one.
const baseRequest = Http2ServerRequest.prototype
const RAW = Symbol('devproxy.http1Head')
Object.defineProperties(H2Request.prototype, {
  rawHeaders: {
    get(this: H2Request & { [RAW]?: string[] }): string[] {
      return (this[RAW] ??= http1Head(Reflect.get(baseRequest, 'rawHeaders', this) as string[]))
    },
  },
})

export class H2Response extends Http2ServerResponse {
  /** Ignored: an HTTP/2 connection outlives any one response (GOAWAY closes it, not a response). */
  shouldKeepAlive = true

  override writeHead(status: number, ...rest: unknown[]): this {
    const headers = rest.find((arg) => typeof arg === 'object' && arg !== null) as OutgoingHttpHeaders | readonly string[] | undefined
    return super.writeHead(status, (headers === undefined ? undefined : withoutConnectionFields(headers)) as OutgoingHttpHeaders)
  }

  /** ServerResponse takes `[name, value]` pairs too (the pipeline relays raw trailers so); HTTP/2 wants an object. */
  override addTrailers(trailers: OutgoingHttpHeaders | ReadonlyArray<[string, string]>): void {
    if (!Array.isArray(trailers)) return super.addTrailers(trailers as OutgoingHttpHeaders)
    const fields: Record<string, string | string[]> = {}
    for (const [name, value] of trailers as ReadonlyArray<[string, string]>) {
      const key = name.toLowerCase()
      const had = fields[key]
      fields[key] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value]
    }
    super.addTrailers(fields)
  }

  override destroy(error?: Error): this {
    if (!this.stream.destroyed && !this.writableFinished && error === undefined) {
      this.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR)
      return this
    }
    return super.destroy(error)
  }
}

// Not in Node 20's compat API; the pipeline reads it as ServerResponse has it.
Object.defineProperty(H2Response.prototype, 'destroyed', {
  get(this: H2Response): boolean {
    return this.stream.destroyed
  },
})

// Node's compat `writableFinished` is the stream's, which turns true when the stream is torn
// down — by the client's RST_STREAM CANCEL (RFC 9113 §8.7) or a lost connection — though
// nothing was answered; the pipeline would call that request completed. Finished means what it
// means for ServerResponse: the response was ended and went out whole, the stream closing cleanly.
Object.defineProperty(H2Response.prototype, 'writableFinished', {
  get(this: H2Response): boolean {
    const stream = this.stream
    return this.writableEnded && stream.writableFinished && !stream.aborted && (stream.rstCode === undefined || stream.rstCode === http2.constants.NGHTTP2_NO_ERROR)
  },
})

/** The request head as an HTTP/1.1 message would carry it: Host first, no pseudo-header fields, one Cookie. */
export function http1Head(raw: readonly string[]): string[] {
  const out: string[] = []
  let authority: string | undefined
  let hasHost = false
  let cookie: string | undefined
  let cookieAt = -1
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    if (name.charCodeAt(0) === 58 /* ':' */) {
      if (name === ':authority') authority = raw[i + 1]
      continue
    }
    if (name === 'host') hasHost = true
    if (name === 'cookie') {
      if (cookieAt === -1) {
        cookieAt = out.length + 1
        cookie = raw[i + 1]!
        out.push(name, cookie)
      } else {
        cookie = `${cookie}; ${raw[i + 1]}`
        out[cookieAt] = cookie
      }
      continue
    }
    out.push(name, raw[i + 1]!)
  }
  if (!hasHost && authority !== undefined) out.unshift('host', authority)
  return out
}

function withoutConnectionFields(headers: OutgoingHttpHeaders | readonly string[]): OutgoingHttpHeaders | string[] {
  if (Array.isArray(headers)) {
    const out: string[] = []
    for (let i = 0; i < headers.length; i += 2) if (!HOP_BY_HOP.has(String(headers[i]).toLowerCase())) out.push(headers[i]!, headers[i + 1]!)
    return out
  }
  const object = headers as OutgoingHttpHeaders
  let out: OutgoingHttpHeaders | undefined
  for (const name of Object.keys(object)) {
    if (!HOP_BY_HOP.has(name.toLowerCase())) continue
    out ??= { ...object }
    delete out[name]
  }
  return out ?? object
}
