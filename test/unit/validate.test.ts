import { describe, expect, it } from 'vitest'
import { didYouMean } from '../../src/config/did-you-mean.js'
import { formatIssues, type ConfigIssue } from '../../src/config/validate.js'
import { validateConfig } from '../../src/features.js'

const T = 'http://localhost:3000'

/** A config with one route: `target` plus the given fields. */
function withRoute(fields: Record<string, unknown>): unknown {
  return { routes: [{ target: T, ...fields }] }
}

function withHeaders(request: unknown): unknown {
  return withRoute({ headers: { request } })
}

const fn = (path: string): string => path

describe('validateConfig: valid configs have no issues', () => {
  it.each([
    { why: 'the smallest config', config: { routes: [{ target: T }] } },
    { why: 'several targets', config: { routes: [{ target: [T, 'https://localhost:3443/'] }] } },
    { why: 'fields left undefined', config: { port: undefined, routes: [{ target: T, name: undefined, headers: undefined }] } },
    {
      why: 'every option set',
      config: {
        port: 0,
        host: '0.0.0.0',
        routes: [
          { path: '/', target: T },
          {
            name: 'backend',
            path: '/api/v1/',
            host: '*.localhost',
            methods: ['GET', 'post', 'PROPFIND'],
            target: [T, 'https://127.0.0.1:3443'],
            stripPrefix: true,
            rewrite: fn,
            changeOrigin: true,
            ws: false,
            timeoutMs: 1_500,
            connectMs: 200,
            idleMs: 0,
            retry: { attempts: 3, on: ['connect-failure', 'reset', 'timeout', '5xx', 'gateway-error', '429', 409], baseMs: 0, maxMs: 100, jitter: 'decorrelated', methods: ['get', 'PUT'], retryAfter: false, budgetMs: 1_000, maxReplayBodyBytes: 0 },
            maxRequestBodyBytes: 1024,
            headers: { request: { 'X-Env': 'dev', Cookie: null }, response: { 'cache-control': 'no-store' } },
          },
          { path: '/v6', host: '[::1]', target: T },
        ],
        log: { diff: 'body', ignore: ['date', '$.requestId'] },
        faults: { allowHeader: true, rules: ['5xx 30% --route backend', { kind: 'latency', latencyMs: [10, 20], route: 'backend' }] },
      },
    },
  ])('$why', ({ config }) => {
    expect(validateConfig(config)).toEqual([])
  })
})

describe('validateConfig: each rule names the dotted path and what is expected', () => {
  it.each([
    // the config itself
    { config: null, path: '', message: 'the config must export an object: export default defineConfig({ routes: [...] }) (got null)' },
    { config: undefined, path: '', message: 'must export an object: export default defineConfig({ routes: [...] }) (got nothing)' },
    { config: [{ target: T }], path: '', message: 'must export an object' },
    { config: { routes: [{ target: T }], port: 70_000 }, path: 'port', message: 'must be an integer from 0 to 65535 (got 70000)' },
    { config: { routes: [{ target: T }], port: '8080' }, path: 'port', message: 'must be an integer from 0 to 65535 (got "8080")' },
    { config: { routes: [{ target: T }], host: '' }, path: 'host', message: 'must be a non-empty address such as "127.0.0.1" (got "")' },
    // routes
    { config: {}, path: 'routes', message: 'must be a non-empty array (got nothing)' },
    { config: { routes: [] }, path: 'routes', message: 'must be a non-empty array (got [])' },
    { config: { routes: { target: T } }, path: 'routes', message: 'must be a non-empty array (got {"target":"http://localhost:3000"})' },
    { config: { routes: [{ target: T }, 'api'] }, path: 'routes[1]', message: 'must be an object such as { path: "/api", target: "http://localhost:3000" } (got "api")' },
    // route.name
    { config: withRoute({ name: '' }), path: 'routes[0].name', message: 'must be a non-empty string (got "")' },
    { config: withRoute({ name: 42 }), path: 'routes[0].name', message: 'must be a non-empty string (got 42)' },
    // route.path
    { config: withRoute({ path: 'api' }), path: 'routes[0].path', message: 'must start with "/" (got "api")' },
    { config: withRoute({ path: 7 }), path: 'routes[0].path', message: 'must be a string starting with "/" (got 7)' },
    { config: withRoute({ path: '/api?x=1' }), path: 'routes[0].path', message: 'must be a path without query or fragment (got "/api?x=1")' },
    { config: withRoute({ path: '/docs#top' }), path: 'routes[0].path', message: 'must be a path without query or fragment' },
    { config: withRoute({ path: '/my api' }), path: 'routes[0].path', message: 'must not contain whitespace (got "/my api")' },
    // route.host
    { config: withRoute({ host: 8080 }), path: 'routes[0].host', message: 'must be a host name such as "api.localhost" or "*.localhost", without scheme or port (got 8080)' },
    { config: withRoute({ host: '' }), path: 'routes[0].host', message: 'must be a host name' },
    { config: withRoute({ host: 'api.localhost:3000' }), path: 'routes[0].host', message: 'without scheme or port (got "api.localhost:3000")' },
    { config: withRoute({ host: 'http://api.localhost' }), path: 'routes[0].host', message: 'without scheme or port (got "http://api.localhost")' },
    { config: withRoute({ host: 'api.*.localhost' }), path: 'routes[0].host', message: 'must be a host name' },
    // route.methods
    { config: withRoute({ methods: 'GET' }), path: 'routes[0].methods', message: 'must be a non-empty array of method names such as ["GET", "POST"] (got "GET")' },
    { config: withRoute({ methods: [] }), path: 'routes[0].methods', message: 'must be a non-empty array of method names' },
    { config: withRoute({ methods: ['GET', 'GE T'] }), path: 'routes[0].methods[1]', message: 'must be an HTTP method such as "GET" (got "GE T")' },
    { config: withRoute({ methods: ['GET', 1] }), path: 'routes[0].methods[1]', message: 'must be an HTTP method such as "GET" (got 1)' },
    // a well-formed token Node's parser would answer 400 before any route saw it
    { config: withRoute({ methods: ['GTE'] }), path: 'routes[0].methods[0]', message: 'must be an HTTP method such as "GET" (got "GTE")' },
    { config: withRoute({ methods: ['FOO'] }), path: 'routes[0].methods[0]', message: 'must be an HTTP method such as "GET" (got "FOO")' },
    // route.target
    { config: { routes: [{ path: '/api' }] }, path: 'routes[0].target', message: 'must be an http(s) URL such as http://localhost:3000 (got nothing)' },
    { config: withRoute({ target: 3000 }), path: 'routes[0].target', message: 'must be an http(s) URL such as http://localhost:3000 (got 3000)' },
    { config: withRoute({ target: 'ftp://x' }), path: 'routes[0].target', message: 'must use http: or https: (got "ftp://x")' },
    { config: withRoute({ target: 'localhost:3000' }), path: 'routes[0].target', message: 'must use http: or https: (got "localhost:3000")' },
    { config: withRoute({ target: ':3000' }), path: 'routes[0].target', message: 'is not a URL: ":3000"' },
    { config: withRoute({ target: [] }), path: 'routes[0].target', message: 'must name at least one URL (got [])' },
    { config: withRoute({ target: [T, 'ftp://x'] }), path: 'routes[0].target[1]', message: 'must use http: or https: (got "ftp://x")' },
    { config: withRoute({ target: 'http://localhost:3000/?debug=1' }), path: 'routes[0].target', message: 'must not have a query or fragment' },
    // booleans and the rewrite function
    { config: withRoute({ stripPrefix: 'yes' }), path: 'routes[0].stripPrefix', message: 'must be true or false (got "yes")' },
    { config: withRoute({ changeOrigin: 1 }), path: 'routes[0].changeOrigin', message: 'must be true or false (got 1)' },
    { config: withRoute({ ws: null }), path: 'routes[0].ws', message: 'must be true or false (got null)' },
    { config: withRoute({ rewrite: '/v2' }), path: 'routes[0].rewrite', message: 'must be a function from path to path' },
    // numbers
    { config: withRoute({ timeoutMs: '30s' }), path: 'routes[0].timeoutMs', message: 'must be a positive integer (got "30s")' },
    { config: withRoute({ timeoutMs: 0 }), path: 'routes[0].timeoutMs', message: 'must be a positive integer (got 0)' },
    { config: withRoute({ timeoutMs: 1.5 }), path: 'routes[0].timeoutMs', message: 'must be a positive integer (got 1.5)' },
    { config: withRoute({ timeoutMs: Number.NaN }), path: 'routes[0].timeoutMs', message: 'must be a positive integer (got NaN)' },
    { config: withRoute({ timeoutMs: 3e9 }), path: 'routes[0].timeoutMs', message: 'must be at most 2147483647 (got 3000000000)' },
    { config: withRoute({ maxRequestBodyBytes: -1 }), path: 'routes[0].maxRequestBodyBytes', message: 'must be a positive integer (got -1)' },
    // headers
    { config: withRoute({ headers: ['x-env'] }), path: 'routes[0].headers', message: 'must be an object such as { request: { "x-env": "dev" }, response: { "cache-control": null } } (got ["x-env"])' },
    { config: withHeaders('x-env: dev'), path: 'routes[0].headers.request', message: 'must be an object of header names to values, such as { "x-env": "dev" } (got "x-env: dev")' },
    { config: withHeaders({ 'x env': 'dev' }), path: 'routes[0].headers.request["x env"]', message: 'is not a valid header name' },
    { config: withHeaders({ 'x-env': 1 }), path: 'routes[0].headers.request["x-env"]', message: 'must be a string, or null to remove the header (got 1)' },
    { config: withHeaders({ 'x-env': false }), path: 'routes[0].headers.request["x-env"]', message: 'must be a string, or null to remove the header (got false)' },
    { config: withHeaders({ 'x-env': 'dev\r\nSet-Cookie: admin=1' }), path: 'routes[0].headers.request["x-env"]', message: 'header values cannot contain line breaks' },
    { config: withHeaders({ 'x-env': 'dev\nx' }), path: 'routes[0].headers.request["x-env"]', message: 'header values cannot contain line breaks' },
    { config: withHeaders({ 'x-env': 'dev\0' }), path: 'routes[0].headers.request["x-env"]', message: 'header values cannot contain line breaks (CR, LF) or NUL' },
    { config: withHeaders({ 'x-env': 'dev\u0007' }), path: 'routes[0].headers.request["x-env"]', message: 'must contain only printable Latin-1 characters' },
    { config: withHeaders({ Authorization: 'Bearer ✓' }), path: 'routes[0].headers.request.Authorization', message: 'must contain only printable Latin-1 characters' },
    { config: withRoute({ headers: { response: { 'x-env': 2 } } }), path: 'routes[0].headers.response["x-env"]', message: 'must be a string, or null' },
    // phase timeouts
    { config: withRoute({ connectMs: 0 }), path: 'routes[0].connectMs', message: 'must be a positive integer (got 0)' },
    { config: withRoute({ idleMs: -1 }), path: 'routes[0].idleMs', message: 'must be a non-negative integer (0 turns it off) (got -1)' },
    // retry
    { config: withRoute({ retry: 3 }), path: 'routes[0].retry', message: 'must be an object such as { attempts: 3, on: ["connect-failure", "5xx"] } (got 3)' },
    { config: withRoute({ retry: { attempts: 0 } }), path: 'routes[0].retry.attempts', message: 'must be a positive integer (got 0)' },
    { config: withRoute({ retry: { attempts: 50 } }), path: 'routes[0].retry.attempts', message: 'must be at most 10 (got 50)' },
    { config: withRoute({ retry: { on: [] } }), path: 'routes[0].retry.on', message: 'must be a non-empty array of conditions' },
    { config: withRoute({ retry: { on: ['5xx', 'rest'] } }), path: 'routes[0].retry.on[1]', message: 'must be one of "connect-failure", "reset", "timeout", "5xx", "gateway-error", "429" or a status code (got "rest")' },
    { config: withRoute({ retry: { on: [999] } }), path: 'routes[0].retry.on[0]', message: 'must be a status code from 100 to 599 (got 999)' },
    { config: withRoute({ retry: { jitter: 'ful' } }), path: 'routes[0].retry.jitter', message: 'must be one of "full", "equal", "decorrelated", "none" (got "ful")' },
    { config: withRoute({ retry: { baseMs: 500, maxMs: 100 } }), path: 'routes[0].retry.maxMs', message: 'must be at least baseMs (500) (got 100)' },
    { config: withRoute({ retry: { methods: ['GET', 'POST'] } }), path: 'routes[0].retry.methods[1]', message: 'must be an idempotent method (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) (got "POST")' },
    { config: withRoute({ retry: { methods: ['GTE'] } }), path: 'routes[0].retry.methods[0]', message: 'must be an HTTP method such as "GET" (got "GTE")' },
    { config: withRoute({ retry: { retryAfter: 'yes' } }), path: 'routes[0].retry.retryAfter', message: 'must be true or false (got "yes")' },
    { config: withRoute({ retry: { budgetMs: 0 } }), path: 'routes[0].retry.budgetMs', message: 'must be a positive integer (got 0)' },
    { config: withRoute({ retry: { maxReplayBodyBytes: 1.5 } }), path: 'routes[0].retry.maxReplayBodyBytes', message: 'must be a non-negative integer (got 1.5)' },
    // faults
    { config: { routes: [{ target: T }], faults: 'chaos' }, path: 'faults', message: 'must be an array of faults, or { allowHeader: true, rules: [...] } (got "chaos")' },
    { config: { routes: [{ target: T }], faults: ['5xx 30'] }, path: 'faults[0]', message: '--5xx: "30" is not a rate; write 30%' },
    { config: { routes: [{ target: T }], faults: [{ kind: 'reset', rate: 2 }] }, path: 'faults[0].rate', message: 'must be a rate from 0 to 1' },
    { config: { routes: [{ target: T }], faults: { allowHeader: 'yes' } }, path: 'faults.allowHeader', message: 'must be true or false (got "yes")' },
    { config: { routes: [{ name: 'api', target: T }], faults: [{ kind: 'reset', route: 'apii' }] }, path: 'faults[0].route', message: '"apii" names no route of this proxy (did you mean "api"?); its routes are api' },
    { config: { routes: [{ name: 'api', target: T }], faults: { rules: [{ kind: 'reset', route: 'web' }] } }, path: 'faults.rules[0].route', message: '"web" names no route of this proxy; its routes are api' },
    // the string form is held to the same: the entry, then the flag at fault
    { config: { routes: [{ name: 'users', target: T }, { path: '/web', target: T }], faults: ['5xx 30% --route api'] }, path: 'faults[0]', message: '--route "api" names no route of this proxy; its routes are users, web' },
    { config: { routes: [{ name: 'api', target: T }], faults: { rules: ['reset 10%', 'timeout 5% --route apii'] } }, path: 'faults.rules[1]', message: '--route "apii" names no route of this proxy (did you mean "api"?)' },
    { config: { routes: [{ name: 'api', target: T, methods: ['GET'] }], faults: ['reset 10% --route api --method POST'] }, path: 'faults[0]', message: '--method "POST" never reaches route api, which takes only GET' },
    { config: { routes: [{ target: T }], faults: [{ kind: 'reset', method: 'GTE' }] }, path: 'faults[0].method', message: 'must be an HTTP method such as "GET" (got "GTE")' },
    // log
    { config: { routes: [{ target: T }], log: { diff: 'bodies' } }, path: 'log.diff', message: 'must be one of "none", "headers", "body" (got "bodies")' },
    { config: { routes: [{ target: T }], log: { ignore: 'date' } }, path: 'log.ignore', message: 'must be a non-empty array of header names and JSON paths' },
    { config: { routes: [{ target: T }], log: { ignore: ['date', 'items[0]'] } }, path: 'log.ignore[1]', message: 'must be a header name or a JSON path such as "$.requestId" (got "items[0]")' },
    { config: { routes: [{ target: T }], log: { ignore: ['$.items['] } }, path: 'log.ignore[0]', message: 'must be a header name or a JSON path' },
    // routes after the first
    { config: { routes: [{ target: T }, { path: '/b', target: T, timeoutMs: '30s' }] }, path: 'routes[1].timeoutMs', message: 'must be a positive integer (got "30s")' },
  ])('$path $message', ({ config, path, message }) => {
    expect(validateConfig(config)).toContainEqual(expect.objectContaining({ path, message: expect.stringContaining(message) }))
  })
})

describe('validateConfig: unknown options, with the option probably meant', () => {
  it.each([
    { config: { routes: [{ target: T }], Routes: [] }, path: '', key: 'Routes', suggestion: 'did you mean "routes"?' },
    { config: withRoute({ timout: 5000 }), path: 'routes[0]', key: 'timout', suggestion: 'did you mean "timeoutMs"?' },
    { config: withRoute({ stripprefix: true }), path: 'routes[0]', key: 'stripprefix', suggestion: 'did you mean "stripPrefix"?' },
    { config: withRoute({ header: {} }), path: 'routes[0]', key: 'header', suggestion: 'did you mean "headers"?' },
    { config: withRoute({ headers: { requests: {} } }), path: 'routes[0].headers', key: 'requests', suggestion: 'did you mean "request"?' },
    { config: { routes: [{ target: T }], listen: 8080 }, path: '', key: 'listen', suggestion: 'known options: port, host, https, routes' },
    { config: withRoute({ 'proxy-timeout': 1 }), path: 'routes[0]', key: 'proxy-timeout', suggestion: 'known options: name, path, host, methods, target,' },
  ])('$key → $suggestion', ({ config, path, key, suggestion }) => {
    expect(validateConfig(config)).toContainEqual({
      path,
      message: `${JSON.stringify(key)} is not a known option`,
      suggestion: expect.stringContaining(suggestion),
    })
  })
})

describe('validateConfig: suggested fixes', () => {
  it.each([
    { config: withRoute({ host: 'http://api.localhost:3000' }), suggestion: 'write the host name only: api.localhost' },
    { config: withRoute({ host: 'api.localhost:3000' }), suggestion: 'write the host name only: api.localhost' },
    { config: withRoute({ host: '*.localhost:8080' }), suggestion: 'write the host name only: *.localhost' },
    { config: withRoute({ host: '[::1]:8080' }), suggestion: 'write the host name only: [::1]' },
    { config: withRoute({ path: 'api' }), suggestion: 'did you mean "/api"?' },
    { config: withRoute({ retry: { on: ['conect-failure'] } }), suggestion: 'did you mean "connect-failure"?' },
    { config: withRoute({ retry: { on: ['503'] } }), suggestion: 'write the status as a number: 503' },
    { config: withRoute({ retry: { jitter: 'ful' } }), suggestion: 'did you mean "full"?' },
    { config: withRoute({ retry: { atempts: 3 } }), suggestion: 'did you mean "attempts"?' },
    { config: withRoute({ target: 'localhost:3000' }), suggestion: 'Write the full origin, e.g. http://localhost:3000' },
    { config: withRoute({ target: 'ftp://x' }), suggestion: 'Write the full origin, e.g. http://x' },
    { config: { routes: [] }, suggestion: 'e.g. routes: [{ path: "/", target: "http://localhost:3000" }]' },
    { config: withRoute({ methods: ['GTE'] }), suggestion: 'did you mean "GET"?' },
    { config: withRoute({ methods: ['PSOT'] }), suggestion: 'did you mean "POST"?' },
    { config: { routes: [{ target: T }], faults: [{ kind: 'reset', method: 'GTE' }] }, suggestion: 'did you mean "GET"?' },
    { config: { routes: [{ target: T }], log: { ignore: ['items[0].id'] } }, suggestion: 'did you mean $.items[0].id? (JSON paths start with $)' },
  ])('$suggestion', ({ config, suggestion }) => {
    expect(validateConfig(config)[0]?.suggestion).toBe(suggestion)
  })

  it('offers no host fix when the bare name is no better', () => {
    expect(validateConfig(withRoute({ host: 'a b' }))[0]?.suggestion).toBeUndefined()
  })
})

describe('validateConfig: secure and ca apply to https:// targets only', () => {
  const HTTPS = 'https://localhost:5173'

  it.each([
    { why: 'secure: false on an https:// target', route: { target: HTTPS, secure: false } },
    { why: 'ca on an https:// target', route: { target: HTTPS, ca: 'certs/rootCA.pem' } },
    { why: 'both, on a mix of http:// and https:// targets', route: { target: [T, HTTPS], secure: true, ca: 'rootCA.pem' } },
    { why: 'an invalid target is reported on its own, not as an http-only route', route: { target: 'localhost:3000', ca: 'rootCA.pem' }, only: 'routes[0].target' },
  ])('$why', ({ route, only }) => {
    const issues = validateConfig({ routes: [route] })
    if (only === undefined) expect(issues).toEqual([])
    else expect(issues.map((i) => i.path)).toEqual([only])
  })

  it.each([
    { field: 'ca', route: { target: T, ca: 'rootCA.pem' }, got: '"rootCA.pem"' },
    { field: 'secure', route: { target: T, secure: false }, got: 'false' },
    { field: 'secure', route: { target: [T, 'http://localhost:3001'], secure: true }, got: 'true' },
  ])('$field on http:// targets only → "only applies to https:// targets"', ({ field, route, got }) => {
    expect(validateConfig({ routes: [route] })).toEqual([
      {
        path: `routes[0].${field}`,
        message: `only applies to https:// targets, and this route's targets are all http:// (got ${got})`,
        suggestion: 'remove it, or use https:// in target if the upstream serves TLS',
      },
    ])
  })

  it.each([
    { route: { target: HTTPS, secure: 'no' }, path: 'routes[0].secure', message: 'must be true or false (got "no")' },
    { route: { target: HTTPS, ca: '' }, path: 'routes[0].ca', message: 'must be a non-empty string (got "")' },
    { route: { target: HTTPS, ca: ['a.pem'] }, path: 'routes[0].ca', message: 'must be a non-empty string (got ["a.pem"])' },
  ])('$path $message', ({ route, path, message }) => {
    expect(validateConfig({ routes: [route] })).toEqual([{ path, message }])
  })
})

describe('validateConfig: route names must be unique, given or derived from the path', () => {
  it.each([
    { why: 'two given names', routes: [{ name: 'api', path: '/a' }, { name: 'api', path: '/b' }], name: 'api' },
    { why: 'a derived name equal to a given one', routes: [{ path: '/api' }, { name: 'api', path: '/b' }], name: 'api' },
    { why: 'two paths that normalise to the same name', routes: [{ path: '/api' }, { path: '/api/' }], name: 'api' },
    { why: 'two routes on /', routes: [{}, { methods: ['POST'] }], name: 'root' },
  ])('$why: reported on the later route', ({ routes, name }) => {
    const issues = validateConfig({ routes: routes.map((route) => ({ target: T, ...route })) })
    expect(issues).toEqual([{ path: 'routes[1].name', message: `"${name}" is already used by routes[0]`, suggestion: expect.any(String) }])
  })

  it('a derived name says where it comes from', () => {
    const [issue] = validateConfig({ routes: [{ path: '/api', target: T }, { path: '/api/', target: T }] })
    expect(issue?.suggestion).toBe('it is the default name for path "/api/"; set name: "..." on one of them')
  })

  it('names the first route that used it', () => {
    const routes = [{ path: '/', target: T }, { name: 'api', path: '/a', target: T }, { name: 'api', path: '/b', target: T }]
    expect(validateConfig({ routes })).toEqual([expect.objectContaining({ path: 'routes[2].name', message: '"api" is already used by routes[1]' })])
  })
})

describe('validateConfig: collects every problem, in the order written', () => {
  it('reports each bad field of each route', () => {
    const config = {
      port: -1,
      routes: [
        { path: 'api', target: 'localhost:3000', timout: 5 },
        { target: T, headers: { request: { 'x-env': 'a\r\nb' } }, ws: 'yes' },
      ],
    }
    expect(validateConfig(config).map((issue) => issue.path)).toEqual([
      'port',
      'routes[0].path',
      'routes[0].target',
      'routes[0]',
      'routes[1].headers.request["x-env"]',
      'routes[1].ws',
    ])
  })

  it('a missing target is reported after the fields that are there', () => {
    expect(validateConfig({ routes: [{ path: 'api' }] }).map((issue) => issue.path)).toEqual(['routes[0].path', 'routes[0].target'])
  })
})

describe('validateConfig: got values are shown as written', () => {
  it.each([
    { what: 'a missing value', config: withRoute({ headers: { request: { 'x-env': undefined } } }), shown: '(got nothing)' },
    { what: 'a function', config: withRoute({ name: fn }), shown: '(got a function)' },
    { what: 'an object', config: withRoute({ name: { a: 1 } }), shown: '(got {"a":1})' },
    { what: 'a bigint', config: withRoute({ timeoutMs: 10n }), shown: '(got 10n)' },
    { what: 'a long value, cut to 60 characters', config: withRoute({ name: 0, path: `/${'x'.repeat(200)} ` }), shown: `(got "/${'x'.repeat(57)}…)` },
  ])('$what: $shown', ({ config, shown }) => {
    expect(validateConfig(config).at(-1)?.message).toContain(shown)
  })
})

describe('formatIssues', () => {
  const issues: ConfigIssue[] = [
    { path: 'routes[1].timeoutMs', message: 'must be a positive integer (got "30s")' },
    { path: 'routes[0]', message: '"timout" is not a known option', suggestion: 'did you mean "timeoutMs"?' },
    { path: '', message: 'the config must export an object' },
  ]

  it('prints one line per issue, the suggestion indented below', () => {
    expect(formatIssues(issues, 'proxy.config.ts')).toBe(
      [
        'proxy.config.ts: routes[1].timeoutMs must be a positive integer (got "30s")',
        'proxy.config.ts: routes[0] "timout" is not a known option',
        '  → did you mean "timeoutMs"?',
        'proxy.config.ts: the config must export an object',
      ].join('\n'),
    )
  })

  it('without a prefix, starts each line with the path', () => {
    expect(formatIssues(issues.slice(0, 1))).toBe('routes[1].timeoutMs must be a positive integer (got "30s")')
  })
})

describe('didYouMean', () => {
  const known = ['name', 'path', 'host', 'methods', 'target', 'stripPrefix', 'timeoutMs', 'headers'] as const

  it.each([
    { key: 'timout', meant: 'timeoutMs' },
    { key: 'timeout', meant: 'timeoutMs' },
    { key: 'stripprefix', meant: 'stripPrefix' },
    { key: 'STRIPPREFIX', meant: 'stripPrefix' },
    { key: 'header', meant: 'headers' },
    { key: 'taget', meant: 'target' },
    { key: 'method', meant: 'methods' },
    { key: 'hots', meant: 'host' },
  ])('$key → $meant', ({ key, meant }) => {
    expect(didYouMean(key, known)).toBe(meant)
  })

  it.each(['x', 'upstream', 'listen', 'proxyTimeout'])('%s → nothing close', (key) => {
    expect(didYouMean(key, known)).toBeUndefined()
  })
})
