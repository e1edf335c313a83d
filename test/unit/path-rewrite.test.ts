import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/features.js'
import type { UserRoute } from '../../src/config/types.js'
import { forwardPath } from '../../src/proxy/route/path-rewrite.js'

function route(options: Omit<UserRoute, 'target'>) {
  return resolveConfig({ routes: [{ ...options, target: 'http://localhost:3000' }] }).routes[0]!
}

describe('forwardPath without stripPrefix: the path is forwarded as received', () => {
  const api = route({ path: '/api' })

  it.each(['/api', '/api/users', '/api/users?page=2', "/api?q=it's%20here+now&a=?b"])('%s → unchanged', (url) => {
    expect(forwardPath(api, url)).toBe(url)
  })
})

describe('forwardPath with stripPrefix: the route prefix is removed', () => {
  const api = route({ path: '/api', stripPrefix: true })

  it.each([
    { url: '/api/users', forwarded: '/users' },
    { url: '/api/users/7/orders', forwarded: '/users/7/orders' },
    { url: '/api', forwarded: '/' },
    { url: '/api/', forwarded: '/' },
    { url: '/api?x=1', forwarded: '/?x=1' },
    { url: '/api/?x=1', forwarded: '/?x=1' },
    { url: '/api/users?page=2', forwarded: '/users?page=2' },
    { url: '/api/search?q=a%20b', forwarded: '/search?q=a%20b' },
    { url: "/api/search?q=it's", forwarded: "/search?q=it's" },
    { url: '/api/search?q=a+b', forwarded: '/search?q=a+b' },
    { url: '/api/search?a=?b', forwarded: '/search?a=?b' },
    { url: '/api?next=/api/x', forwarded: '/?next=/api/x' },
    { url: '/api/a%2Fb', forwarded: '/a%2Fb' },
  ])('$url → $forwarded (query kept byte for byte)', ({ url, forwarded }) => {
    expect(forwardPath(api, url)).toBe(forwarded)
  })

  it('strips a multi-segment prefix', () => {
    expect(forwardPath(route({ path: '/api/v1', stripPrefix: true }), '/api/v1/users?x=1')).toBe('/users?x=1')
  })

  it('strips a prefix configured with a trailing slash', () => {
    expect(forwardPath(route({ path: '/api/', stripPrefix: true }), '/api/users')).toBe('/users')
  })

  it.each(['/', '/users', '/users?x=1', '/a%20b?q=%20'])('root route with stripPrefix leaves %s unchanged', (url) => {
    expect(forwardPath(route({ path: '/', stripPrefix: true }), url)).toBe(url)
  })
})

describe('forwardPath with rewrite: runs after stripPrefix and receives the query', () => {
  it('receives the stripped path with its query string', () => {
    const seen: string[] = []
    const r = route({
      path: '/api',
      stripPrefix: true,
      rewrite: (path) => {
        seen.push(path)
        return `/v2${path}`
      },
    })
    expect(forwardPath(r, '/api/users?page=2&q=a%20b')).toBe('/v2/users?page=2&q=a%20b')
    expect(seen).toEqual(['/users?page=2&q=a%20b'])
  })

  it('receives the full path when stripPrefix is off', () => {
    const r = route({ path: '/api', rewrite: (path) => path.replace(/^\/api/, '/backend') })
    expect(forwardPath(r, '/api/users?x=1')).toBe('/backend/users?x=1')
  })

  it.each([
    { returned: 'users', forwarded: '/users', why: 'a leading slash is added' },
    { returned: '', forwarded: '/', why: 'an empty result becomes /' },
    { returned: '/kept?x=1', forwarded: '/kept?x=1', why: 'an absolute path is used as is' },
  ])('rewrite returning "$returned" → $forwarded ($why)', ({ returned, forwarded }) => {
    expect(forwardPath(route({ path: '/api', rewrite: () => returned }), '/api/x')).toBe(forwarded)
  })
})
