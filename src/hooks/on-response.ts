import { STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import type { OnResponseContext } from '../config/types.js'
import type { AfterResponseContext } from '../proxy/route-program.js'
import { headersObject } from '../proxy/headers.js'
import { syntheticResponse } from '../proxy/stand-in.js'
import { callHook, HookFailure, malformed } from './call.js'
import { parseJsonBody } from './parse-json.js'
import { forwardedRequestInfo, rawHeaderList } from './request-info.js'

/** What `ctx.body()` reads at most when the route sets no maxResponseBodyBytes. */
export const DEFAULT_HOOK_BODY_BYTES = 10 * 1024 * 1024

/**
 * Runs `onResponse` and returns the response to send: the same one with the status and
 * header fields the hook left (a hook that only looks costs nothing more), or — when it read
 * or replaced the body — a new one holding that body, its Content-Length to match.
 */
export async function runOnResponse(ctx: AfterResponseContext): Promise<IncomingMessage> {
  const { route, tx, response } = ctx
  const received = response.headers
  const limit = route.maxResponseBodyBytes ?? DEFAULT_HOOK_BODY_BYTES
  let read: Promise<Buffer> | undefined
  let replaced: Buffer | undefined
  const readBody = () => (read ??= readWhole(response, limit, route.name))
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
  const raw = rawHeaderList(hookCtx.headers)
  if (typeof raw === 'string') throw malformed(route, 'onResponse', `ctx.headers ${raw}`, hookCtx.headers)
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
  if (tx.method !== 'HEAD' && status !== 204 && status !== 304) headers['content-length'] = String(body.length)
  return syntheticResponse(status, headers, body)
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
