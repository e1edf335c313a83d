import { describe, expect, it } from 'vitest'
import { cookieFieldPairs, setCookieName } from '../../src/cookies/read-cookies.js'
import { diffHeaders } from '../../src/diff/header-diff.js'
import { withoutInspectorCookie } from '../../src/proxy/upstream/forward-headers.js'

/**
 * devproxy reads Cookie and Set-Cookie fields with one parser, the `cookie` package, by the rules
 * of RFC 6265 §5.2 as draft-ietf-httpbis-rfc6265bis revises them (what browsers do): a field is
 * cut at each ';', a pair at its first '=', names and values lose the SP and HTAB around them,
 * and a pair without '=' is a cookie whose name is empty.
 */

describe('a Set-Cookie line: the name of the cookie it sets (RFC 6265 §5.2, rfc6265bis: a pair without "=" has an empty name)', () => {
  it.each([
    ['sid=abc; Path=/', 'sid'],
    [' sid \t= abc', 'sid'],
    ['q=Domain=x; Domain=a.example', 'q'],
    ['=abc; Path=/', ''],
    ['theme-dark; Path=/', ''],
    ['theme-dark', ''],
  ])('%j sets %j', (line, name) => {
    expect(setCookieName(line)).toBe(name)
  })

  it('two nameless cookies are one cookie changed, not one removed and another added (the name is not read up to the "=" of Path)', () => {
    expect(diffHeaders({ 'set-cookie': ['theme-dark; Path=/', 'a=1'] }, { 'set-cookie': ['a=1', 'theme-light; Path=/'] })).toEqual([
      { op: '~', name: 'set-cookie', before: 'theme-dark; Path=/', after: 'theme-light; Path=/' },
    ])
  })

  it('a value with "=" in it and whitespace around the name still pair by name', () => {
    expect(diffHeaders({ 'set-cookie': ['sid=a=b; HttpOnly'] }, { 'set-cookie': [' sid =c=d; HttpOnly'] })).toEqual([
      { op: '~', name: 'set-cookie', before: 'sid=a=b; HttpOnly', after: ' sid =c=d; HttpOnly' },
    ])
  })
})

describe("a Cookie field: its pairs, and the inspector's dropped from it (RFC 6265 §4.2.1, §5.4)", () => {
  it('each pair as sent, but for the whitespace around it, with its name; empty pieces are no pairs', () => {
    expect(cookieFieldPairs('a=1;; b = x=y ;\tc;=d')).toEqual([
      { name: 'a', pair: 'a=1' },
      { name: 'b', pair: 'b = x=y' },
      { name: '', pair: 'c' },
      { name: '', pair: '=d' },
    ])
  })

  it.each([
    ['a=1; devproxy_inspector_40123=secret; b=2', 'a=1; b=2'],
    ['devproxy_inspector_40123=secret', ''],
    ['\tdevproxy_inspector_1 =x;a=1', 'a=1'],
    // §4.2.1: cookie-pair *( ";" SP cookie-pair ) — no empty pair in what is forwarded.
    ['a=1;;b=2; devproxy_inspector_1=x', 'a=1; b=2'],
    // A pair without "=" is the app's nameless cookie (rfc6265bis), whatever its value reads like.
    ['a=1; devproxy_inspector_note; devproxy_inspector_1=x', 'a=1; devproxy_inspector_note'],
    // Values are forwarded as sent: not percent-decoded, quotes kept.
    ['q="a%20b"; devproxy_inspector_1=x; r=%E2%9C%93', 'q="a%20b"; r=%E2%9C%93'],
  ])('%j is forwarded as %j', (field, forwarded) => {
    expect(withoutInspectorCookie(field)).toBe(forwarded)
  })
})
