import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { diffConfigs } from '../../src/features.js'
import { insecureRouteWarnings } from '../../src/config/insecure-routes.js'
import { readCaFile } from '../../src/config/read-ca.js'
import { resolveConfig } from '../../src/features.js'
import type { UserConfig, UserRoute } from '../../src/config/types.js'
import { ConfigValidationError } from '../../src/errors.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/tls/', import.meta.url))
const HTTPS = 'https://localhost:5173'

let dir: string
let configFile: string
let caPem: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devproxy-ca-'))
  configFile = join(dir, 'proxy.config.ts')
  caPem = await readFile(join(FIXTURES, 'ca.pem'), 'utf8')
  await mkdir(join(dir, 'certs'))
  await writeFile(join(dir, 'certs', 'rootCA.pem'), caPem)
  await writeFile(join(dir, 'notes.txt'), 'not a certificate\n')
  await writeFile(join(dir, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n')
  await writeFile(join(dir, 'bundle.pem'), `# a key and a certificate in one file\n${await readFile(join(FIXTURES, 'localhost-key.pem'), 'utf8')}${caPem}`)
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function resolveWith(routes: UserRoute[]) {
  return resolveConfig({ routes } satisfies UserConfig, configFile)
}

/** The issues a config is rejected with. */
function issuesOf(routes: UserRoute[]) {
  try {
    resolveWith(routes)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError)
    return (error as ConfigValidationError).issues
  }
  throw new Error('expected the config to be rejected')
}

describe('resolveConfig: a route ca is read when the config is resolved', () => {
  it('a relative path is relative to the config file, not the cwd', () => {
    const tls = resolveWith([{ target: HTTPS, ca: 'certs/rootCA.pem' }]).routes[0]!.tls
    expect(tls).toEqual({ rejectUnauthorized: true, ca: caPem, caFile: 'certs/rootCA.pem' })
  })

  it('an absolute path is used as is', () => {
    expect(resolveWith([{ target: HTTPS, ca: join(FIXTURES, 'ca.pem') }]).routes[0]!.tls.ca).toBe(caPem)
  })

  it('without a config file (--target, tests), it is relative to the cwd', () => {
    expect(resolveConfig({ routes: [{ target: HTTPS, ca: 'test/fixtures/tls/ca.pem' }] }).routes[0]!.tls.ca).toBe(caPem)
  })

  it('keeps only the certificates of a file that also holds a key', () => {
    const pem = resolveWith([{ target: HTTPS, ca: 'bundle.pem' }]).routes[0]!.tls.ca
    expect(pem).toBe(caPem)
    expect(pem).not.toContain('PRIVATE KEY')
  })

  it('defaults: verify against the system CAs only', () => {
    expect(resolveWith([{ target: HTTPS }]).routes[0]!.tls).toEqual({ rejectUnauthorized: true, ca: undefined, caFile: undefined })
    expect(resolveWith([{ target: HTTPS, secure: false }]).routes[0]!.tls).toEqual({ rejectUnauthorized: false, ca: undefined, caFile: undefined })
  })
})

describe('resolveConfig: a ca that cannot be used is a config error at routes[N].ca', () => {
  it.each([
    {
      why: 'a missing file: the path tried and the OS error',
      ca: 'certs/missing.pem',
      message: () => `cannot read ${join(dir, 'certs', 'missing.pem')}: no such file or directory (ENOENT)`,
      suggestion: () => `ca is a PEM file of CA certificates, relative to ${dir}; for mkcert, it is the file printed by: echo "$(mkcert -CAROOT)/rootCA.pem"`,
    },
    {
      why: 'a directory',
      ca: 'certs',
      message: () => `cannot read ${join(dir, 'certs')}: illegal operation on a directory (EISDIR)`,
      suggestion: () => 'mkcert -CAROOT',
    },
    {
      why: 'a file with no PEM certificate',
      ca: 'notes.txt',
      message: () => `${join(dir, 'notes.txt')} holds no "-----BEGIN CERTIFICATE-----" block`,
      suggestion: () => "mkcert's rootCA.pem, not rootCA-key.pem",
    },
    {
      why: 'the private key given instead of the certificate',
      ca: join(FIXTURES, 'localhost-key.pem'),
      message: () => `${join(FIXTURES, 'localhost-key.pem')} holds a private key, not a certificate`,
      suggestion: () => 'openssl x509 -inform der',
    },
    {
      why: 'a certificate block that does not parse',
      ca: 'broken.pem',
      message: () => `${join(dir, 'broken.pem')}: its certificate does not parse`,
      suggestion: () => 'export the CA certificate again',
    },
  ])('$why', ({ ca, message, suggestion }) => {
    const issues = issuesOf([{ target: HTTPS, ca }])
    expect(issues).toHaveLength(1)
    expect(issues[0]!.path).toBe('routes[0].ca')
    expect(issues[0]!.message).toContain(message())
    expect(issues[0]!.suggestion).toContain(suggestion())
  })

  it('reports every route whose ca cannot be used, not just the first', () => {
    const issues = issuesOf([
      { path: '/a', target: HTTPS, ca: 'a.pem' },
      { path: '/b', target: HTTPS, ca: 'certs/rootCA.pem' },
      { path: '/c', target: HTTPS, ca: 'c.pem' },
    ])
    expect(issues.map((i) => i.path)).toEqual(['routes[0].ca', 'routes[2].ca'])
  })

  it('the error message names the field, the path and the OS error on one line', () => {
    expect(() => resolveWith([{ target: HTTPS, ca: 'missing.pem' }])).toThrow(
      `routes[0].ca cannot read ${join(dir, 'missing.pem')}: no such file or directory (ENOENT)`,
    )
  })

  it('is reported with the other problems of the config, all at once', () => {
    const issues = issuesOf([
      { path: '/a', target: HTTPS, ca: 'missing.pem' },
      { path: '/b', target: HTTPS, timeoutMs: -1 },
    ])
    expect(issues.map((i) => i.path)).toEqual(['routes[1].timeoutMs', 'routes[0].ca'])
  })

  it('a ca that is already wrong (on http:// targets only) is not read as well', () => {
    const issues = issuesOf([{ target: 'http://localhost:3000', ca: 'missing.pem' }])
    expect(issues.map((i) => [i.path, i.message.split(' (got')[0]])).toEqual([
      ['routes[0].ca', "only applies to https:// targets, and this route's targets are all http://"],
    ])
  })
})

describe('readCaFile', () => {
  it('returns the PEM of a CA file', () => {
    expect(readCaFile('ca.pem', FIXTURES)).toEqual({ pem: caPem })
  })

  it('accepts a bundle of several certificates', async () => {
    const leaf = await readFile(join(FIXTURES, 'localhost.pem'), 'utf8')
    await writeFile(join(dir, 'chain.pem'), leaf + caPem)
    expect(readCaFile('chain.pem', dir)).toEqual({ pem: `${leaf.trim()}\n${caPem}` })
  })
})

describe('insecureRouteWarnings: one line per route with secure: false', () => {
  const config = resolveConfig({
    routes: [
      { name: 'api', path: '/api', target: 'https://localhost:3443', secure: false },
      { name: 'pool', path: '/pool', target: ['https://localhost:4443', 'http://localhost:4000', 'https://127.0.0.1:4444'], secure: false },
      { name: 'checked', path: '/checked', target: 'https://localhost:5443' },
      { name: 'web', path: '/', target: 'http://localhost:5173' },
    ],
  })

  it('names the route and its https:// targets only', () => {
    expect(insecureRouteWarnings(config.routes)).toEqual([
      'route api has secure: false, so the certificate of https://localhost:3443 is not verified (any certificate is accepted). Give it ca: "path/to/rootCA.pem" instead to trust just the dev server\'s CA.',
      'route pool has secure: false, so the certificates of https://localhost:4443, https://127.0.0.1:4444 are not verified (any certificate is accepted). Give it ca: "path/to/rootCA.pem" instead to trust just the dev server\'s CA.',
    ])
  })

  it('nothing when every route verifies', () => {
    expect(insecureRouteWarnings(resolveConfig({ routes: [{ target: 'https://localhost:3443' }] }).routes)).toEqual([])
  })
})

describe('diffConfigs: a reload that changes secure or ca says so', () => {
  it('secure and ca are route fields like the others', () => {
    const before = resolveWith([{ name: 'api', target: HTTPS }])
    const after = resolveWith([{ name: 'api', target: HTTPS, secure: false, ca: 'certs/rootCA.pem' }])
    expect(diffConfigs(before, after)).toEqual([
      {
        kind: 'changed',
        route: 'api',
        fields: [
          { field: 'secure', before: 'true', after: 'false' },
          { field: 'ca', before: 'none', after: 'certs/rootCA.pem' },
        ],
      },
    ])
  })
})
