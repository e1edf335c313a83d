import { describe, expect, it } from 'vitest'
import { declaredLength, toOriginForm } from '../../src/proxy/http/request-target.js'

describe('toOriginForm: the request target reduced to /path?query (RFC 9112 §3.2)', () => {
  it.each([
    { target: '/', origin: '/', why: 'origin form is kept' },
    { target: '/api/users?page=2', origin: '/api/users?page=2', why: 'origin form is kept' },
    { target: '/a%20b?q=%2F+x', origin: '/a%20b?q=%2F+x', why: 'nothing is decoded' },
    { target: 'http://localhost:8080/api/users?page=2', origin: '/api/users?page=2', why: 'absolute form loses scheme and authority' },
    { target: 'https://example.test:8443/a%20b?q=%2F&x=?y', origin: '/a%20b?q=%2F&x=?y', why: 'https, byte for byte' },
    { target: 'HTTP://Example.test/Path', origin: '/Path', why: 'scheme is case-insensitive, path case kept' },
    { target: 'http://evil.test//other.test/x', origin: '//other.test/x', why: 'only the authority is dropped' },
    { target: 'http://h', origin: '/', why: 'no path → /' },
    { target: 'http://h/', origin: '/', why: 'root path' },
    { target: 'http://h?x', origin: '/?x', why: 'no path but a query → /?query' },
    { target: 'http://h:80?a=1&b=2', origin: '/?a=1&b=2', why: 'port, no path, query' },
  ])('$target → $origin ($why)', ({ target, origin }) => {
    expect(toOriginForm(target)).toBe(origin)
  })

  it.each([
    { target: '*', why: 'asterisk form (OPTIONS *)' },
    { target: 'localhost:443', why: 'authority form (CONNECT)' },
    { target: 'ftp://h/file', why: 'not http(s)' },
    { target: '', why: 'empty' },
  ])('$target → undefined ($why)', ({ target }) => {
    expect(toOriginForm(target)).toBeUndefined()
  })
})

describe('declaredLength: the Content-Length as a number', () => {
  it.each([
    { header: '0', length: 0 },
    { header: '42', length: 42 },
    { header: '10485760', length: 10_485_760 },
    { header: '9007199254740991', length: Number.MAX_SAFE_INTEGER },
  ])('"$header" → $length', ({ header, length }) => {
    expect(declaredLength(header)).toBe(length)
  })

  it.each([
    { header: undefined, why: 'no header (chunked or no body)' },
    { header: 'abc', why: 'not a number' },
    { header: '-1', why: 'negative' },
    { header: '1.5', why: 'not an integer' },
    { header: '9007199254740993', why: 'beyond safe integers' },
  ])('$header → undefined ($why)', ({ header }) => {
    expect(declaredLength(header)).toBeUndefined()
  })
})
