import type { HookRequestInfo, OnRequestContext, ResolvedRoute } from '../config/types.js'
import type { BeforeForwardContext } from '../proxy/route-program.js'
import { callHook, malformed } from './call.js'
import { parseJsonBody } from './parse-json.js'
import { rawHeaderList, sameHeaders, withoutPseudoHeaders } from './request-info.js'

export type OnRequestOutcome =
  | { readonly kind: 'forward'; readonly changes: { method?: string; path?: string; headers?: readonly string[]; body?: Buffer } }
  | { readonly kind: 'answer'; readonly returned: unknown }

/**
 * Runs `onRequest` on a context the hook may change, then reads back what it changed: the
 * method, path, header fields and body forwarded — each checked, since a hook can put anything
 * there — or the answer it returned instead.
 */
export async function runOnRequest(route: ResolvedRoute, ctx: BeforeForwardContext, info: HookRequestInfo): Promise<OnRequestOutcome> {
  // HTTP/2 pseudo-header fields (`:path`) are the request line, not fields a hook forwards.
  const received = ctx.req.headers
  let replaced: Buffer | undefined
  const hookCtx: OnRequestContext = {
    route: info.route,
    url: info.url,
    get client() {
      return info.client
    },
    method: ctx.tx.method,
    path: ctx.forwardPath,
    headers: withoutPseudoHeaders(received),
    received: info,
    body: async () => (await ctx.readBody()) ?? Buffer.alloc(0),
    text: async () => (await ctx.readBody())?.toString('utf8') ?? '',
    json: async () => parseJsonBody(await ctx.readBody(), 'request'),
    setBody(body) {
      if (typeof body === 'string') replaced = Buffer.from(body, 'utf8')
      else if (body instanceof Uint8Array) replaced = Buffer.from(body)
      else throw malformed(route, 'onRequest', 'ctx.setBody takes a string or bytes (use JSON.stringify for an object)', body)
    },
  }
  const returned = await callHook(route, 'onRequest', () => route.onRequest!(hookCtx))
  if (returned !== undefined && returned !== null) return { kind: 'answer', returned }

  const changes: { method?: string; path?: string; headers?: readonly string[]; body?: Buffer } = {}
  if (hookCtx.method !== ctx.tx.method) {
    if (typeof hookCtx.method !== 'string' || !METHOD.test(hookCtx.method)) throw malformed(route, 'onRequest', 'ctx.method must be a method name such as "POST"', hookCtx.method)
    changes.method = hookCtx.method.toUpperCase()
  }
  if (hookCtx.path !== ctx.forwardPath) {
    // RFC 9112 §3.2: origin form; a space or control character would break the request line.
    if (typeof hookCtx.path !== 'string' || !hookCtx.path.startsWith('/') || /[\s\0-\x1f\x7f]/.test(hookCtx.path)) throw malformed(route, 'onRequest', 'ctx.path must be a path starting with "/" (with its query), without spaces', hookCtx.path)
    changes.path = hookCtx.path
  }
  if (!sameHeaders(received, hookCtx.headers)) {
    const raw = rawHeaderList(hookCtx.headers)
    if (typeof raw === 'string') throw malformed(route, 'onRequest', `ctx.headers ${raw}`, hookCtx.headers)
    changes.headers = raw
  }
  if (replaced !== undefined) changes.body = replaced
  return { kind: 'forward', changes }
}

const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
