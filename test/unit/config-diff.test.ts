import { describe, expect, it } from 'vitest'
import { diffConfigs } from '../../src/config/diff.js'
import { resolveConfig } from '../../src/config/resolve.js'
import type { UserConfig, UserRoute } from '../../src/config/types.js'
import { formatReload } from '../../src/log/format-reload.js'
import { plainPalette } from '../../src/log/palette.js'

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

  it('reports a listen change, which needs a restart', () => {
    expect(diffConfigs(config(base), config(base, { port: 9090 }))).toEqual([{ kind: 'listen', field: 'port', before: '8080', after: '9090' }])
  })

  it('sees a changed rewrite function by its source', () => {
    const before = config([{ ...base[0]!, rewrite: (p) => p }])
    const after = config([{ ...base[0]!, rewrite: (p) => p.replace('/v1', '/v2') }])
    expect(diffConfigs(before, after)).toMatchObject([{ kind: 'changed', fields: [{ field: 'rewrite' }] }])
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

  it('says when nothing changed and when a broken config was fixed', () => {
    expect(formatReload({ type: 'reloaded', file: 'f', changes: [], recovered: true }, 'proxy.config.ts', plainPalette)).toEqual([
      '↻ proxy.config.ts reloaded (fixed): no route changes',
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
