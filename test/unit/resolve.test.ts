import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/features.js'
import { nameFromPath } from '../../src/config/route-path.js'
import type { UserConfig, UserRoute } from '../../src/config/types.js'
import { ConfigError, ConfigValidationError } from '../../src/errors.js'

const T = 'http://localhost:3000'

function resolveRoute(route: Partial<UserRoute>) {
  return resolveConfig({ routes: [{ target: T, ...route }] }).routes[0]!
}

/** The ConfigError a config is rejected with. */
function rejection(config: unknown): ConfigError {
  try {
    resolveConfig(config as UserConfig)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error('expected the config to be rejected')
}

describe('resolveConfig: defaults', () => {
  const config = resolveConfig({ routes: [{ path: '/api', target: T }] })
  const route = config.routes[0]!

  it.each([
    { field: 'port', value: config.port, expected: 8080 },
    { field: 'host', value: config.host, expected: '127.0.0.1' },
    { field: 'file', value: config.file, expected: undefined },
    { field: 'routes[0].name', value: route.name, expected: 'api' },
    { field: 'routes[0].host', value: route.host, expected: undefined },
    { field: 'routes[0].methods', value: route.methods, expected: undefined },
    { field: 'routes[0].stripPrefix', value: route.stripPrefix, expected: false },
    { field: 'routes[0].rewrite', value: route.rewrite, expected: undefined },
    { field: 'routes[0].changeOrigin', value: route.changeOrigin, expected: false },
    { field: 'routes[0].ws', value: route.ws, expected: true },
    { field: 'routes[0].timeoutMs', value: route.timeoutMs, expected: 30_000 },
    { field: 'routes[0].connectMs', value: route.connectMs, expected: 5_000 },
    { field: 'routes[0].idleMs', value: route.idleMs, expected: 0 },
    {
      field: 'routes[0].retry',
      value: route.retry,
      expected: {
        attempts: 1,
        on: ['connect-failure', 'reset', 'timeout', '5xx'],
        baseMs: 100,
        maxMs: 2_000,
        jitter: 'full',
        methods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'],
        retryAfter: true,
        budgetMs: undefined,
        maxReplayBodyBytes: 1_048_576,
      },
    },
    { field: 'routes[0].maxRequestBodyBytes', value: route.maxRequestBodyBytes, expected: 10 * 1024 * 1024 },
    { field: 'routes[0].requestHeaders', value: route.requestHeaders, expected: {} },
    { field: 'routes[0].responseHeaders', value: route.responseHeaders, expected: {} },
  ])('$field defaults to $expected', ({ value, expected }) => {
    expect(value).toEqual(expected)
  })

  it('a partial retry policy keeps the defaults it does not set; methods are upper-cased', () => {
    const retry = resolveRoute({ retry: { attempts: 3, methods: ['get'] } }).retry
    expect(retry).toMatchObject({ attempts: 3, methods: ['GET'], on: ['connect-failure', 'reset', 'timeout', '5xx'], jitter: 'full', maxReplayBodyBytes: 1_048_576 })
  })

  it('path defaults to /', () => {
    expect(resolveRoute({}).path).toBe('/')
  })

  it('keeps the file the config came from', () => {
    expect(resolveConfig({ routes: [{ target: T }] }, '/p/proxy.config.ts').file).toBe('/p/proxy.config.ts')
  })

  it('given values override the defaults', () => {
    const resolved = resolveConfig({
      port: 0,
      host: '0.0.0.0',
      routes: [
        {
          name: 'backend',
          path: '/api',
          host: 'API.localhost',
          methods: ['get', 'Post'],
          target: [T, 'https://localhost:3443/'],
          stripPrefix: true,
          changeOrigin: true,
          ws: false,
          timeoutMs: 1_500,
          maxRequestBodyBytes: 1024,
          headers: { request: { 'X-Env': 'dev', Cookie: null }, response: { 'Cache-Control': 'no-store' } },
        },
      ],
    })
    expect(resolved.port).toBe(0)
    expect(resolved.host).toBe('0.0.0.0')
    const r = resolved.routes[0]!
    expect(r).toMatchObject({
      name: 'backend',
      path: '/api',
      host: 'api.localhost',
      methods: ['GET', 'POST'],
      stripPrefix: true,
      changeOrigin: true,
      ws: false,
      timeoutMs: 1_500,
      maxRequestBodyBytes: 1024,
      requestHeaders: { 'x-env': 'dev', cookie: null },
      responseHeaders: { 'cache-control': 'no-store' },
    })
    expect(r.targets.map((t) => t.href)).toEqual(['http://localhost:3000/', 'https://localhost:3443/'])
  })

  it('is frozen: a running proxy swaps whole configs, never edits one', () => {
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.routes)).toBe(true)
    expect(Object.isFrozen(route)).toBe(true)
  })
})

describe('resolveConfig: route name derived from path', () => {
  it.each([
    { path: '/api', name: 'api' },
    { path: '/', name: 'root' },
    { path: '/api/v1', name: 'api/v1' },
    { path: '/api/', name: 'api' },
  ])('$path → $name', ({ path, name }) => {
    expect(resolveRoute({ path }).name).toBe(name)
  })

  it.each([
    { path: '/api', name: 'api' },
    { path: '/', name: 'root' },
    { path: '/a/b/c', name: 'a/b/c' },
  ])('nameFromPath($path) → $name', ({ path, name }) => {
    expect(nameFromPath(path)).toBe(name)
  })

  it('an explicit name wins', () => {
    expect(resolveRoute({ name: 'backend', path: '/api' }).name).toBe('backend')
  })
})

describe('resolveConfig: path normalisation', () => {
  it.each([
    { path: '/api', normalised: '/api' },
    { path: '/api/', normalised: '/api' },
    { path: '/api///', normalised: '/api' },
    { path: '/api/v1/', normalised: '/api/v1' },
    { path: '/', normalised: '/' },
    { path: '//', normalised: '/' },
  ])('$path → $normalised', ({ path, normalised }) => {
    expect(resolveRoute({ path }).path).toBe(normalised)
  })
})

describe('resolveConfig: errors name the dotted path of the bad field', () => {
  it.each([
    { why: 'not an object', config: null, message: /must export an object/ },
    { why: 'missing routes', config: {}, message: /^routes must be a non-empty array/ },
    { why: 'empty routes', config: { routes: [] }, message: /^routes must be a non-empty array/ },
    { why: 'routes not an array', config: { routes: { path: '/' } }, message: /^routes must be a non-empty array/ },
    { why: 'a route that is not an object', config: { routes: [{ target: T }, 'api'] }, message: /^routes\[1\] must be an object/ },
    { why: 'path without a leading /', config: { routes: [{ path: 'api', target: T }] }, message: /^routes\[0\]\.path must start with "\/" \(got "api"\)/ },
    { why: 'path with a query', config: { routes: [{ path: '/api?x=1', target: T }] }, message: /^routes\[0\]\.path must be a path without query/ },
    { why: 'path in a later route', config: { routes: [{ target: T }, { path: 'v1', target: T }] }, message: /^routes\[1\]\.path/ },
    { why: 'missing target', config: { routes: [{ path: '/api' }] }, message: /^routes\[0\]\.target must be an http\(s\) URL/ },
    { why: 'empty target list', config: { routes: [{ target: [] }] }, message: /^routes\[0\]\.target must name at least one URL/ },
    { why: 'bad target in a list', config: { routes: [{ target: [T, 'ftp://x'] }] }, message: /^routes\[0\]\.target\[1\] must use http: or https:/ },
    { why: 'timeoutMs as a string', config: { routes: [{ target: T, timeoutMs: '30s' }] }, message: /^routes\[0\]\.timeoutMs must be a positive integer \(got "30s"\)/ },
    { why: 'timeoutMs zero', config: { routes: [{ target: T, timeoutMs: 0 }] }, message: /^routes\[0\]\.timeoutMs must be a positive integer/ },
    { why: 'timeoutMs fractional', config: { routes: [{ target: T, timeoutMs: 1.5 }] }, message: /^routes\[0\]\.timeoutMs must be a positive integer/ },
    { why: 'maxRequestBodyBytes negative', config: { routes: [{ target: T, maxRequestBodyBytes: -1 }] }, message: /^routes\[0\]\.maxRequestBodyBytes must be a positive integer/ },
    { why: 'port out of range', config: { port: 70_000, routes: [{ target: T }] }, message: /^port must be an integer from 0 to 65535 \(got 70000\)/ },
    { why: 'port as a string', config: { port: '8080', routes: [{ target: T }] }, message: /^port must be an integer/ },
  ])('$why → $message', ({ config, message }) => {
    expect(rejection(config).message).toMatch(message)
  })

  it('every config error has the stable code config_invalid', () => {
    expect(rejection({}).code).toBe('config_invalid')
  })

  it.each([
    { why: 'explicit names', routes: [{ name: 'api', path: '/a', target: T }, { name: 'api', path: '/b', target: T }] },
    { why: 'a derived name equal to an explicit one', routes: [{ path: '/api', target: T }, { name: 'api', path: '/b', target: T }] },
    { why: 'two paths that normalise to the same name', routes: [{ path: '/api', target: T }, { path: '/api/', target: T }] },
  ])('duplicate route names ($why) are rejected, naming the name', ({ routes }) => {
    expect(rejection({ routes }).message).toMatch(/"api" is already used by routes\[\d\]/)
  })

  // DESIGN.md §2: an invalid config is reported with "the dotted path of the bad field".
  it('duplicate route names: the message names the dotted path of the second route', () => {
    const routes = [{ path: '/', target: T }, { name: 'api', path: '/a', target: T }, { name: 'api', path: '/b', target: T }]
    expect(rejection({ routes }).message).toContain('routes[2].name')
  })
})

describe('resolveConfig: values of the wrong type are config errors, not crashes', () => {
  // A .js config (or a .ts one loaded without type-checking) can hold any value; the user
  // should get a ConfigError naming the field, not a TypeError from deep inside resolve.
  it.each([
    { field: 'routes[0].methods', route: { target: T, methods: 'GET' } },
    { field: 'routes[0].host', route: { target: T, host: 8080 } },
  ])('$field', ({ field, route }) => {
    expect(rejection({ routes: [route] }).message).toContain(field)
  })
})

describe('resolveConfig: an invalid config is rejected with every issue at once', () => {
  it('throws a ConfigValidationError: one line per issue, the first suggestion, the issues kept', () => {
    const error = rejection({ routes: [{ target: 'ftp://x', timeoutMs: '30s' }], port: -1 })
    expect(error).toBeInstanceOf(ConfigValidationError)
    expect(error.message).toBe(
      [
        'routes[0].target must use http: or https: (got "ftp://x")',
        'routes[0].timeoutMs must be a positive integer (got "30s")',
        'port must be an integer from 0 to 65535 (got -1)',
      ].join('\n'),
    )
    expect(error.suggestion).toBe('Write the full origin, e.g. http://x')
    expect((error as ConfigValidationError).issues.map((issue) => issue.path)).toEqual(['routes[0].target', 'routes[0].timeoutMs', 'port'])
  })

  it('an issue with the whole config starts its line with the message', () => {
    expect(rejection(null).message).toBe('the config must export an object: export default defineConfig({ routes: [...] }) (got null)')
  })
})
