import { describe, expect, it } from 'vitest'
import { createBodyHistory, endpointKey } from '../../src/diff/endpoint.js'

describe('endpointKey: what counts as the same endpoint', () => {
  it.each([
    { method: 'GET', route: 'api', url: '/api/users', key: 'GET api /api/users' },
    { method: 'GET', route: 'api', url: '/api/users?page=2', key: 'GET api /api/users?page=2' },
    { method: 'GET', route: 'api', url: '/api/users?_=1700000000&page=2', key: 'GET api /api/users?page=2' },
    { method: 'GET', route: 'api', url: '/api/users?page=2&sort=name', key: 'GET api /api/users?page=2&sort=name' },
    { method: 'GET', route: 'api', url: '/api/users?sort=name&page=2', key: 'GET api /api/users?page=2&sort=name' },
    { method: 'GET', route: 'api', url: '/x?ts=1&cb=2&nonce=3', key: 'GET api /x' },
    { method: 'POST', route: 'api', url: '/api/users', key: 'POST api /api/users' },
    { method: 'GET', route: undefined, url: '/nowhere', key: 'GET - /nowhere' },
  ])('$method $url → $key', ({ method, route, url, key }) => {
    expect(endpointKey(method, route, url)).toBe(key)
  })
})

describe('createBodyHistory: the last body per endpoint, bounded', () => {
  const body = (n: number) => ({ bytes: Buffer.alloc(n) })

  it('keeps the latest body per key', () => {
    const history = createBodyHistory(10)
    history.set('a', body(1))
    history.set('a', body(2))
    expect(history.get('a')?.bytes.length).toBe(2)
    expect(history.get('b')).toBeUndefined()
  })

  it('drops the least recently used over the entry cap', () => {
    const history = createBodyHistory(2)
    history.set('a', body(1))
    history.set('b', body(1))
    history.get('a')
    history.set('c', body(1))
    expect(history.get('b')).toBeUndefined()
    expect(history.get('a')).toBeDefined()
    expect(history.get('c')).toBeDefined()
  })

  it('drops old entries over the byte cap', () => {
    const history = createBodyHistory(100, 10)
    history.set('a', body(6))
    history.set('b', body(6))
    expect(history.get('a')).toBeUndefined()
    expect(history.get('b')).toBeDefined()
  })
})
