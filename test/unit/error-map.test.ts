import { describe, expect, it } from 'vitest'
import {
  buildErrorResponse,
  classifyUpstreamError,
  describeFailure,
  type ErrorType,
  FAILURE_TYPES,
  upstreamErrorCode,
} from '../../src/proxy/http/error-map.js'

describe('classifyUpstreamError: how an attempt failed', () => {
  it.each([
    { code: 'ECONNREFUSED', connected: false, failure: 'connect-failure' },
    { code: 'ENOTFOUND', connected: false, failure: 'connect-failure' },
    { code: 'EAI_AGAIN', connected: false, failure: 'connect-failure' },
    { code: 'EHOSTUNREACH', connected: false, failure: 'connect-failure' },
    { code: 'ENETUNREACH', connected: false, failure: 'connect-failure' },
    { code: 'ECONNREFUSED', connected: true, failure: 'connect-failure' },
    { code: 'ECONNRESET', connected: true, failure: 'reset' },
    { code: 'ECONNRESET', connected: false, failure: 'connect-failure' },
    { code: 'EPIPE', connected: true, failure: 'reset' },
    { code: 'HPE_INVALID_CONSTANT', connected: true, failure: 'malformed' },
    { code: 'HPE_INVALID_HEADER_TOKEN', connected: true, failure: 'malformed' },
    { code: undefined, connected: true, failure: 'reset' },
    { code: undefined, connected: false, failure: 'connect-failure' },
  ])('$code (connected: $connected) → $failure', ({ code, connected, failure }) => {
    expect(classifyUpstreamError(code === undefined ? {} : { code }, connected)).toBe(failure)
  })

  it('no error object at all, after connecting → reset', () => {
    expect(classifyUpstreamError(undefined, true)).toBe('reset')
  })
})

describe('classifyUpstreamError: TLS failures of an https:// target', () => {
  it.each([
    // Certificate verification (OpenSSL's names as Node reports them).
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'UNABLE_TO_GET_ISSUER_CERT',
    'CERT_HAS_EXPIRED',
    'CERT_NOT_YET_VALID',
    'CERT_UNTRUSTED',
    'INVALID_CA',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    // Protocol: the peer is not TLS (Node 20: EPROTO "wrong version number"), or refused it.
    'EPROTO',
    'ERR_SSL_WRONG_VERSION_NUMBER',
    'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
    'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
  ])('%s → tls', (code) => {
    expect(classifyUpstreamError({ code }, true)).toBe('tls')
    expect(classifyUpstreamError({ code }, true, true)).toBe('tls')
  })

  it.each([
    { code: 'ECONNRESET', connected: true, handshaking: true, failure: 'tls', why: 'closed mid-handshake' },
    { code: 'EPIPE', connected: true, handshaking: true, failure: 'tls', why: 'closed mid-handshake' },
    { code: undefined, connected: true, handshaking: true, failure: 'tls', why: 'closed mid-handshake' },
    { code: 'ECONNRESET', connected: true, handshaking: false, failure: 'reset', why: 'after the handshake: a crash mid-request' },
    { code: 'ECONNRESET', connected: false, handshaking: true, failure: 'connect-failure', why: 'before TCP connected' },
    { code: 'ECONNREFUSED', connected: false, handshaking: true, failure: 'connect-failure', why: 'nothing listening' },
    { code: 'HPE_INVALID_CONSTANT', connected: true, handshaking: false, failure: 'malformed', why: 'parser error after TLS' },
  ] as const)('$code (connected: $connected, handshaking: $handshaking) → $failure: $why', ({ code, connected, handshaking, failure }) => {
    expect(classifyUpstreamError(code === undefined ? {} : { code }, connected, handshaking)).toBe(failure)
  })
})

describe('upstreamErrorCode: the precise code of an upstream error', () => {
  it.each([
    {
      why: 'Node 20 reports a plain-HTTP peer as EPROTO; the reason is in the message',
      error: { code: 'EPROTO', message: 'write EPROTO 80AC2208607F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n' },
      code: 'ERR_SSL_WRONG_VERSION_NUMBER',
    },
    {
      why: 'OpenSSL 3 messages may leave the function name out',
      error: { code: 'EPROTO', message: 'C0:error:0A000410:SSL routines::sslv3 alert handshake failure:ssl/record/rec_layer_s3.c:1605:' },
      code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
    },
    { why: 'an EPROTO without an OpenSSL reason stays EPROTO', error: { code: 'EPROTO', message: 'write EPROTO' }, code: 'EPROTO' },
    { why: 'other codes pass through', error: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' }, code: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
    { why: 'no code at all', error: { message: 'socket hang up' }, code: undefined },
  ])('$why → $code', ({ error, code }) => {
    expect(upstreamErrorCode(error)).toBe(code)
  })

  it('no error object → undefined', () => {
    expect(upstreamErrorCode(undefined)).toBeUndefined()
  })
})

describe('FAILURE_TYPES: failure kind → error.type', () => {
  it.each([
    { failure: 'connect-failure', type: 'upstream_connect_failed' },
    { failure: 'reset', type: 'upstream_reset' },
    { failure: 'timeout', type: 'upstream_timeout' },
    { failure: 'malformed', type: 'upstream_malformed' },
  ] as const)('$failure → $type', ({ failure, type }) => {
    expect(FAILURE_TYPES[failure]).toBe(type)
  })
})

describe('buildErrorResponse: status per error type (DESIGN.md §3)', () => {
  it.each([
    { type: 'upstream_connect_failed', status: 502 },
    { type: 'upstream_timeout', status: 504 },
    { type: 'upstream_reset', status: 502 },
    { type: 'upstream_malformed', status: 502 },
    { type: 'payload_too_large', status: 413 },
    { type: 'no_route', status: 404 },
  ] satisfies { type: ErrorType; status: number }[])('$type → $status', ({ type, status }) => {
    const response = buildErrorResponse(type, { message: 'm' })
    expect(response.status).toBe(status)
    expect(response.type).toBe(type)
    expect(JSON.parse(response.body).error.type).toBe(type)
  })
})

describe('buildErrorResponse: body shape {"error":{type,message,route,target,attempts,hint}}', () => {
  it('carries every detail given', () => {
    const response = buildErrorResponse('upstream_timeout', {
      message: 'http://localhost:3000 sent no response headers within 30000 ms',
      route: 'api',
      target: 'http://localhost:3000',
      attempts: 2,
      hint: 'raise timeoutMs',
    })
    expect(JSON.parse(response.body)).toEqual({
      error: {
        type: 'upstream_timeout',
        message: 'http://localhost:3000 sent no response headers within 30000 ms',
        route: 'api',
        target: 'http://localhost:3000',
        attempts: 2,
        hint: 'raise timeoutMs',
      },
    })
  })

  it('fills the fields it was not given with null (attempts: 0), so the shape never varies', () => {
    expect(JSON.parse(buildErrorResponse('no_route', { message: 'no route matches GET /x' }).body)).toEqual({
      error: { type: 'no_route', message: 'no route matches GET /x', route: null, target: null, attempts: 0, hint: null },
    })
  })

  it('adds extra fields, such as the route list of a miss', () => {
    const routes = [{ name: 'api', path: '/api', target: 'http://localhost:3000' }]
    const body = JSON.parse(buildErrorResponse('no_route', { message: 'm', extra: { routes } }).body)
    expect(body.error.routes).toEqual(routes)
    expect(Object.keys(body.error)).toEqual(['type', 'message', 'route', 'target', 'attempts', 'hint', 'routes'])
  })

  it('is one line of JSON ending in a newline', () => {
    const { body } = buildErrorResponse('upstream_reset', { message: 'a\nb' })
    expect(body.endsWith('\n')).toBe(true)
    expect(body.slice(0, -1)).not.toContain('\n')
  })
})

describe('describeFailure: message and hint in the words a developer looks for', () => {
  const target = 'http://localhost:3000'

  it.each([
    { failure: 'connect-failure', code: 'ECONNREFUSED', message: 'could not connect to http://localhost:3000 (ECONNREFUSED)' },
    { failure: 'connect-failure', code: undefined, message: 'could not connect to http://localhost:3000' },
    { failure: 'timeout', code: undefined, message: 'http://localhost:3000 sent no response headers within timeoutMs (1500 ms)' },
    { failure: 'connect-timeout', code: undefined, message: 'connecting to http://localhost:3000 took longer than connectMs (250 ms)' },
    { failure: 'reset', code: 'ECONNRESET', message: 'http://localhost:3000 closed the connection before sending complete response headers (ECONNRESET)' },
    { failure: 'malformed', code: 'HPE_INVALID_CONSTANT', message: 'http://localhost:3000 sent a response that is not valid HTTP (HPE_INVALID_CONSTANT)' },
  ] as const)('$failure ($code) → "$message"', ({ failure, code, message }) => {
    const described = describeFailure(failure, target, code, { timeoutMs: 1500, connectMs: 250 })
    expect(described.message).toBe(message)
    expect(described.hint.length).toBeGreaterThan(0)
  })

  it('the timeout hint points at timeoutMs', () => {
    expect(describeFailure('timeout', target, undefined, { timeoutMs: 1500 }).hint).toContain('timeoutMs')
  })

  it('a timeout cut short by the retry budget says so', () => {
    const described = describeFailure('timeout', target, undefined, { timeoutMs: 300, budgetMs: 2000 })
    expect(described.message).toBe('http://localhost:3000 sent no response headers before the retry budget (budgetMs 2000 ms) ran out')
    expect(described.hint).toContain('budgetMs')
  })

  it('a connect timeout is a 504 upstream_timeout', () => {
    expect(FAILURE_TYPES['connect-timeout']).toBe('upstream_timeout')
  })
})

describe('describeFailure: a TLS failure names the certificate problem and what to do', () => {
  const target = 'https://localhost:8443'
  const failed = 'the TLS handshake with https://localhost:8443 failed'

  it('is a 502 upstream_tls_failed', () => {
    expect(FAILURE_TYPES.tls).toBe('upstream_tls_failed')
    expect(buildErrorResponse('upstream_tls_failed', { message: 'm' }).status).toBe(502)
  })

  it.each([
    { code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: `${failed}: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)`, hint: ['ca: "path/to/cert.pem"', 'secure: false'] },
    { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', message: `${failed}: certificate signed by an unknown CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`, hint: ['ca: "path/to/rootCA.pem"', '$(mkcert -CAROOT)/rootCA.pem', 'secure: false'] },
    { code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', message: `${failed}: certificate signed by an unknown CA (UNABLE_TO_GET_ISSUER_CERT_LOCALLY)`, hint: ['ca: "path/to/rootCA.pem"', 'secure: false'] },
    { code: 'SELF_SIGNED_CERT_IN_CHAIN', message: `${failed}: certificate chain ends in a self-signed CA that is not trusted (SELF_SIGNED_CERT_IN_CHAIN)`, hint: ['ca: "path/to/rootCA.pem"', 'secure: false'] },
    { code: 'CERT_HAS_EXPIRED', message: `${failed}: certificate has expired (CERT_HAS_EXPIRED)`, hint: ['fresh certificate', 'secure: false'] },
    { code: 'CERT_NOT_YET_VALID', message: `${failed}: certificate is not yet valid (CERT_NOT_YET_VALID)`, hint: ["machine's clock", 'secure: false'] },
    { code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: `${failed}: certificate is for another host name (ERR_TLS_CERT_ALTNAME_INVALID)`, hint: ['host name the certificate lists', 'secure: false'] },
    { code: 'INVALID_CA', message: `${failed}: certificate chain holds an invalid CA certificate (INVALID_CA)`, hint: ['valid certificate', 'secure: false'] },
    { code: 'ERR_SSL_WRONG_VERSION_NUMBER', message: `${failed}: the target answered without TLS (ERR_SSL_WRONG_VERSION_NUMBER)`, hint: ['the target port speaks plain HTTP: use http://'] },
    { code: 'ECONNRESET', message: 'https://localhost:8443 closed the connection during the TLS handshake (ECONNRESET)', hint: ['serving TLS', 'use http://'] },
    { code: undefined, message: 'https://localhost:8443 closed the connection during the TLS handshake', hint: ['serving TLS'] },
    { code: 'EPROTO', message: `${failed} (EPROTO)`, hint: ['use http://', 'ca:', 'secure: false'] },
    { code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', message: `${failed} (ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE)`, hint: ['serving TLS'] },
  ])('$code → "$message"', ({ code, message, hint }) => {
    const described = describeFailure('tls', target, code, { timeoutMs: 30_000 })
    expect(described.message).toBe(message)
    for (const words of hint) expect(described.hint.toLowerCase()).toContain(words.toLowerCase())
  })

  it("with a ca configured, an untrusted certificate's hint says that ca did not sign it", () => {
    const described = describeFailure('tls', target, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', { timeoutMs: 30_000, caFile: 'certs/other-ca.pem' })
    expect(described.hint).toContain("The route's ca (certs/other-ca.pem) is not the CA that signed this certificate")
  })
})
