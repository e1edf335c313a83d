import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'

/**
 * The control server's request and reply plumbing, shared by its own routes and the
 * inspector's: a table of paths and methods, JSON in and out, errors as `ErrorBody`.
 */

/**
 * Every error answer. `issues` lists what is wrong with a posted fault, one per field; `routes`
 * names the proxy's routes when a fault names none of them (`fault_never_matches`, 422).
 */
export interface ErrorBody {
  readonly error: {
    readonly type: string
    readonly message: string
    readonly issues?: ReadonlyArray<{ readonly path: string; readonly message: string; readonly suggestion?: string }>
    readonly routes?: readonly string[]
  }
}

/** A posted body larger than this is refused (413): a list of faults is a few hundred bytes. */
export const MAX_CONTROL_BODY_BYTES = 64 * 1024

/** JSON (`body`), bytes as they are with their own `content-type` (`raw`), or `ANSWERED`. */
export type Reply =
  | { readonly status: number; readonly body?: unknown; readonly headers?: OutgoingHttpHeaders }
  | { readonly status: number; readonly raw: string | Buffer; readonly headers: OutgoingHttpHeaders }
  | typeof ANSWERED

/** The handler wrote the answer itself and keeps the response (server-sent events). */
export const ANSWERED = Symbol('answered')

export type Handler = (req: IncomingMessage, params: readonly string[], res: ServerResponse) => Reply | Promise<Reply>

export interface ApiRoute {
  readonly pattern: RegExp
  readonly methods: Readonly<Record<string, Handler>>
  /**
   * Who may call it. `token` (default): the bearer token from the state file. `session`: the
   * token, or a browser holding an inspector session cookie. `anyone` on the right Host: the
   * handler checks a credential of its own (the inspector's one-time login link).
   */
  readonly auth?: 'token' | 'session' | 'anyone'
  /** It answers a browser with HTML: a refusal is a page too. */
  readonly page?: boolean
}

/** Each path with the handler per method; anything else is a 404, or a 405 naming the methods. */
export type RouteTable = readonly ApiRoute[]

/** An answer other than success, thrown by a handler. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly issues?: ErrorBody['error']['issues'],
    readonly routes?: readonly string[],
  ) {
    super(message)
  }
}

export function findRoute(routes: RouteTable, path: string): { route: ApiRoute; params: string[] } | undefined {
  for (const route of routes) {
    const match = route.pattern.exec(path)
    if (match) return { route, params: match.slice(1) }
  }
  return undefined
}

export async function dispatch(found: ReturnType<typeof findRoute>, req: IncomingMessage, res: ServerResponse): Promise<Reply> {
  const path = pathOf(req)
  if (found === undefined) throw new ApiError(404, 'not_found', `no such endpoint: ${path}`)
  const handler = found.route.methods[req.method ?? '']
  if (!handler) throw new ApiError(405, 'method_not_allowed', `${req.method} is not allowed on ${path}; use ${Object.keys(found.route.methods).join(', ')}`)
  let params: string[]
  try {
    params = found.params.map(decodeURIComponent)
  } catch {
    throw new ApiError(400, 'bad_request', `the path ${path} is not validly percent-encoded`)
  }
  return handler(req, params, res)
}

export function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://127.0.0.1').pathname
  } catch {
    return req.url ?? '/'
  }
}

/** The request's query parameters. */
export function queryOf(req: IncomingMessage): URLSearchParams {
  try {
    return new URL(req.url ?? '/', 'http://127.0.0.1').searchParams
  } catch {
    return new URLSearchParams()
  }
}

export function readJsonBody(req: IncomingMessage, maxBytes = MAX_CONTROL_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers['content-length'])
  if (declared > maxBytes) return Promise.reject(tooLarge(maxBytes))
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        req.removeAllListeners('data')
        req.pause()
        reject(tooLarge(maxBytes))
      } else chunks.push(chunk)
    })
    req.on('error', reject)
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      try {
        resolve(JSON.parse(text))
      } catch {
        reject(new ApiError(400, 'invalid_json', text === '' ? 'the request needs a JSON body' : 'the body is not valid JSON'))
      }
    })
  })
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'payload_too_large', `the body is over ${maxBytes} bytes`)
}

export function sendReply(res: ServerResponse, reply: Exclude<Reply, typeof ANSWERED>): void {
  if ('raw' in reply) {
    res.writeHead(reply.status, { 'content-length': Buffer.byteLength(reply.raw), 'x-content-type-options': 'nosniff', ...reply.headers })
    res.end(reply.raw)
    return
  }
  sendJson(res, reply.status, reply.body, reply.headers)
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status, { 'cache-control': 'no-store', ...headers })
    res.end()
    return
  }
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  })
  res.end(text)
}
