import { STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import type { OnResponseContext } from './config-types.js'
import type { AfterResponseContext } from '../proxy/index.js'
import { codingOf, decodeWhole } from '../proxy/index.js'
import { headersObject } from '../proxy/index.js'
import { syntheticResponse } from '../proxy/index.js'
import { callHook, HookFailure, malformed, malformedHeaders } from './call.js'
import { parseJsonBody } from './parse-json.js'
import { forwardedRequestInfo, rawHeaderList } from './request-info.js'

/** What `ctx.body()` reads at most when the route sets no maxResponseBodyBytes. */
export const DEFAULT_HOOK_BODY_BYTES = 10 * 1024 * 1024

/**
 * Runs `onResponse` and returns the response to send: the same one with the status and
 * header fields the hook left (a hook that only looks costs nothing more), or — when it read
 * or replaced the body — a new one holding that body, its Content-Length to match. The hook
 * reads the body decoded (gzip, br, deflate); a body it only read goes on as the upstream sent
 * it, one it set goes out as given, without the upstream's Content-Encoding.
 */
export async function runOnResponse(ctx: AfterResponseContext): Promise<IncomingMessage> {
  const { route, tx, response } = ctx
  const received = response.headers
  const limit = route.maxResponseBodyBytes ?? DEFAULT_HOOK_BODY_BYTES
  let read: Promise<Buffer> | undefined
  let decoded: Promise<Buffer> | undefined
  let replaced: Buffer | undefined
  const readWire = () => (read ??= readWhole(response, limit, route.name))
  const readBody = () => (decoded ??= readWire().then((bytes) => decode(bytes, received['content-encoding'], limit, route.name)))
  const hookCtx: OnResponseContext = {
    request: forwardedRequestInfo(route.name, tx),
    source: ctx.by ?? 'upstream',
    status: response.statusCode ?? 502,
    headers: { ...received },
    body: readBody,
    text: async () => (await readBody()).toString('utf8'),
    json: async () => parseJsonBody(await readBody(), 'response'),
    setBody(body) {
      if (typeof body === 'string') replaced = Buffer.from(body, 'utf8')
      else if (body instanceof Uint8Array) replaced = Buffer.from(body)
      else throw malformed(route, 'onResponse', 'ctx.setBody takes a string or bytes (use JSON.stringify for an object)', body)
    },
  }
  const returned = await callHook(route, 'onResponse', () => route.onResponse!(hookCtx))
  if (returned !== undefined) throw malformed(route, 'onResponse', 'must return nothing: change ctx.status, ctx.headers or call ctx.setBody', returned)

  const status = hookCtx.status
  if (!Number.isInteger(status) || status < 200 || status > 599) throw malformed(route, 'onResponse', 'ctx.status must be an integer status from 200 to 599', status)
  const raw = rawHeaderList(hookCtx.headers, received)
  if (typeof raw === 'string') throw malformedHeaders(route, 'onResponse', raw)
  // As the proxy reads any header list: repeated fields joined, Set-Cookie kept apart (RFC 9110 §5.3).
  const headers = headersObject(raw) as IncomingHttpHeaders
  // The -v diff shows the response as the upstream sent it, then as the client got it.
  tx.responseHeadersReceived = received

  const body = replaced ?? (read === undefined ? undefined : await read)
  if (body === undefined) {
    // Only the head changed: the body still streams from the upstream.
    if (status !== response.statusCode) response.statusMessage = STATUS_CODES[status] ?? ''
    response.statusCode = status
    response.headers = headers
    return response
  }
  response.destroy()
  delete headers['transfer-encoding']
  // A body the hook set is the bytes it gave: the upstream's coding no longer describes them
  // (unless the hook named a coding of its own).
  if (replaced !== undefined && hookCtx.headers['content-encoding'] === received['content-encoding']) delete headers['content-encoding']
  if (tx.method !== 'HEAD' && status !== 204 && status !== 304) headers['content-length'] = String(body.length)
  return syntheticResponse(status, headers, body)
}

/** The body as a hook reads it: its content coding undone (RFC 9110 §8.4), at most `limit` bytes of it. */
function decode(bytes: Buffer, contentEncoding: string | string[] | undefined, limit: number, route: string): Buffer {
  const coding = codingOf(contentEncoding)
  if (coding.kind === 'identity') return bytes
  if (coding.kind === 'unknown') {
    throw new HookFailure('hook_error', 'onResponse', `the upstream's response is encoded "${coding.coding}", which onResponse cannot decode (it decodes gzip, br and deflate)`, `Ask for a coding devproxy can read: set ctx.headers['accept-encoding'] = 'gzip, br' in onRequest.`)
  }
  try {
    return decodeWhole(coding.coding, bytes, limit)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new HookFailure('upstream_body_too_large', 'onResponse', `the upstream's response body decodes to over ${limit} bytes, the most onResponse's ctx.body() reads on route "${route}"`, 'Raise maxResponseBodyBytes on the route, or use transform to change the body as it streams.')
    }
    throw new HookFailure('upstream_malformed', 'onResponse', `the upstream's response body is not valid ${coding.coding} (${(error as Error).message}), so onResponse could not read it`, 'The upstream sent a Content-Encoding its body does not match.')
  }
}

/** The whole body, up to `limit` bytes; past it, a failure the client gets as 502 upstream_body_too_large. */
function readWhole(response: IncomingMessage, limit: number, route: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let total = 0
    response.on('data', (chunk: Buffer) => {
      total += chunk.length
      if (total > limit) {
        response.destroy()
        reject(new HookFailure('upstream_body_too_large', 'onResponse', `the upstream's response body is over ${limit} bytes, the most onResponse's ctx.body() reads on route "${route}"`, 'Raise maxResponseBodyBytes on the route, or use transform to change the body as it streams.'))
        return
      }
      chunks.push(chunk)
    })
    response.once('end', () => resolve(Buffer.concat(chunks, total)))
    response.once('error', reject)
    response.once('close', () => {
      if (!response.readableEnded && total <= limit) reject(new HookFailure('hook_error', 'onResponse', `the upstream's response broke off after ${total} bytes while onResponse read it`, 'The upstream closed the connection mid-body.'))
    })
  })
}
