import type { HookBody, HookRequestInfo } from '../config/route-code.js'
import type { ResolvedRoute } from '../config/types.js'
import type { OnRequestContext } from './config-types.js'
import type { BeforeForwardContext } from '../proxy/index.js'
import { callHookNow, isThenable, malformed, malformedHeaders } from './call.js'
import { parseJsonBody } from './parse-json.js'
import { rawHeaderList, receivedNameCase, sameHeaders, withoutPseudoHeaders } from './request-info.js'

/** What onRequest changed; undefined: left as it was. */
export interface Changes {
  method: string | undefined
  path: string | undefined
  headers: readonly string[] | undefined
  body: Buffer | undefined
}

export type OnRequestOutcome =
  | { readonly kind: 'forward'; readonly changes: Changes }
  | { readonly kind: 'answer'; readonly returned: unknown }

/**
 * Runs `onRequest` on a context the hook may change, then reads back what it changed: the
 * method, path, header fields and body forwarded — each checked, since a hook can put anything
 * there — or the answer it returned instead. A hook that returns no promise is run and read
 * back in the same tick: a trivial hook adds no promise to the request path.
 */
export function runOnRequest(route: ResolvedRoute, ctx: BeforeForwardContext, info: HookRequestInfo): OnRequestOutcome | Promise<OnRequestOutcome> {
  const hookCtx = new RequestContext(route, ctx, info)
  const returned = callHookNow(route, 'onRequest', () => route.onRequest!(hookCtx))
  return isThenable(returned) ? Promise.resolve(returned).then((value) => readBack(route, ctx, hookCtx, value)) : readBack(route, ctx, hookCtx, returned)
}

/**
 * The `ctx` onRequest gets: a class rather than an object literal, so that a request costs one
 * object, not a closure per method and an accessor defined at run time.
 */
class RequestContext implements OnRequestContext {
  method: string
  path: string
  headers: Record<string, string | string[] | undefined>
  replaced: Buffer | undefined
  readonly #route: ResolvedRoute
  readonly #forwarding: BeforeForwardContext

  constructor(route: ResolvedRoute, forwarding: BeforeForwardContext, readonly received: HookRequestInfo) {
    this.#route = route
    this.#forwarding = forwarding
    this.method = forwarding.tx.method
    this.path = forwarding.forwardPath
    // HTTP/2 pseudo-header fields (`:path`) are the request line, not fields a hook forwards.
    this.headers = withoutPseudoHeaders(forwarding.req.headers)
  }

  get route(): string {
    return this.received.route
  }

  get url(): string {
    return this.received.url
  }

  get client(): HookRequestInfo['client'] {
    return this.received.client
  }

  async body(): Promise<Uint8Array> {
    return (await this.#forwarding.readBody()) ?? Buffer.alloc(0)
  }

  async text(): Promise<string> {
    return (await this.#forwarding.readBody())?.toString('utf8') ?? ''
  }

  async json(): Promise<unknown> {
    return parseJsonBody(await this.#forwarding.readBody(), 'request')
  }

  setBody(body: HookBody): void {
    if (typeof body === 'string') this.replaced = Buffer.from(body, 'utf8')
    else if (body instanceof Uint8Array) this.replaced = Buffer.from(body)
    else throw malformed(this.#route, 'onRequest', 'ctx.setBody takes a string or bytes (use JSON.stringify for an object)', body)
  }
}

function readBack(route: ResolvedRoute, ctx: BeforeForwardContext, hookCtx: RequestContext, returned: unknown): OnRequestOutcome {
  if (returned !== undefined && returned !== null) return { kind: 'answer', returned }

  // Every field set (undefined: unchanged), so that each request's plan has one shape.
  const changes: Changes = { method: undefined, path: undefined, headers: undefined, body: hookCtx.replaced }
  if (hookCtx.method !== ctx.tx.method) {
    if (typeof hookCtx.method !== 'string' || !METHOD.test(hookCtx.method)) throw malformed(route, 'onRequest', 'ctx.method must be a method name such as "POST"', hookCtx.method)
    changes.method = hookCtx.method.toUpperCase()
  }
  if (hookCtx.path !== ctx.forwardPath) {
    // RFC 9112 §3.2: origin form; a space or control character would break the request line.
    if (typeof hookCtx.path !== 'string' || !hookCtx.path.startsWith('/') || /[\s\0-\x1f\x7f]/.test(hookCtx.path)) throw malformed(route, 'onRequest', 'ctx.path must be a path starting with "/" (with its query), without spaces', hookCtx.path)
    changes.path = hookCtx.path
  }
  const received = ctx.req.headers
  if (!sameHeaders(received, hookCtx.headers)) {
    // Fields keep the letter case the client sent them in, as they do without a hook (README).
    const raw = rawHeaderList(hookCtx.headers, received, receivedNameCase(ctx.req.rawHeaders))
    if (typeof raw === 'string') throw malformedHeaders(route, 'onRequest', raw)
    changes.headers = raw
  }
  return { kind: 'forward', changes }
}

const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
