import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/features.js'
import type { UserRoute } from '../../src/config/types.js'
import { createRouter, hostnameOf, prefixMatches, splitUrl } from '../../src/proxy/route/router.js'

const T = 'http://localhost:3000'

function routerFor(...routes: UserRoute[]) {
  return createRouter(resolveConfig({ routes }).routes)
}

/** The name of the route a request lands on, or undefined on a miss. */
function matchName(router: ReturnType<typeof routerFor>, method: string, host: string | undefined, pathname: string) {
  return router.match(method, host, pathname)?.name
}

describe('prefixMatches: a route path is a prefix matched segment by segment', () => {
  it.each([
    { prefix: '/api', pathname: '/api', matches: true },
    { prefix: '/api', pathname: '/api/', matches: true },
    { prefix: '/api', pathname: '/api/x', matches: true },
    { prefix: '/api', pathname: '/api/x/y', matches: true },
    { prefix: '/api', pathname: '/apix', matches: false },
    { prefix: '/api', pathname: '/api-v2', matches: false },
    { prefix: '/api', pathname: '/ap', matches: false },
    { prefix: '/api', pathname: '/', matches: false },
    { prefix: '/api', pathname: '/API', matches: false },
    { prefix: '/api/v1', pathname: '/api/v1/users', matches: true },
    { prefix: '/api/v1', pathname: '/api/v10', matches: false },
    { prefix: '/', pathname: '/', matches: true },
    { prefix: '/', pathname: '/anything/at/all', matches: true },
    { prefix: '/', pathname: '/apix', matches: true },
  ])('$prefix vs $pathname → $matches', ({ prefix, pathname, matches }) => {
    expect(prefixMatches(prefix, pathname)).toBe(matches)
  })
})

describe('createRouter: the longest matching prefix wins', () => {
  const router = routerFor(
    { path: '/', target: T },
    { path: '/api', target: T },
    { path: '/api/v1', target: T },
  )

  it.each([
    { pathname: '/', route: 'root' },
    { pathname: '/index.html', route: 'root' },
    { pathname: '/api', route: 'api' },
    { pathname: '/api/', route: 'api' },
    { pathname: '/api/users', route: 'api' },
    { pathname: '/apix', route: 'root' },
    { pathname: '/api/v1', route: 'api/v1' },
    { pathname: '/api/v1/users/7', route: 'api/v1' },
    { pathname: '/api/v10', route: 'api' },
  ])('$pathname → $route', ({ pathname, route }) => {
    expect(matchName(router, 'GET', 'localhost:8080', pathname)).toBe(route)
  })

  it('does not depend on declaration order: a short prefix declared first still loses', () => {
    const reversed = routerFor({ path: '/api/v1', target: T }, { path: '/api', target: T }, { path: '/', target: T })
    expect(matchName(reversed, 'GET', undefined, '/api/v1/x')).toBe('api/v1')
    expect(matchName(reversed, 'GET', undefined, '/api/x')).toBe('api')
    expect(matchName(reversed, 'GET', undefined, '/x')).toBe('root')
  })

  it('keeps the routes as declared', () => {
    expect(router.routes.map((r) => r.name)).toEqual(['root', 'api', 'api/v1'])
  })
})

describe('createRouter: among equal prefixes the first declared wins', () => {
  it.each([
    { order: ['first', 'second'], paths: ['/api', '/api'] },
    { order: ['second', 'first'], paths: ['/api', '/api'] },
    // `/api/` normalises to `/api`, so the two are equal prefixes.
    { order: ['first', 'second'], paths: ['/api/', '/api'] },
  ])('declared $order with paths $paths → the first declared', ({ order, paths }) => {
    const router = routerFor(
      { name: order[0], path: paths[0], target: T },
      { name: order[1], path: paths[1], target: T },
    )
    expect(matchName(router, 'GET', undefined, '/api/x')).toBe(order[0])
  })
})

describe('createRouter: no match → undefined', () => {
  const router = routerFor({ path: '/api', target: T }, { path: '/static', target: T })

  it.each(['/', '/apix', '/other', '/stat', '/static-files'])('%s → undefined', (pathname) => {
    expect(router.match('GET', 'localhost', pathname)).toBeUndefined()
  })
})

describe('createRouter: host filter', () => {
  const router = routerFor(
    { name: 'api-host', path: '/', host: 'api.localhost', target: T },
    { name: 'app-subdomains', path: '/', host: '*.app.localhost', target: T },
    { name: 'mixed-case-config', path: '/', host: 'Admin.LOCALHOST', target: T },
    { name: 'ipv6', path: '/', host: '[::1]', target: T },
    { name: 'any-host', path: '/', target: T },
  )

  it.each([
    { host: 'api.localhost', route: 'api-host', why: 'exact host' },
    { host: 'api.localhost:8080', route: 'api-host', why: 'the port is ignored' },
    { host: 'API.LocalHost:8080', route: 'api-host', why: 'host comparison is case-insensitive' },
    { host: 'admin.localhost', route: 'mixed-case-config', why: 'the configured host is lower-cased too' },
    { host: 'web.app.localhost', route: 'app-subdomains', why: '*.app.localhost matches a subdomain' },
    { host: 'a.b.app.localhost:5173', route: 'app-subdomains', why: 'wildcards match deeper subdomains' },
    { host: 'WEB.App.Localhost', route: 'app-subdomains', why: 'wildcards are case-insensitive' },
    { host: 'app.localhost', route: 'any-host', why: 'the wildcard needs a subdomain' },
    { host: 'evilapp.localhost', route: 'any-host', why: 'the wildcard matches at a dot boundary only' },
    { host: 'api.localhost.evil', route: 'any-host', why: 'exact means exact' },
    { host: '[::1]:8080', route: 'ipv6', why: 'IPv6 literal with a port' },
    { host: '[::1]', route: 'ipv6', why: 'IPv6 literal without a port' },
    { host: 'localhost:8080', route: 'any-host', why: 'an unfiltered route takes any other host' },
    { host: undefined, route: 'any-host', why: 'no Host header never matches a host-filtered route' },
  ])('Host $host → $route ($why)', ({ host, route }) => {
    expect(matchName(router, 'GET', host, '/')).toBe(route)
  })

  it('a host-filtered route that excludes the request falls through to a shorter prefix', () => {
    const r = routerFor({ path: '/api', host: 'api.localhost', target: T }, { path: '/', target: T })
    expect(matchName(r, 'GET', 'api.localhost', '/api/x')).toBe('api')
    expect(matchName(r, 'GET', 'web.localhost', '/api/x')).toBe('root')
  })

  it('a host that matches no route is a miss', () => {
    const r = routerFor({ path: '/', host: 'api.localhost', target: T })
    expect(r.match('GET', 'web.localhost', '/')).toBeUndefined()
  })
})

describe('createRouter: method filter', () => {
  const router = routerFor(
    { name: 'writes', path: '/api', methods: ['post', 'PUT'], target: T },
    { name: 'reads', path: '/api', methods: ['GET', 'HEAD'], target: T },
    { name: 'root', path: '/', target: T },
  )

  it.each([
    { method: 'POST', route: 'writes', why: 'configured methods are upper-cased' },
    { method: 'PUT', route: 'writes', why: 'listed method' },
    { method: 'GET', route: 'reads', why: 'falls through to the next /api route' },
    { method: 'HEAD', route: 'reads', why: 'falls through to the next /api route' },
    { method: 'DELETE', route: 'root', why: 'excluded by both /api routes, falls through to /' },
  ])('$method /api/items → $route ($why)', ({ method, route }) => {
    expect(matchName(router, method, 'localhost', '/api/items')).toBe(route)
  })

  it('a method no route accepts is a miss', () => {
    const r = routerFor({ path: '/api', methods: ['GET'], target: T })
    expect(r.match('POST', 'localhost', '/api')).toBeUndefined()
    expect(r.match('GET', 'localhost', '/api')?.name).toBe('api')
  })
})

describe('hostnameOf: the Host header without its port, lower-cased', () => {
  it.each([
    { host: 'api.localhost:8080', hostname: 'api.localhost' },
    { host: 'api.localhost', hostname: 'api.localhost' },
    { host: 'API.LocalHost', hostname: 'api.localhost' },
    { host: '127.0.0.1:3000', hostname: '127.0.0.1' },
    { host: '[::1]:8080', hostname: '[::1]' },
    { host: '[::1]', hostname: '[::1]' },
    { host: '[FE80::1]:80', hostname: '[fe80::1]' },
    { host: '[::1', hostname: '[::1' },
  ])('$host → $hostname', ({ host, hostname }) => {
    expect(hostnameOf(host)).toBe(hostname)
  })
})

describe('splitUrl: path and query split at the first "?", nothing decoded', () => {
  it.each([
    { url: '/api/users', pathname: '/api/users', search: '' },
    { url: '/api/users?page=2', pathname: '/api/users', search: '?page=2' },
    { url: '/api?', pathname: '/api', search: '?' },
    { url: '/api?a=?b', pathname: '/api', search: '?a=?b' },
    { url: '/a%2Fb?q=%20x+y', pathname: '/a%2Fb', search: '?q=%20x+y' },
    { url: '/', pathname: '/', search: '' },
  ])('$url → $pathname + "$search"', ({ url, pathname, search }) => {
    expect(splitUrl(url)).toEqual({ pathname, search })
  })
})
