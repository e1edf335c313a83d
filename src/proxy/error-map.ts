/**
 * The one place that turns what went wrong into what the client gets (DESIGN.md §3).
 * Pure: no sockets here, only codes in and status + JSON body out.
 */

/**
 * How one upstream attempt ended, when it did not end in a response. `connect-timeout` is a
 * connect failure for retries (nothing was sent) and a timeout for the client (504).
 */
export type UpstreamFailure = 'connect-failure' | 'connect-timeout' | 'reset' | 'timeout' | 'malformed' | 'tls' | 'pool-exhausted'

export type ErrorType =
  | 'upstream_connect_failed'
  | 'upstream_timeout'
  | 'upstream_reset'
  | 'upstream_malformed'
  | 'payload_too_large'
  | 'no_route'
  /** HTTP/0.9 and anything else that is not HTTP/1.x (RFC 9110 §15.6.6). */
  | 'unsupported_http_version'
  /** An `x-devproxy-fault` request header that does not name a fault. */
  | 'invalid_fault_header'
  /** A bug in devproxy itself: answered 500 rather than crashing the proxy. */
  | 'proxy_internal_error'
  /** The TLS handshake with an https:// target failed (untrusted or invalid certificate, not TLS at all). */
  | 'upstream_tls_failed'
  /** Every connection to the target (`maxConnections`) stayed busy for longer than `connectMs`. */
  | 'upstream_pool_exhausted'
  /** The client stopped sending its request body for longer than `uploadIdleMs` (RFC 9110 §15.5.9). */
  | 'request_timeout'
  /** The request already passed through this proxy: its Via names this instance (RFC 9110 §7.6.3). */
  | 'loop_detected'
  /** A request HTTP/1.1 forbids (two Host fields, RFC 9112 §3.2) that the parser let through. */
  | 'bad_request'
  /** More request header fields than the proxy can forward whole (RFC 6585 §5). */
  | 'request_header_fields_too_large'
  /** CONNECT (a forward-proxy tunnel, RFC 9110 §9.3.6): devproxy is a reverse proxy. */
  | 'connect_not_supported'

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
])

/**
 * Classifies a socket or parser error from one attempt. `connected` says whether the TCP
 * connection was ever established: a reset before that is a connect failure.
 */
export function classifyUpstreamError(error: { code?: string } | undefined, connected: boolean): UpstreamFailure {
  const code = error?.code ?? ''
  if (code.startsWith('HPE_')) return 'malformed'
  if (CONNECT_CODES.has(code) || !connected) return 'connect-failure'
  return 'reset'
}

export const FAILURE_TYPES: Readonly<Record<UpstreamFailure, ErrorType>> = {
  'connect-failure': 'upstream_connect_failed',
  'connect-timeout': 'upstream_timeout',
  reset: 'upstream_reset',
  timeout: 'upstream_timeout',
  malformed: 'upstream_malformed',
  tls: 'upstream_tls_failed',
  'pool-exhausted': 'upstream_pool_exhausted',
}

const STATUS: Readonly<Record<ErrorType, number>> = {
  upstream_connect_failed: 502,
  upstream_timeout: 504,
  upstream_reset: 502,
  upstream_malformed: 502,
  payload_too_large: 413,
  no_route: 404,
  invalid_fault_header: 400,
  unsupported_http_version: 505,
  proxy_internal_error: 500,
  upstream_tls_failed: 502,
  upstream_pool_exhausted: 502,
  request_timeout: 408,
  loop_detected: 508,
  bad_request: 400,
  request_header_fields_too_large: 431,
  connect_not_supported: 501,
}

export interface ErrorDetails {
  readonly message: string
  readonly route?: string | undefined
  readonly target?: string | undefined
  readonly attempts?: number | undefined
  readonly hint?: string | undefined
  /** Extra fields for this error type, e.g. the route list of a `no_route`. */
  readonly extra?: Readonly<Record<string, unknown>> | undefined
}

export interface ErrorResponse {
  readonly status: number
  readonly type: ErrorType
  readonly body: string
}

export function buildErrorResponse(type: ErrorType, details: ErrorDetails): ErrorResponse {
  const error: Record<string, unknown> = {
    type,
    message: details.message,
    route: details.route ?? null,
    target: details.target ?? null,
    attempts: details.attempts ?? 0,
    hint: details.hint ?? null,
    ...details.extra,
  }
  return { status: STATUS[type], type, body: JSON.stringify({ error }) + '\n' }
}

/** The limits a failure message may quote. */
export interface FailureLimits {
  /** The response-headers timeout that fired (the route's `timeoutMs`, or what was left of the retry budget). */
  readonly timeoutMs: number
  readonly connectMs?: number | undefined
  /** Set when the retry budget, not `timeoutMs`, cut the attempt short. */
  readonly budgetMs?: number | undefined
  /** The route's per-target connection limit, for a pool-exhausted message. */
  readonly maxConnections?: number | undefined
}

/** Message and hint for a failed attempt, in the words a developer would look for. */
export function describeFailure(failure: UpstreamFailure, target: string, code: string | undefined, limits: FailureLimits): { message: string; hint: string } {
  switch (failure) {
    case 'connect-failure':
      return {
        message: `could not connect to ${target}${code ? ` (${code})` : ''}`,
        hint: `Is the service running? Start it, or point the route at the right port.`,
      }
    case 'connect-timeout':
      return {
        message: `connecting to ${target} took longer than connectMs (${limits.connectMs} ms)`,
        hint: 'The host does not answer; is the target address right? Raise the route connectMs if connecting is just slow.',
      }
    case 'timeout':
      if (limits.budgetMs !== undefined) {
        return {
          message: `${target} sent no response headers before the retry budget (budgetMs ${limits.budgetMs} ms) ran out`,
          hint: 'The upstream is slow or stuck; raise retry.budgetMs or lower the number of attempts.',
        }
      }
      return {
        message: `${target} sent no response headers within timeoutMs (${limits.timeoutMs} ms)`,
        hint: 'The upstream is slow or stuck; raise the route timeoutMs if this is expected.',
      }
    case 'reset':
      return {
        message: `${target} closed the connection before sending complete response headers${code ? ` (${code})` : ''}`,
        hint: 'The upstream crashed or dropped the request; check its logs.',
      }
    case 'malformed':
      return {
        message: `${target} sent a response that is not valid HTTP${code ? ` (${code})` : ''}`,
        hint: 'The upstream wrote something other than HTTP/1.x; is the target port right?',
      }
    case 'tls':
      return {
        message: `the TLS handshake with ${target} failed${code ? ` (${code})` : ''}`,
        hint: 'For a dev server with a self-signed or mkcert certificate, give the route ca: "path/to/rootCA.pem", or secure: false to accept any certificate.',
      }
    case 'pool-exhausted':
      return {
        message: `all ${limits.maxConnections ?? ''} connections to ${target} stayed busy for connectMs (${limits.connectMs} ms): pool exhausted`.replace('all  ', 'all '),
        hint: 'The upstream is slow to answer the requests already in flight; raise the route maxConnections (or connectMs) if it can take more at once.',
      }
  }
}
