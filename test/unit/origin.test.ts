import { describe, expect, it } from 'vitest'
import { originOf } from '../../src/proxy/http/origin.js'

describe('originOf', () => {
  it('is url.origin, the same string each time for one URL, and per URL', () => {
    const a = new URL('http://127.0.0.1:3000/base')
    const b = new URL('https://[::1]/')
    expect(originOf(a)).toBe('http://127.0.0.1:3000')
    expect(originOf(a)).toBe(originOf(a))
    expect(originOf(b)).toBe('https://[::1]')
    expect(originOf(new URL('http://localhost:80'))).toBe('http://localhost')
  })
})
