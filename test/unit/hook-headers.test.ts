import { describe, expect, it } from 'vitest'
import { rawHeaderList, receivedNameCase, sameHeaders } from '../../src/hooks/request-info.js'

// The header object an onRequest/onResponse hook hands back becomes the raw field list the proxy
// forwards. RFC 9110 §5.1 (a field name is a token) and §5.5 (CR, LF and NUL are never valid in a
// value): what a hook added or changed is checked; fields it left as the parser read them pass.
describe('a hook header object as the forwarded fields', () => {
  it('keeps every field in order, repeated ones as repeated lines', () => {
    expect(rawHeaderList({ host: 'a.test', 'set-cookie': ['a=1', 'b=2'], 'x-n': 3, gone: undefined })).toEqual(['host', 'a.test', 'set-cookie', 'a=1', 'set-cookie', 'b=2', 'x-n', '3'])
  })

  it('refuses a new field with CR LF in its value, or a name that is not a token, even when the rest is as received', () => {
    const received = { host: 'a.test', accept: '*/*' }
    expect(rawHeaderList({ ...received, 'x-split': 'a\r\nb: c' }, received)).toBe('has x-split with a CR, LF or NUL in its value')
    expect(rawHeaderList({ ...received, 'bad name': 'x' }, received)).toBe('has "bad name", which is not a header name')
    // A received field's value replaced by a broken one is checked too.
    expect(rawHeaderList({ ...received, accept: 'a\0' }, received)).toBe('has accept with a CR, LF or NUL in its value')
  })

  it('passes fields left as received without checking them again, and the new ones checked', () => {
    const received = { host: 'a.test', accept: '*/*' }
    expect(rawHeaderList({ ...received, 'x-trace': '1' }, received)).toEqual(['host', 'a.test', 'accept', '*/*', 'x-trace', '1'])
  })

  it('names are case-insensitive (RFC 9110 §5.1): set again under another case, a field is replaced in its place, not repeated', () => {
    expect(rawHeaderList({ host: 'a.test', authorization: 'Bearer old', accept: '*/*', Authorization: 'Bearer new' })).toEqual(['host', 'a.test', 'Authorization', 'Bearer new', 'accept', '*/*'])
    // Set to undefined under any case, it is gone.
    expect(rawHeaderList({ host: 'a.test', authorization: 'Bearer old', Authorization: undefined })).toEqual(['host', 'a.test'])
  })

  it('forwards each field under the name case it arrived in; a new one as the hook wrote it (HTTP/2 pseudo-header fields are not fields)', () => {
    const nameCase = receivedNameCase([':path', '/', 'Host', 'a.test', 'X-Custom-Case', 'v', 'x-custom-case', 'w'])
    expect(nameCase('host')).toBe('Host')
    expect(nameCase('x-custom-case')).toBe('X-Custom-Case')
    expect(nameCase(':path')).toBeUndefined()
    const received = { host: 'a.test', 'x-custom-case': 'v, w' }
    expect(rawHeaderList({ ...received, 'X-Added': '1' }, received, nameCase)).toEqual(['Host', 'a.test', 'X-Custom-Case', 'v, w', 'X-Added', '1'])
  })

  it('says what is wrong with something that is not a header object', () => {
    expect(rawHeaderList(null)).toBe('must be an object of header names to values')
    expect(rawHeaderList(['host', 'a'])).toBe('must be an object of header names to values')
    expect(rawHeaderList({ 'x-obj': { a: 1 } })).toBe('has x-obj set to an object; values must be strings (or arrays of strings)')
  })

  it('tells a header object left alone from a changed one (HTTP/2 pseudo-header fields aside)', () => {
    const received = { ':path': '/x', host: 'a.test', accept: '*/*' }
    expect(sameHeaders(received, { host: 'a.test', accept: '*/*' })).toBe(true)
    expect(sameHeaders(received, { host: 'a.test', accept: '*/*', 'x-trace': '1' })).toBe(false)
    expect(sameHeaders(received, { host: 'a.test' })).toBe(false)
    expect(sameHeaders(received, { host: 'a.test', accept: 'text/html' })).toBe(false)
  })
})
