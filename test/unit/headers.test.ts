import type { IncomingHttpHeaders } from 'node:http'
import { describe, expect, it } from 'vitest'
import type { HeaderRules } from '../../src/config/types.js'
import {
  buildForwardHeaders,
  buildResponseHeaders,
  clientAddress,
  connectionTokens,
  type ForwardHeaderContext,
  VIA,
} from '../../src/proxy/headers.js'

function ctx(overrides: Partial<ForwardHeaderContext> = {}): ForwardHeaderContext {
  return { clientIp: '10.0.0.5', targetHost: undefined, upgrade: false, rules: {}, attempt: 1, ...overrides }
}

const base: IncomingHttpHeaders = { host: 'app.localhost:8080', accept: 'application/json' }

describe('buildForwardHeaders: hop-by-hop fields are not forwarded (RFC 9110 §7.6.1)', () => {
  it.each([
    { name: 'connection', value: 'keep-alive' },
    { name: 'keep-alive', value: 'timeout=5' },
    { name: 'proxy-connection', value: 'keep-alive' },
    { name: 'te', value: 'trailers' },
    { name: 'trailer', value: 'x-checksum' },
    { name: 'upgrade', value: 'websocket' },
  ])('$name: $value is removed', ({ name, value }) => {
    const out = buildForwardHeaders({ ...base, [name]: value }, ctx())
    expect(out).not.toHaveProperty(name)
    expect(out.accept).toBe('application/json')
  })

  it.each([
    { received: 'chunked', forwarded: 'chunked' },
    { received: 'gzip, chunked', forwarded: 'chunked' },
  ])('transfer-encoding: $received is replaced by $forwarded', ({ received, forwarded }) => {
    expect(buildForwardHeaders({ ...base, 'transfer-encoding': received }, ctx())['transfer-encoding']).toBe(forwarded)
  })

  it('transfer-encoding is not invented when the client sent none', () => {
    expect(buildForwardHeaders({ ...base, 'content-length': '3' }, ctx())).not.toHaveProperty('transfer-encoding')
  })

  it('fields named in Connection are removed, others kept', () => {
    const out = buildForwardHeaders(
      { ...base, connection: 'close, X-Session-Hint , keep-alive', 'x-session-hint': 'abc', 'x-keep': '1' },
      ctx(),
    )
    expect(out).not.toHaveProperty('x-session-hint')
    expect(out).not.toHaveProperty('connection')
    expect(out['x-keep']).toBe('1')
  })

  it('expect is removed: the proxy already answered 100-continue', () => {
    expect(buildForwardHeaders({ ...base, expect: '100-continue' }, ctx())).not.toHaveProperty('expect')
  })

  it('end-to-end fields are copied unchanged', () => {
    const received = { ...base, cookie: 'a=1', authorization: 'Bearer t', 'content-type': 'text/plain', 'set-cookie': ['a', 'b'] }
    const out = buildForwardHeaders(received, ctx())
    expect(out).toMatchObject({ cookie: 'a=1', authorization: 'Bearer t', 'content-type': 'text/plain', 'set-cookie': ['a', 'b'] })
  })

  it('does not modify the received headers', () => {
    const received = { ...base, connection: 'close', 'x-forwarded-for': '1.2.3.4' }
    const snapshot = structuredClone(received)
    buildForwardHeaders(received, ctx({ rules: { accept: null }, targetHost: 'localhost:3000' }))
    expect(received).toEqual(snapshot)
  })
})

describe('buildForwardHeaders: X-Forwarded-* and Via', () => {
  it.each([
    { received: undefined, forwarded: '10.0.0.5', why: 'a new list' },
    { received: '', forwarded: '10.0.0.5', why: 'an empty value is a new list' },
    { received: '203.0.113.1', forwarded: '203.0.113.1, 10.0.0.5', why: 'appended to one entry' },
    { received: '203.0.113.1, 198.51.100.2', forwarded: '203.0.113.1, 198.51.100.2, 10.0.0.5', why: 'appended to a list' },
  ])('x-forwarded-for $received → $forwarded ($why)', ({ received, forwarded }) => {
    const headers: IncomingHttpHeaders = { ...base }
    if (received !== undefined) headers['x-forwarded-for'] = received
    expect(buildForwardHeaders(headers, ctx())['x-forwarded-for']).toBe(forwarded)
  })

  it('x-forwarded-proto is set to http', () => {
    expect(buildForwardHeaders({ ...base, 'x-forwarded-proto': 'https' }, ctx())['x-forwarded-proto']).toBe('http')
  })

  it('x-forwarded-host is set to the Host the client sent', () => {
    const out = buildForwardHeaders({ ...base, 'x-forwarded-host': 'spoofed.test' }, ctx())
    expect(out['x-forwarded-host']).toBe('app.localhost:8080')
  })

  it.each([
    { received: undefined, forwarded: '1.1 devproxy' },
    { received: '1.0 squid', forwarded: '1.0 squid, 1.1 devproxy' },
    { received: '1.1 a, 1.1 b', forwarded: '1.1 a, 1.1 b, 1.1 devproxy' },
  ])('via $received → $forwarded', ({ received, forwarded }) => {
    const headers: IncomingHttpHeaders = { ...base }
    if (received !== undefined) headers.via = received
    expect(buildForwardHeaders(headers, ctx()).via).toBe(forwarded)
  })

  it('VIA is the devproxy pseudonym', () => {
    expect(VIA).toBe('1.1 devproxy')
  })
})

describe('buildForwardHeaders: Host', () => {
  it.each([
    { targetHost: undefined, host: 'app.localhost:8080', why: 'kept without changeOrigin' },
    { targetHost: 'localhost:3000', host: 'localhost:3000', why: "replaced by the target's with changeOrigin" },
  ])('targetHost $targetHost → host $host ($why)', ({ targetHost, host }) => {
    const out = buildForwardHeaders(base, ctx({ targetHost }))
    expect(out.host).toBe(host)
    expect(out['x-forwarded-host']).toBe('app.localhost:8080')
  })
})

describe('buildForwardHeaders: route rules have the last word', () => {
  const cases: { rules: HeaderRules; name: string; value: string | undefined; why: string }[] = [
    { rules: { 'x-env': 'dev' }, name: 'x-env', value: 'dev', why: 'a string sets a new header' },
    { rules: { accept: 'text/html' }, name: 'accept', value: 'text/html', why: 'a string replaces a received header' },
    { rules: { cookie: null }, name: 'cookie', value: undefined, why: 'null removes a received header' },
    { rules: { 'x-forwarded-proto': 'https' }, name: 'x-forwarded-proto', value: 'https', why: 'rules win over X-Forwarded-Proto' },
    { rules: { 'x-forwarded-for': null }, name: 'x-forwarded-for', value: undefined, why: 'rules can drop X-Forwarded-For' },
    { rules: { via: null }, name: 'via', value: undefined, why: 'rules can drop Via' },
    { rules: { host: 'pinned.test' }, name: 'host', value: 'pinned.test', why: 'rules win over changeOrigin' },
  ]

  it.each(cases)('$why', ({ rules, name, value }) => {
    const out = buildForwardHeaders({ ...base, cookie: 'a=1' }, ctx({ rules, targetHost: 'localhost:3000' }))
    if (value === undefined) expect(out).not.toHaveProperty(name)
    else expect(out[name]).toBe(value)
  })
})

describe('buildForwardHeaders: x-devproxy-attempt', () => {
  it.each([1, 2, 5])('attempt %i is sent as its decimal string', (attempt) => {
    expect(buildForwardHeaders(base, ctx({ attempt }))['x-devproxy-attempt']).toBe(String(attempt))
  })

  it('replaces a value the client sent', () => {
    expect(buildForwardHeaders({ ...base, 'x-devproxy-attempt': '9' }, ctx({ attempt: 2 }))['x-devproxy-attempt']).toBe('2')
  })
})

describe('buildForwardHeaders: WebSocket upgrades', () => {
  const handshake: IncomingHttpHeaders = {
    ...base,
    connection: 'keep-alive, Upgrade',
    upgrade: 'websocket',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'sec-websocket-version': '13',
  }

  it('keep connection: upgrade and the upgrade header', () => {
    const out = buildForwardHeaders(handshake, ctx({ upgrade: true }))
    expect(out.connection).toBe('upgrade')
    expect(out.upgrade).toBe('websocket')
    expect(out['sec-websocket-key']).toBe('dGhlIHNhbXBsZSBub25jZQ==')
    expect(out['sec-websocket-version']).toBe('13')
  })

  it('lose them when the request is not forwarded as an upgrade', () => {
    const out = buildForwardHeaders(handshake, ctx({ upgrade: false }))
    expect(out).not.toHaveProperty('connection')
    expect(out).not.toHaveProperty('upgrade')
  })
})

describe('buildResponseHeaders: what the client gets', () => {
  const received: IncomingHttpHeaders = {
    'content-type': 'application/json',
    'content-length': '12',
    'set-cookie': ['a=1', 'b=2'],
    connection: 'keep-alive, x-upstream-debug',
    'keep-alive': 'timeout=5',
    'transfer-encoding': 'chunked',
    trailer: 'x-checksum',
    'proxy-connection': 'keep-alive',
    upgrade: 'h2c',
    'x-upstream-debug': 'on',
    'cache-control': 'max-age=60',
    'x-powered-by': 'Express',
  }

  it.each(['connection', 'keep-alive', 'transfer-encoding', 'trailer', 'proxy-connection', 'upgrade', 'x-upstream-debug'])(
    '%s is removed',
    (name) => {
      expect(buildResponseHeaders(received, {})).not.toHaveProperty(name)
    },
  )

  it('end-to-end fields are kept', () => {
    expect(buildResponseHeaders(received, {})).toMatchObject({
      'content-type': 'application/json',
      'content-length': '12',
      'set-cookie': ['a=1', 'b=2'],
      'cache-control': 'max-age=60',
    })
  })

  it.each([
    { received: undefined, sent: '1.1 devproxy' },
    { received: '1.1 cdn', sent: '1.1 cdn, 1.1 devproxy' },
  ])('via $received → $sent', ({ received: via, sent }) => {
    const headers: IncomingHttpHeaders = { 'content-type': 'text/plain' }
    if (via !== undefined) headers.via = via
    expect(buildResponseHeaders(headers, {}).via).toBe(sent)
  })

  it('rules set and remove headers last', () => {
    const out = buildResponseHeaders(received, { 'cache-control': 'no-store', 'x-powered-by': null, via: null, 'x-env': 'dev' })
    expect(out['cache-control']).toBe('no-store')
    expect(out['x-env']).toBe('dev')
    expect(out).not.toHaveProperty('x-powered-by')
    expect(out).not.toHaveProperty('via')
  })
})

describe('connectionTokens: the field names a Connection header declares hop-by-hop', () => {
  it.each([
    { value: undefined, tokens: undefined },
    { value: 'close', tokens: ['close'] },
    { value: 'Keep-Alive, X-Foo', tokens: ['keep-alive', 'x-foo'] },
    { value: ' a ,, B ,', tokens: ['a', 'b'] },
    { value: ['a', 'B, c'], tokens: ['a', 'b', 'c'] },
    { value: '', tokens: [] },
  ])('$value → $tokens', ({ value, tokens }) => {
    const result = connectionTokens(value)
    expect(result === undefined ? undefined : [...result]).toEqual(tokens)
  })
})

describe('clientAddress: the address shown in X-Forwarded-For and the log', () => {
  it.each([
    { remote: '::ffff:127.0.0.1', address: '127.0.0.1', why: 'IPv4-mapped IPv6 unwrapped' },
    { remote: '::ffff:192.168.1.20', address: '192.168.1.20', why: 'IPv4-mapped IPv6 unwrapped' },
    { remote: '127.0.0.1', address: '127.0.0.1', why: 'IPv4 kept' },
    { remote: '::1', address: '::1', why: 'IPv6 kept' },
    { remote: 'fe80::1', address: 'fe80::1', why: 'IPv6 kept' },
    { remote: undefined, address: 'unknown', why: 'a destroyed socket has no address' },
    { remote: '', address: 'unknown', why: 'empty' },
  ])('$remote → $address ($why)', ({ remote, address }) => {
    expect(clientAddress(remote)).toBe(address)
  })
})
