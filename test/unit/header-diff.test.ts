import { describe, expect, it } from 'vitest'
import { diffHeaders, formatHeaderChanges, type HeaderChange, type HeaderMap } from '../../src/log/header-diff.js'
import { type Palette, plainPalette } from '../../src/log/palette.js'
import { buildForwardHeaders, headersObject } from '../../src/proxy/headers.js'

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
