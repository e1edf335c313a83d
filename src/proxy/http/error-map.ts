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
  /** A transfer coding other than chunked (RFC 9112 §6.1: 501). */
  | 'unsupported_transfer_coding'
  /** `devproxy replay`: the recorded body is incomplete (cut at --max-body, or cut off), so it is not served as a whole one. */
  | 'replay_truncated'
  /** `devproxy replay`: the recorded request got no response (HAR status 0: a failed request). */
  | 'replay_failed_entry'
  /** `devproxy replay`: a WebSocket upgrade on a route that is not sent live (HAR has no form for WebSocket traffic). */
  | 'replay_websocket_not_recorded'
  /** The upstream's response body is over the route's `maxResponseBodyBytes` (declared: answered 502; mid-stream: cut). */
  | 'upstream_body_too_large'
  /** Plain HTTP sent to a port that speaks HTTPS (nginx answers the same 400). */
  | 'https_required'
  /** An `Upgrade` offer other than WebSocket on an HTTPS connection (ALPN negotiates protocols there). */
  | 'upgrade_not_supported'
  /** A route's own code (`onRequest`, `onResponse`, a mock's `respond`…) threw or returned something it may not. */
  | 'hook_error'
  /** A route's own code ran longer than the route's `hookTimeoutMs`. */
  | 'hook_timeout'
  /** No mock answers the request and the route has no target to send it to. */
  | 'mock_unmatched'

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
 * The certificate checks an https:// target can fail (OpenSSL's X509_V_ERR_* names, as Node
 * reports them, plus Node's own host name check), in words a developer recognises.
 */
const CERTIFICATE_PROBLEMS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'certificate chain ends in a self-signed CA that is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate signed by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate signed by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT: 'certificate signed by an unknown CA',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  ERROR_IN_CERT_NOT_BEFORE_FIELD: 'certificate has an invalid start date',
  ERROR_IN_CERT_NOT_AFTER_FIELD: 'certificate has an invalid expiry date',
  CERT_SIGNATURE_FAILURE: 'certificate signature does not verify',
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: 'certificate signature does not verify',
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 'certificate issuer key cannot be read',
  CERT_REVOKED: 'certificate has been revoked',
  CERT_REJECTED: 'certificate rejected',
  CERT_CHAIN_TOO_LONG: 'certificate chain is too long',
  PATH_LENGTH_EXCEEDED: 'certificate chain is too long',
  INVALID_CA: 'certificate chain holds an invalid CA certificate',
  INVALID_PURPOSE: 'certificate is not for TLS servers',
  HOSTNAME_MISMATCH: 'certificate is for another host name',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate is for another host name',
}

/** A certificate the target's CA did not sign, or that nothing trusts: `ca` fixes these. */
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
])

/** The peer answered the ClientHello with something that is not TLS (a plain HTTP server). */
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST'])

const isTlsCode = (code: string): boolean =>
  Object.hasOwn(CERTIFICATE_PROBLEMS, code) || code === 'EPROTO' || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')

/**
 * Classifies a socket or parser error from one attempt. `connected` says whether the TCP
 * connection was ever established: a reset before that is a connect failure. `handshaking`
 * says the target is https:// and its TLS handshake had not completed (the socket never
 * emitted 'secureConnect'): a connection closed then was closed by a peer that refused the
 * handshake or does not speak TLS, not by a crash mid-request.
 */
export function classifyUpstreamError(error: { code?: string } | undefined, connected: boolean, handshaking = false): UpstreamFailure {
  const code = error?.code ?? ''
  if (code.startsWith('HPE_')) return 'malformed'
  if (isTlsCode(code)) return 'tls'
  if (CONNECT_CODES.has(code) || !connected) return 'connect-failure'
  if (handshaking) return 'tls'
  return 'reset'
}

/**
 * The code to report for an upstream error. Node 20 reports most TLS protocol failures as
 * `EPROTO`, with OpenSSL's reason only in the message (`…:SSL routines:ssl3_get_record:wrong
 * version number:…`); later versions give them codes of their own. This returns the precise
 * code either way (`ERR_SSL_WRONG_VERSION_NUMBER`), so messages and logs can name the problem.
 */
export function upstreamErrorCode(error: { code?: string; message?: string } | undefined): string | undefined {
  const code = error?.code
  if (code !== 'EPROTO') return code
  const reason = /:SSL routines:[^:]*:([a-z0-9 ]+):/i.exec(error?.message ?? '')?.[1]
  return reason === undefined ? code : `ERR_SSL_${reason.trim().toUpperCase().replace(/ +/g, '_')}`
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
  unsupported_transfer_coding: 501,
  replay_truncated: 502,
  replay_failed_entry: 502,
  replay_websocket_not_recorded: 501,
  upstream_body_too_large: 502,
  https_required: 400,
  upgrade_not_supported: 501,
  hook_error: 500,
  hook_timeout: 500,
  mock_unmatched: 404,
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
  /** The route's `ca` file as configured, for a TLS failure's hint: that file did not vouch for the certificate. */
  readonly caFile?: string | undefined
  /** `outbound.ca` when the route is an outbound host's (its CAs are set there, not on a route). */
  readonly caOption?: 'outbound.ca' | undefined
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
      return limits.caOption === 'outbound.ca' ? describeOutboundTlsFailure(target, code, limits.caFile) : describeTlsFailure(target, code, limits.caFile)
    case 'pool-exhausted':
      return {
        message: `all ${limits.maxConnections ?? ''} connections to ${target} stayed busy for connectMs (${limits.connectMs} ms): pool exhausted`.replace('all  ', 'all '),
        hint: 'The upstream is slow to answer the requests already in flight; raise the route maxConnections (or connectMs) if it can take more at once.',
      }
  }
}

const MKCERT_CA = 'mkcert\'s is at $(mkcert -CAROOT)/rootCA.pem'
const OR_INSECURE = 'or secure: false to accept any certificate'

/**
 * An outbound host's certificate was refused: it is trusted through `outbound.ca` (a staging CA)
 * or the system's CAs, and a route of the config can take the host instead (with `secure: false`).
 */
function describeOutboundTlsFailure(target: string, code: string | undefined, caFiles: string | undefined): { message: string; hint: string } {
  const { message } = describeTlsFailure(target, code, caFiles)
  const problem = code === undefined ? undefined : CERTIFICATE_PROBLEMS[code]
  if (problem === undefined || !UNTRUSTED.has(code!)) return { message, hint: `${target} is reached as any client would reach it; is it serving TLS on that port (outbound.resolve)?` }
  const trust = caFiles === undefined ? 'Add the CA that signed it to outbound.ca (e.g. outbound: { ca: ["certs/staging-ca.pem"] })' : `outbound.ca (${caFiles}) does not hold the CA that signed it: add that one`
  return { message, hint: `${trust}, or route the host yourself: a route with host and target (secure: false accepts any certificate).` }
}

function describeTlsFailure(target: string, code: string | undefined, caFile: string | undefined): { message: string; hint: string } {
  const failed = `the TLS handshake with ${target} failed`
  const problem = code === undefined ? undefined : CERTIFICATE_PROBLEMS[code]
  if (code !== undefined && problem !== undefined) {
    const message = `${failed}: ${problem} (${code})`
    if (UNTRUSTED.has(code)) {
      const trust =
        caFile !== undefined
          ? `The route's ca (${caFile}) is not the CA that signed this certificate: point ca at the one that did (${MKCERT_CA}), ${OR_INSECURE}.`
          : code === 'DEPTH_ZERO_SELF_SIGNED_CERT'
            ? `Trust the dev server's own certificate with the route option ca: "path/to/cert.pem", ${OR_INSECURE}.`
            : `Trust the CA that signed it with the route option ca: "path/to/rootCA.pem" (${MKCERT_CA}), ${OR_INSECURE}.`
      return { message, hint: trust }
    }
    if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
      return { message, hint: `Issue the dev server a fresh certificate (and check this machine's clock), ${OR_INSECURE}.` }
    }
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
      return { message, hint: `Point the target at a host name the certificate lists (mkcert localhost 127.0.0.1 ::1 covers those), ${OR_INSECURE}.` }
    }
    return { message, hint: `Give the dev server a valid certificate, ${OR_INSECURE}.` }
  }
  if (code !== undefined && NOT_TLS.has(code)) {
    return {
      message: `${failed}: the target answered without TLS (${code})`,
      hint: `The target port speaks plain HTTP: use http:// for it, not https://.`,
    }
  }
  if (code === undefined || !isTlsCode(code)) {
    // Classified as TLS because the connection closed mid-handshake.
    return {
      message: `${target} closed the connection during the TLS handshake${code ? ` (${code})` : ''}`,
      hint: 'Is this port serving TLS? If it speaks plain HTTP, use http://; otherwise the upstream\'s log says why it refused the handshake.',
    }
  }
  return {
    message: `${failed} (${code})`,
    hint: `Is this port serving TLS? If it speaks plain HTTP, use http://. A dev server with its own CA needs the route option ca: "path/to/rootCA.pem", ${OR_INSECURE}.`,
  }
}
