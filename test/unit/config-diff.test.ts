import { copyFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { DEFAULT_RECORD_BODY_BYTES } from '../../src/record/config.js'
import { diffConfigs } from '../../src/features.js'
import { resolveConfig } from '../../src/features.js'
import type { UserConfig, UserRetry, UserRoute } from '../../src/config/types.js'
import { formatReload } from '../../src/log/format-reload.js'
import { plainPalette } from '../../src/terminal/palette.js'

const A = 'http://localhost:3000'
const B = 'http://localhost:4000'

function config(routes: UserRoute[], rest: Partial<UserConfig> = {}) {
  return resolveConfig({ routes, ...rest })
}

describe('diffConfigs: what a reload changed', () => {
  const base = [{ name: 'api', path: '/api', target: A }, { name: 'web', path: '/', target: B }]

  it.each([
    { change: 'nothing', after: base, expected: [] },
    {
      change: 'a route added',
      after: [...base, { name: 'auth', path: '/auth', target: A }],
      expected: [{ kind: 'added', route: 'auth', summary: '/auth → http://localhost:3000' }],
    },
    {
      change: 'a route removed',
      after: [base[1]!],
      expected: [{ kind: 'removed', route: 'api', summary: '/api → http://localhost:3000' }],
    },
    {
      change: 'a target changed',
      after: [{ ...base[0]!, target: B }, base[1]!],
      expected: [{ kind: 'changed', route: 'api', fields: [{ field: 'target', before: A, after: B }] }],
    },
    {
      change: 'several fields of one route',
      after: [{ ...base[0]!, timeoutMs: 5_000, stripPrefix: true, headers: { request: { 'x-env': 'dev', cookie: null } } }, base[1]!],
      expected: [
        {
          kind: 'changed',
          route: 'api',
          fields: [
            { field: 'stripPrefix', before: 'false', after: 'true' },
            { field: 'timeoutMs', before: '30000', after: '5000' },
            { field: 'headers.request', before: 'none', after: 'x-env: dev; -cookie' },
          ],
        },
      ],
    },
    {
      change: 'a target array and a host filter',
      after: [{ ...base[0]!, target: [A, B], host: 'api.localhost' }, base[1]!],
      expected: [
        {
          kind: 'changed',
          route: 'api',
          fields: [
            { field: 'host', before: 'any', after: 'api.localhost' },
            { field: 'target', before: A, after: `${A}, ${B}` },
          ],
        },
      ],
    },
    {
      change: 'a rename (seen as remove + add)',
      after: [{ ...base[0]!, name: 'backend' }, base[1]!],
      expected: [
        { kind: 'removed', route: 'api', summary: '/api → http://localhost:3000' },
        { kind: 'added', route: 'backend', summary: '/api → http://localhost:3000' },
      ],
    },
  ])('$change', ({ after, expected }) => {
    expect(diffConfigs(config(base), config(after))).toEqual(expected)
  })

  it('turning HTTPS on, or moving it to a port of its own, is a listen change that needs a restart', () => {
    expect(diffConfigs(config(base), config(base, { https: true }))).toEqual([{ kind: 'listen', field: 'https', before: 'off', after: 'on' }])
    expect(diffConfigs(config(base, { https: true }), config(base, { https: { port: 8443 } }))).toEqual([{ kind: 'listen', field: 'https', before: 'on', after: 'port 8443' }])
    expect(diffConfigs(config(base, { https: { port: 8443 } }), config(base, { https: { port: 8443 } }))).toEqual([])
  })

  it('reports a listen change, which needs a restart', () => {
    expect(diffConfigs(config(base), config(base, { port: 9090 }))).toEqual([{ kind: 'listen', field: 'port', before: '8080', after: '9090' }])
  })

  it('sees a changed rewrite function by its source', () => {
    const before = config([{ ...base[0]!, rewrite: (p) => p }])
    const after = config([{ ...base[0]!, rewrite: (p) => p.replace('/v1', '/v2') }])
    expect(diffConfigs(before, after)).toMatchObject([{ kind: 'changed', fields: [{ field: 'rewrite' }] }])
  })
})

/** One option set on a route that had it unset: the field the reload names, and its two values. */
interface Row {
  readonly set: Partial<UserRoute>
  readonly field: string
  readonly before: string
  readonly after: string
  /** The route before, when the option needs something (an https:// target). */
  readonly base?: Partial<UserRoute>
}

const HTTPS = 'https://localhost:5173'
const FIXTURES = fileURLToPath(new URL('../fixtures/tls/', import.meta.url))

const RETRY_ROWS: { readonly [K in keyof UserRetry]-?: Row } = {
  attempts: { set: { retry: { attempts: 3 } }, field: 'retry.attempts', before: '1', after: '3' },
  on: { set: { retry: { on: ['5xx', 429] } }, field: 'retry.on', before: 'connect-failure, reset, timeout, 5xx', after: '5xx, 429' },
  baseMs: { set: { retry: { baseMs: 50 } }, field: 'retry.baseMs', before: '100', after: '50' },
  maxMs: { set: { retry: { maxMs: 500 } }, field: 'retry.maxMs', before: '2000', after: '500' },
  jitter: { set: { retry: { jitter: 'none' } }, field: 'retry.jitter', before: 'full', after: 'none' },
  methods: { set: { retry: { methods: ['GET'] } }, field: 'retry.methods', before: 'GET, HEAD, OPTIONS, PUT, DELETE, TRACE', after: 'GET' },
  retryAfter: { set: { retry: { retryAfter: false } }, field: 'retry.retryAfter', before: 'true', after: 'false' },
  budgetMs: { set: { retry: { budgetMs: 1_000 } }, field: 'retry.budgetMs', before: 'none', after: '1000' },
  maxReplayBodyBytes: { set: { retry: { maxReplayBodyBytes: 0 } }, field: 'retry.maxReplayBodyBytes', before: '1048576', after: '0' },
}

/** Keyed by UserRoute: an option added there without a row here does not type-check. */
const ROUTE_ROWS: { readonly [K in keyof UserRoute]-?: readonly Row[] } = {
  name: [], // a rename is a route removed and one added (above)
  path: [{ set: { path: '/v2' }, field: 'path', before: '/api', after: '/v2' }],
  host: [{ set: { host: 'api.localhost' }, field: 'host', before: 'any', after: 'api.localhost' }],
  methods: [{ set: { methods: ['GET', 'POST'] }, field: 'methods', before: 'any', after: 'GET,POST' }],
  target: [
    { set: { target: B }, field: 'target', before: A, after: B },
    { set: { target: () => B }, field: 'target', before: A, after: '() => B' },
  ],
  stripPrefix: [{ set: { stripPrefix: true }, field: 'stripPrefix', before: 'false', after: 'true' }],
  rewrite: [{ set: { rewrite: (p) => p.slice(3) }, field: 'rewrite', before: 'none', after: '(p) => p.slice(3)' }],
  changeOrigin: [{ set: { changeOrigin: true }, field: 'changeOrigin', before: 'false', after: 'true' }],
  ws: [{ set: { ws: false }, field: 'ws', before: 'true', after: 'false' }],
  timeoutMs: [{ set: { timeoutMs: 5_000 }, field: 'timeoutMs', before: '30000', after: '5000' }],
  connectMs: [{ set: { connectMs: 100 }, field: 'connectMs', before: '5000', after: '100' }],
  idleMs: [{ set: { idleMs: 1_000 }, field: 'idleMs', before: '0', after: '1000' }],
  retry: [...Object.values(RETRY_ROWS), { set: { retry: () => ({ attempts: 2 }) }, field: 'retry', before: 'none', after: '() => ({ attempts: 2 })' }],
  headers: [
    { set: { headers: { request: { 'x-env': 'dev' } } }, field: 'headers.request', before: 'none', after: 'x-env: dev' },
    { set: { headers: { response: { 'cache-control': 'no-store' } } }, field: 'headers.response', before: 'none', after: 'cache-control: no-store' },
  ],
  maxRequestBodyBytes: [{ set: { maxRequestBodyBytes: 1_024 }, field: 'maxRequestBodyBytes', before: '10485760', after: '1024' }],
  uploadIdleMs: [{ set: { uploadIdleMs: 1_000 }, field: 'uploadIdleMs', before: '60000', after: '1000' }],
  maxConnections: [{ set: { maxConnections: 4 }, field: 'maxConnections', before: '128', after: '4' }],
  maxResponseBodyBytes: [{ set: { maxResponseBodyBytes: 1_000 }, field: 'maxResponseBodyBytes', before: 'no limit', after: '1000' }],
  cookieDomainRewrite: [{ set: { cookieDomainRewrite: 'localhost' }, field: 'cookieDomainRewrite', before: 'false', after: '"localhost"' }],
  cookiePathRewrite: [{ set: { cookiePathRewrite: { '/api': '/' } }, field: 'cookiePathRewrite', before: 'false', after: '{"/api":"/"}' }],
  onRequest: [{ set: { onRequest: () => undefined }, field: 'onRequest', before: 'none', after: '() => undefined' }],
  onResponse: [{ set: { onResponse: () => undefined }, field: 'onResponse', before: 'none', after: '() => undefined' }],
  transform: [
    { set: { transform: { event: () => null } }, field: 'transform.event', before: 'none', after: '() => null' },
    { set: { transform: { chunk: () => null } }, field: 'transform.chunk', before: 'none', after: '() => null' },
    { set: { transform: { end: () => undefined } }, field: 'transform.end', before: 'none', after: '() => undefined' },
  ],
  mock: [{ set: { mock: { match: { path: '/api/me' }, json: { id: 1 } } }, field: 'mock', before: 'none', after: '[{"match":{"path":"/api/me"},"json":{"id":1}}]' }],
  hookTimeoutMs: [{ set: { hookTimeoutMs: 1_000 }, field: 'hookTimeoutMs', before: '5000', after: '1000' }],
  secure: [{ base: { target: HTTPS }, set: { secure: false }, field: 'secure', before: 'true', after: 'false' }],
  ca: [{ base: { target: HTTPS }, set: { ca: join(FIXTURES, 'ca.pem') }, field: 'ca', before: 'none', after: join(FIXTURES, 'ca.pem') }],
}

describe('diffConfigs: every route option a reload changes is named', () => {
  const api: UserRoute = { name: 'api', path: '/api', target: A }

  it.each(Object.values(ROUTE_ROWS).flat())('$field: $before → $after', ({ set, field, before, after, base }) => {
    const was = config([{ ...api, ...base }])
    const now = config([{ ...api, ...base, ...set }])
    expect(diffConfigs(was, now)).toEqual([{ kind: 'changed', route: 'api', fields: [{ field, before, after }] }])
  })

  it('a ca file whose certificates changed under the same name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devproxy-ca-'))
    try {
      const ca = join(dir, 'ca.pem')
      await copyFile(join(FIXTURES, 'ca.pem'), ca)
      const was = config([{ ...api, target: HTTPS, ca }])
      await copyFile(join(FIXTURES, 'localhost.pem'), ca)
      expect(diffConfigs(was, config([{ ...api, target: HTTPS, ca }]))).toEqual([
        { kind: 'changed', route: 'api', fields: [{ field: 'ca', before: ca, after: `${ca} (its certificates changed)` }] },
      ])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('diffConfigs: settings outside the routes', () => {
  const routes: UserRoute[] = [{ name: 'api', path: '/api', target: A }]

  it.each([
    // put in force by the reload
    { set: { faults: ['5xx 30% --route api'] }, change: { kind: 'setting', field: 'faults', before: 'none', after: '5xx rate=0.3 route=api' } },
    { set: { faults: [{ kind: 'latency' as const, latencyMs: [200, 800] as const }] }, change: { kind: 'setting', field: 'faults', before: 'none', after: 'latency latencyMs=200,800' } },
    { set: { faults: { allowHeader: true } }, change: { kind: 'setting', field: 'faults.allowHeader', before: 'false', after: 'true' } },
    // read once at start
    { set: { log: { diff: 'body' as const } }, change: { kind: 'restart', field: 'log.diff', before: 'none', after: 'body' } },
    { set: { log: { ignore: ['date', '$.id'] } }, change: { kind: 'restart', field: 'log.ignore', before: 'none', after: 'date, $.id' } },
    { set: { record: { redact: ['X-Session'] } }, change: { kind: 'restart', field: 'record.redact', before: 'none', after: 'x-session' } },
    { set: { record: { maxBodyBytes: 1_024 } }, change: { kind: 'restart', field: 'record.maxBodyBytes', before: String(DEFAULT_RECORD_BODY_BYTES), after: '1024' } },
  ])('$change.field: $change.before → $change.after ($change.kind)', ({ set, change }) => {
    expect(diffConfigs(config(routes), config(routes, set))).toEqual([change])
  })
})

describe('formatReload: the lines a reload prints', () => {
  const before = config([{ name: 'api', path: '/api', target: A }, { name: 'old', path: '/old', target: A }])
  const after = config([{ name: 'api', path: '/api', target: B }, { name: 'new', path: '/new', target: B }], { port: 9090 })
  const changes = diffConfigs(before, after)

  it('headline with counts, then one line per change', () => {
    expect(formatReload({ type: 'reloaded', file: '/x/proxy.config.ts', changes, recovered: false }, 'proxy.config.ts', plainPalette)).toEqual([
      '↻ proxy.config.ts reloaded: 1 added, 1 removed, 1 changed, 1 needs restart',
      '  ! port 8080 → 9090 takes effect after a restart (still on 8080)',
      '  - old  /old → http://localhost:3000',
      '  ~ api',
      '      target: http://localhost:3000 → http://localhost:4000',
      '  + new  /new → http://localhost:4000',
    ])
  })

  it('a retry change, a fault and a setting that needs a restart', () => {
    const route: UserRoute = { name: 'api', path: '/api', target: A }
    const changes = diffConfigs(config([route]), config([{ ...route, retry: { attempts: 3 } }], { faults: ['5xx 30% --route api'], log: { diff: 'body' } }))
    expect(formatReload({ type: 'reloaded', file: 'f', changes, recovered: false }, 'proxy.config.ts', plainPalette)).toEqual([
      '↻ proxy.config.ts reloaded: 2 changed, 1 needs restart',
      '  ~ api',
      '      retry.attempts: 1 → 3',
      '  ~ faults: none → 5xx rate=0.3 route=api',
      '  ! log.diff: none → body takes effect after a restart',
    ])
  })

  it('says when nothing changed and when a broken config was fixed', () => {
    expect(formatReload({ type: 'reloaded', file: 'f', changes: [], recovered: true }, 'proxy.config.ts', plainPalette)).toEqual([
      '↻ proxy.config.ts reloaded (fixed): no changes',
    ])
  })

  it('an invalid edit says the last good config keeps serving, with the error indented', () => {
    const error = new Error('proxy.config.ts:3:25: syntax error: Unexpected token\n> 3 | x')
    expect(formatReload({ type: 'invalid', file: 'f', error }, 'proxy.config.ts', plainPalette)).toEqual([
      '✗ proxy.config.ts has errors; still serving the last good config',
      '  proxy.config.ts:3:25: syntax error: Unexpected token',
      '  > 3 | x',
    ])
  })
})
