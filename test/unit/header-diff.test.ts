import { describe, expect, it } from 'vitest'
import { diffHeaders, formatHeaderChanges, isStandardRewrite, type HeaderChange, type HeaderMap, type RewriteContext } from '../../src/diff/header-diff.js'
import { type Palette, plainPalette } from '../../src/terminal/palette.js'
import { headersObject } from '../../src/proxy/http/fields.js'
import { buildForwardHeaders } from '../../src/proxy/upstream/forward-headers.js'
import { buildResponseHeaders } from '../../src/proxy/respond/response-headers.js'

const markers: Palette = {
  ...plainPalette,
  dim: (text) => `<dim>${text}</dim>`,
  ok: (text) => `<ok>${text}</ok>`,
  error: (text) => `<error>${text}</error>`,
  warn: (text) => `<warn>${text}</warn>`,
}

describe('diffHeaders: what the proxy added, removed and changed', () => {
  it.each<{ case: string; before: HeaderMap; after: HeaderMap; changes: HeaderChange[] }>([
    { case: 'identical maps: no changes', before: { accept: '*/*' }, after: { accept: '*/*' }, changes: [] },
    { case: 'names compare case-insensitively', before: { Host: 'a' }, after: { host: 'a' }, changes: [] },
    { case: 'names come out lower-cased', before: {}, after: { 'X-Trace': '1' }, changes: [{ op: '+', name: 'x-trace', after: '1' }] },
    { case: 'a removed header', before: { connection: 'keep-alive' }, after: {}, changes: [{ op: '-', name: 'connection', before: 'keep-alive' }] },
    {
      case: 'a changed header',
      before: { host: 'localhost:8080' },
      after: { host: 'localhost:3000' },
      changes: [{ op: '~', name: 'host', before: 'localhost:8080', after: 'localhost:3000' }],
    },
    { case: 'a list equals its joined form', before: { accept: ['text/html', 'application/json'] }, after: { accept: 'text/html, application/json' }, changes: [] },
    {
      case: 'a list that grew',
      before: { 'x-forwarded-for': '10.0.0.1' },
      after: { 'x-forwarded-for': ['10.0.0.1', '127.0.0.1'] },
      changes: [{ op: '~', name: 'x-forwarded-for', before: '10.0.0.1', after: '10.0.0.1, 127.0.0.1' }],
    },
    { case: 'numbers equal their strings', before: { 'content-length': 12 }, after: { 'content-length': '12' }, changes: [] },
    { case: 'undefined values are absent', before: { etag: undefined }, after: {}, changes: [] },
    { case: 'an empty value is still present', before: {}, after: { 'x-empty': '' }, changes: [{ op: '+', name: 'x-empty', after: '' }] },
    { case: 'names differing only in case are merged', before: { 'X-A': '1', 'x-a': '2' }, after: { 'x-a': '1, 2' }, changes: [] },
  ])('$case', ({ before, after, changes }) => {
    expect(diffHeaders(before, after)).toEqual(changes)
  })

  it('sorts removed, then changed, then added, each alphabetically', () => {
    const changes = diffHeaders({ b: '1', a: '1', z: '1', y: '1' }, { z: '2', y: '2', d: '1', c: '1' })
    expect(changes.map((change) => `${change.op} ${change.name}`)).toEqual(['- a', '- b', '~ y', '~ z', '+ c', '+ d'])
  })

  it('skips ignored names, in any case', () => {
    expect(diffHeaders({ Date: 'Mon', etag: '"1"' }, { date: 'Tue', ETag: '"2"' }, { ignore: ['DATE', 'etag'] })).toEqual([])
  })

  it('shows what the proxy does to a request on its way upstream', () => {
    const received = { host: 'localhost:8080', connection: 'keep-alive', accept: '*/*' }
    const forwarded = headersObject(
      buildForwardHeaders(['host', 'localhost:8080', 'connection', 'keep-alive', 'accept', '*/*'], {
        clientIp: '127.0.0.1',
        scheme: 'http',
        targetHost: 'localhost:3000',
        upgrade: false,
        rules: {},
        attempt: 1,
        via: '1.1 devproxy-0a1b2c3d',
        framing: { kind: 'none' },
        expect: false,
      }),
    )
    expect(diffHeaders(received, forwarded).map((change) => `${change.op} ${change.name}`)).toEqual([
      '- connection',
      '~ host',
      '+ via',
      '+ x-devproxy-attempt',
      '+ x-forwarded-for',
      '+ x-forwarded-host',
      '+ x-forwarded-proto',
    ])
  })
})

describe('diffHeaders: set-cookie is one change per cookie (RFC 6265 §3: values cannot be joined)', () => {
  it.each<{ case: string; before: string[]; after: string[]; changes: HeaderChange[] }>([
    { case: 'same cookies, other order', before: ['a=1', 'b=2'], after: ['b=2', 'a=1'], changes: [] },
    {
      case: 'a cookie added',
      before: ['a=1'],
      after: ['a=1', 'b=2; Path=/'],
      changes: [{ op: '+', name: 'set-cookie', after: 'b=2; Path=/' }],
    },
    { case: 'a cookie removed', before: ['a=1', 'b=2'], after: ['b=2'], changes: [{ op: '-', name: 'set-cookie', before: 'a=1' }] },
    {
      case: 'a cookie changed is paired by its name',
      before: ['session=abc; HttpOnly', 'theme=dark'],
      after: ['theme=dark', 'session=xyz; HttpOnly'],
      changes: [{ op: '~', name: 'set-cookie', before: 'session=abc; HttpOnly', after: 'session=xyz; HttpOnly' }],
    },
    {
      case: 'cookies sharing a name pair up in order',
      before: ['a=1; Path=/x', 'a=2; Path=/y'],
      after: ['a=1; Path=/x', 'a=3; Path=/y', 'a=4; Path=/z'],
      changes: [
        { op: '~', name: 'set-cookie', before: 'a=2; Path=/y', after: 'a=3; Path=/y' },
        { op: '+', name: 'set-cookie', after: 'a=4; Path=/z' },
      ],
    },
  ])('$case', ({ before, after, changes }) => {
    expect(diffHeaders({ 'set-cookie': before }, { 'Set-Cookie': after })).toEqual(changes)
  })

  it('a single cookie string counts as one cookie', () => {
    expect(diffHeaders({}, { 'set-cookie': 'a=1' })).toEqual([{ op: '+', name: 'set-cookie', after: 'a=1' }])
  })
})

describe('formatHeaderChanges', () => {
  const changes: HeaderChange[] = [
    { op: '-', name: 'connection', before: 'keep-alive' },
    { op: '~', name: 'host', before: 'localhost:8080', after: 'localhost:3000' },
    { op: '+', name: 'x-forwarded-for', after: '127.0.0.1' },
  ]

  it('one line per change, indented', () => {
    expect(formatHeaderChanges(changes, plainPalette)).toEqual([
      '    - connection: keep-alive',
      '    ~ host: localhost:8080 → localhost:3000',
      '    + x-forwarded-for: 127.0.0.1',
    ])
  })

  it('removed in red, changed in yellow, added in green; the indent is not colored', () => {
    expect(formatHeaderChanges(changes, markers, '  ')).toEqual([
      '  <error>- connection: keep-alive</error>',
      '  <warn>~ host: localhost:8080 → localhost:3000</warn>',
      '  <ok>+ x-forwarded-for: 127.0.0.1</ok>',
    ])
  })

  it('shortens values past 120 characters with …', () => {
    const [line] = formatHeaderChanges([{ op: '+', name: 'cookie', after: 'x'.repeat(500) }], plainPalette, '')
    expect(line).toBe(`+ cookie: ${'x'.repeat(119)}…`)
  })

  it('escapes control characters rather than sending them to the terminal', () => {
    expect(formatHeaderChanges([{ op: '+', name: 'x-evil', after: '\u001b[2Jgone' }], plainPalette, '')).toEqual(['+ x-evil: \\u001b[2Jgone'])
  })

  it('nothing to print for no changes', () => {
    expect(formatHeaderChanges([], plainPalette)).toEqual([])
  })
})

describe('isStandardRewrite: what -v leaves out (the rewrites made on every message)', () => {
  const request: RewriteContext = { direction: 'request', received: { host: 'localhost:8080', connection: 'keep-alive, x-hop' }, clientIp: '127.0.0.1' }
  const response: RewriteContext = { direction: 'response', received: { connection: 'close' }, clientIp: '127.0.0.1' }

  it.each<{ case: string; change: HeaderChange; context: RewriteContext; standard: boolean }>([
    { case: 'a hop-by-hop field removed', change: { op: '-', name: 'connection', before: 'keep-alive' }, context: request, standard: true },
    { case: 'a field named in Connection removed', change: { op: '-', name: 'x-hop', before: '1' }, context: request, standard: true },
    { case: 'Via added with the instance id', change: { op: '+', name: 'via', after: '1.1 devproxy-3f9a2c1e' }, context: request, standard: true },
    { case: 'Via appended to the client\'s', change: { op: '~', name: 'via', before: '1.1 cdn', after: '1.1 cdn, 1.0 devproxy-3f9a2c1e' }, context: request, standard: true },
    { case: 'X-Forwarded-For added: the client', change: { op: '+', name: 'x-forwarded-for', after: '127.0.0.1' }, context: request, standard: true },
    { case: 'X-Forwarded-For appended', change: { op: '~', name: 'x-forwarded-for', before: '10.0.0.1', after: '10.0.0.1, 127.0.0.1' }, context: request, standard: true },
    { case: 'X-Forwarded-Proto http', change: { op: '+', name: 'x-forwarded-proto', after: 'http' }, context: request, standard: true },
    { case: 'X-Forwarded-Host: the Host received', change: { op: '+', name: 'x-forwarded-host', after: 'localhost:8080' }, context: request, standard: true },
    { case: 'x-devproxy-attempt', change: { op: '+', name: 'x-devproxy-attempt', after: '2' }, context: request, standard: true },
    { case: 'the proxy\'s framing', change: { op: '+', name: 'content-length', after: '5' }, context: request, standard: true },
    { case: 'x-devproxy-fault is never forwarded', change: { op: '-', name: 'x-devproxy-fault', before: 'reset' }, context: request, standard: true },
    { case: 'Via on the response', change: { op: '+', name: 'via', after: '1.1 devproxy-3f9a2c1e' }, context: response, standard: true },
    { case: 'keep-alive off the response', change: { op: '-', name: 'keep-alive', before: 'timeout=5' }, context: response, standard: true },
    { case: 'changeOrigin: Host changed', change: { op: '~', name: 'host', before: 'localhost:8080', after: 'localhost:3000' }, context: request, standard: false },
    { case: 'a header rule set a field', change: { op: '+', name: 'x-env', after: 'dev' }, context: request, standard: false },
    { case: 'a header rule removed a field', change: { op: '-', name: 'cookie', before: 'a=1' }, context: request, standard: false },
    { case: 'a rule set X-Forwarded-Proto', change: { op: '+', name: 'x-forwarded-proto', after: 'https' }, context: request, standard: false },
    { case: 'a rule set X-Forwarded-Host', change: { op: '+', name: 'x-forwarded-host', after: 'example.com' }, context: request, standard: false },
    { case: 'a rule replaced Via', change: { op: '~', name: 'via', before: '1.1 cdn', after: '1.1 mine' }, context: request, standard: false },
    { case: 'X-Forwarded-For naming someone else', change: { op: '+', name: 'x-forwarded-for', after: '10.9.9.9' }, context: request, standard: false },
    { case: 'a response rule', change: { op: '+', name: 'cache-control', after: 'no-store' }, context: response, standard: false },
    { case: 'content-length changed on the response', change: { op: '~', name: 'content-length', before: '5', after: '6' }, context: response, standard: false },
  ])('$case: $standard', ({ change, context, standard }) => {
    expect(isStandardRewrite(change, context)).toBe(standard)
  })

  it('on a real forwarded request, only the route\'s rules and changeOrigin are left', () => {
    const raw = ['Host', 'localhost:8080', 'Connection', 'keep-alive', 'Cookie', 'a=1', 'Accept', '*/*']
    const forwarded = headersObject(
      buildForwardHeaders(raw, {
        clientIp: '127.0.0.1',
        scheme: 'http',
        targetHost: 'localhost:3000',
        upgrade: false,
        rules: { 'x-env': 'dev', cookie: null },
        attempt: 1,
        via: '1.1 devproxy-0a1b2c3d',
        framing: { kind: 'length', length: 2 },
        expect: false,
      }),
    )
    const received = headersObject(raw)
    const context: RewriteContext = { direction: 'request', received, clientIp: '127.0.0.1' }
    const left = diffHeaders(received, forwarded).filter((change) => !isStandardRewrite(change, context))
    expect(left.map((change) => `${change.op} ${change.name}`)).toEqual(['- cookie', '~ host', '+ x-env'])
  })

  it('on a real response, only the route\'s rules are left', () => {
    const received = { 'content-type': 'text/plain', connection: 'keep-alive', 'keep-alive': 'timeout=5', 'x-powered-by': 'express' }
    const sent = buildResponseHeaders(received, { rules: { 'cache-control': 'no-store', 'x-powered-by': null }, via: '1.1 devproxy-0a1b2c3d', trailers: false })
    const context: RewriteContext = { direction: 'response', received, clientIp: '127.0.0.1' }
    const left = diffHeaders(received, sent).filter((change) => !isStandardRewrite(change, context))
    expect(left.map((change) => `${change.op} ${change.name}`)).toEqual(['- x-powered-by', '+ cache-control'])
  })
})
