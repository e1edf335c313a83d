import type { IncomingHttpHeaders } from 'node:http'
import { describe, expect, it } from 'vitest'
import type { HeaderRules } from '../../src/config/types.js'
import { clientAddress, connectionTokens, headersObject, viaEntry } from '../../src/proxy/http/fields.js'
import { buildForwardHeaders as buildRaw, type ForwardHeaderContext } from '../../src/proxy/upstream/forward-headers.js'
import { buildResponseHeaders as buildResponse, type ResponseHeaderContext } from '../../src/proxy/respond/response-headers.js'

const VIA = '1.1 devproxy-0a1b2c3d'

function ctx(overrides: Partial<ForwardHeaderContext> = {}): ForwardHeaderContext {
  return { clientIp: '10.0.0.5', scheme: 'http', targetHost: undefined, upgrade: false, rules: {}, attempt: 1, via: VIA, framing: { kind: 'none' }, expect: false, ...overrides }
}

/** Headers as a raw list, in insertion order (an array value is a repeated field). */
function raw(headers: IncomingHttpHeaders): string[] {
  return Object.entries(headers).flatMap(([name, value]) => (Array.isArray(value) ? value.flatMap((v) => [name, v]) : value === undefined ? [] : [name, value]))
}

/** The forwarded head as the log sees it. */
function buildForwardHeaders(headers: IncomingHttpHeaders, context: ForwardHeaderContext) {
  return headersObject(buildRaw(raw(headers), context))
}

function buildResponseHeaders(headers: IncomingHttpHeaders, rules: HeaderRules, overrides: Partial<ResponseHeaderContext> = {}) {
  return buildResponse(headers, { rules, via: VIA, trailers: false, ...overrides })
}

const base: IncomingHttpHeaders = { host: 'app.localhost:8080', accept: 'application/json' }

describe('buildForwardHeaders: hop-by-hop fields are not forwarded (RFC 9110 §7.6.1)', () => {
  it.each([
    { name: 'connection', value: 'keep-alive' },
    { name: 'keep-alive', value: 'timeout=5' },
    { name: 'proxy-connection', value: 'keep-alive' },
    { name: 'te', value: 'trailers' },
    { name: 'upgrade', value: 'websocket' },
  ])('$name: $value is removed', ({ name, value }) => {
    const out = buildForwardHeaders({ ...base, [name]: value }, ctx())
    expect(out).not.toHaveProperty(name)
    expect(out.accept).toBe('application/json')
  })

  // RFC 9112 §6: the proxy frames the forwarded body itself; the client's framing never passes.
  it.each([
    { received: { 'transfer-encoding': 'chunked' }, framing: { kind: 'chunked' } as const, te: 'chunked', cl: undefined },
    { received: { 'transfer-encoding': 'gzip, chunked' }, framing: { kind: 'chunked' } as const, te: 'chunked', cl: undefined },
    { received: { 'content-length': '3' }, framing: { kind: 'length', length: 3 } as const, te: undefined, cl: '3' },
    { received: { 'transfer-encoding': 'chunked' }, framing: { kind: 'length', length: 11 } as const, te: undefined, cl: '11' },
    { received: { 'content-length': '5' }, framing: { kind: 'none' } as const, te: undefined, cl: undefined },
  ])('client framing $received, proxy framing $framing.kind → te $te, content-length $cl', ({ received, framing, te, cl }) => {
    const out = buildForwardHeaders({ ...base, ...received }, ctx({ framing }))
    expect(out['transfer-encoding']).toBe(te)
    expect(out['content-length']).toBe(cl)
  })

  // RFC 9110 §7.6.1 lets a sender name fields in Connection; naming framing fields or Host there
  // would send a body unframed (a request the proxy never routed runs upstream).
  it.each(['content-length', 'Content-Length', 'transfer-encoding', 'host'])('Connection: %s cannot remove what the proxy frames or routes by', (token) => {
    const out = buildForwardHeaders({ ...base, connection: `keep-alive, ${token}`, 'content-length': '4' }, ctx({ framing: { kind: 'length', length: 4 } }))
    expect(out['content-length']).toBe('4')
    expect(out.host).toBe('app.localhost:8080')
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

  // RFC 9110 §10.1.1: a proxy forwards the expectation; it drops it only when it already
  // answered 100 itself (it holds the body for retries or replay).
  it.each([
    { expect: true, forwarded: '100-continue' },
    { expect: false, forwarded: undefined },
  ])('Expect: 100-continue with expect $expect → $forwarded', ({ expect: forward, forwarded }) => {
    expect(buildForwardHeaders({ ...base, expect: '100-continue' }, ctx({ expect: forward })).expect).toBe(forwarded)
  })

  it('x-devproxy-fault is addressed to the proxy and never forwarded', () => {
    expect(buildForwardHeaders({ ...base, 'x-devproxy-fault': '503' }, ctx())).not.toHaveProperty('x-devproxy-fault')
  })

  // RFC 9112 §7.1.2: trailer fields only exist in the chunked coding.
  it.each([
    { framing: { kind: 'chunked' } as const, trailer: 'x-checksum' },
    { framing: { kind: 'length', length: 2 } as const, trailer: undefined },
  ])('Trailer is forwarded with $framing.kind framing → $trailer', ({ framing, trailer }) => {
    expect(buildForwardHeaders({ ...base, trailer: 'x-checksum' }, ctx({ framing })).trailer).toBe(trailer)
  })

  it('keeps the letter case and order the client sent (some upstreams are case-sensitive)', () => {
    const out = buildRaw(['Host', 'a.test', 'X-MiXeD-CaSe', '1', 'accept', '*/*'], ctx())
    expect(out.slice(0, 6)).toEqual(['Host', 'a.test', 'X-MiXeD-CaSe', '1', 'accept', '*/*'])
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
    { received: undefined, forwarded: VIA },
    { received: '1.0 squid', forwarded: `1.0 squid, ${VIA}` },
    { received: '1.1 a, 1.1 b', forwarded: `1.1 a, 1.1 b, ${VIA}` },
  ])('via $received → $forwarded', ({ received, forwarded }) => {
    const headers: IncomingHttpHeaders = { ...base }
    if (received !== undefined) headers.via = received
    expect(buildForwardHeaders(headers, ctx()).via).toBe(forwarded)
  })

  it('two Via fields are one list, and this proxy is appended once', () => {
    const out = headersObject(buildRaw(['Host', 'a.test', 'Via', '1.0 a', 'via', '1.1 b'], ctx()))
    expect(out.via).toBe(`1.0 a, 1.1 b, ${VIA}`)
  })

  // RFC 9110 §7.6.3: the protocol version received, and a pseudonym that names this instance.
  it.each([
    { version: '1.1', entry: '1.1 devproxy-cafe0001' },
    { version: '1.0', entry: '1.0 devproxy-cafe0001' },
  ])('viaEntry for HTTP/$version is $entry', ({ version, entry }) => {
    expect(viaEntry(version, 'cafe0001')).toBe(entry)
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

  it.each(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'x-upstream-debug'])(
    '%s is removed',
    (name) => {
      expect(buildResponseHeaders(received, {})).not.toHaveProperty(name)
    },
  )

  // RFC 9110 §6.6.2: Trailer is end to end; it can only go with a response that can carry trailers.
  it.each([
    { trailers: true, sent: 'x-checksum' },
    { trailers: false, sent: undefined },
  ])('trailer with trailers $trailers → $sent', ({ trailers, sent }) => {
    expect(buildResponseHeaders(received, {}, { trailers }).trailer).toBe(sent)
  })

  it('end-to-end fields are kept', () => {
    expect(buildResponseHeaders(received, {})).toMatchObject({
      'content-type': 'application/json',
      'content-length': '12',
      'set-cookie': ['a=1', 'b=2'],
      'cache-control': 'max-age=60',
    })
  })

  it.each([
    { received: undefined, sent: VIA },
    { received: '1.1 cdn', sent: `1.1 cdn, ${VIA}` },
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
