import { describe, expect, it } from 'vitest'
import {
  buildErrorResponse,
  classifyUpstreamError,
  describeFailure,
  type ErrorType,
  FAILURE_TYPES,
} from '../../src/proxy/error-map.js'

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
