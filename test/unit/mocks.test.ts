import { describe, expect, it, vi } from 'vitest'
import type { MockMatch, MockRequest, UserMock } from '../../src/mocks/config-types.js'
import { createMockSet, type MockCall, type MockFacts } from '../../src/mocks/mock-set.js'

/** Runs user code directly; the proxy gives a call with the route's time limit. */
const direct: MockCall = async (_hook, call) => call()

function request(url: string, fields: { method?: string; headers?: MockFacts['headers']; body?: string } = {}): MockFacts {
  return {
    method: fields.method ?? 'GET',
    url,
    headers: fields.headers ?? {},
    route: 'api',
    client: { address: '127.0.0.1', protocol: 'HTTP/1.1', tls: false },
    body: async () => Buffer.from(fields.body ?? ''),
  }
}

/** Which mock answered (its label), or 'upstream'. */
async function answeredBy(mocks: UserMock[], facts: MockFacts): Promise<string> {
  const found = await createMockSet(mocks).answer(facts, direct)
  return found?.label ?? 'upstream'
}

describe('match.path: exact, * for one segment, ** for any number of them', () => {
  it.each([
    { glob: '/api/users', path: '/api/users', matches: true },
    { glob: '/api/users', path: '/api/users/', matches: false },
    { glob: '/api/users', path: '/api/users/1', matches: false },
    { glob: '/api/users', path: '/api/users?page=2', matches: true },
    { glob: '/api/users/*', path: '/api/users/42', matches: true },
    { glob: '/api/users/*', path: '/api/users/42/posts', matches: false },
    { glob: '/api/users/*', path: '/api/users/', matches: false },
    { glob: '/api/users/*', path: '/api/users', matches: false },
    { glob: '/api/*/posts', path: '/api/7/posts', matches: true },
    { glob: '/api/**', path: '/api', matches: true },
    { glob: '/api/**', path: '/api/', matches: true },
    { glob: '/api/**', path: '/api/a/b/c', matches: true },
    { glob: '/api/**', path: '/apix', matches: false },
    { glob: '/a/**/z', path: '/a/z', matches: true },
    { glob: '/a/**/z', path: '/a/b/c/z', matches: true },
    { glob: '/a/**/z', path: '/a/b/c/y', matches: false },
    { glob: '/**', path: '/', matches: true },
    { glob: '/**', path: '/anything/at/all', matches: true },
    { glob: '/files/*.json', path: '/files/user.json', matches: true },
    { glob: '/files/*.json', path: '/files/a/user.json', matches: false },
    { glob: '/files/*.json', path: '/files/user.jsonx', matches: false },
    { glob: '/v1.0/users', path: '/v1x0/users', matches: false },
    { glob: '/search(old)', path: '/search(old)', matches: true },
    { glob: '/a+b/{id}', path: '/a+b/{id}', matches: true },
    { glob: '/a+b/{id}', path: '/aab/id', matches: false },
    { glob: '/api/users', path: 'http://localhost:8080/api/users?x=1', matches: true },
  ])('$glob vs $path → $matches', async ({ glob, path, matches }) => {
    expect(await answeredBy([{ match: { path: glob } }], request(path))).toBe(matches ? 'mock[0]' : 'upstream')
  })
})

describe('match.method, match.query, match.headers', () => {
  it.each<{ why: string; match: MockMatch | undefined; facts: MockFacts; matches: boolean }>([
    { why: 'method in any case', match: { method: 'post' }, facts: request('/', { method: 'POST' }), matches: true },
    { why: 'another method', match: { method: 'POST' }, facts: request('/'), matches: false },
    { why: 'one of several methods', match: { method: ['PUT', 'patch'] }, facts: request('/', { method: 'PATCH' }), matches: true },
    { why: 'none of several methods', match: { method: ['PUT', 'PATCH'] }, facts: request('/', { method: 'DELETE' }), matches: false },
    { why: 'a query parameter', match: { query: { page: '2' } }, facts: request('/?page=2&size=10'), matches: true },
    { why: 'a query parameter, other value', match: { query: { page: '2' } }, facts: request('/?page=3'), matches: false },
    { why: 'a query parameter missing', match: { query: { page: '2' } }, facts: request('/'), matches: false },
    { why: 'the last value of a repeated parameter', match: { query: { page: '2' } }, facts: request('/?page=1&page=2'), matches: true },
    { why: 'not an earlier value', match: { query: { page: '1' } }, facts: request('/?page=1&page=2'), matches: false },
    { why: 'decoded values', match: { query: { q: 'a b/c' } }, facts: request('/?q=a+b%2Fc'), matches: true },
    { why: 'an empty value', match: { query: { debug: '' } }, facts: request('/?debug'), matches: true },
    { why: 'every query parameter must match', match: { query: { a: '1', b: '2' } }, facts: request('/?a=1&b=3'), matches: false },
    { why: 'a header, name in any case', match: { headers: { 'X-Tenant': 'acme' } }, facts: request('/', { headers: { 'x-tenant': 'acme' } }), matches: true },
    { why: 'a header value is exact', match: { headers: { 'x-tenant': 'acme' } }, facts: request('/', { headers: { 'x-tenant': 'Acme' } }), matches: false },
    { why: 'a header missing', match: { headers: { 'x-tenant': 'acme' } }, facts: request('/'), matches: false },
    { why: 'a repeated header: any of its values', match: { headers: { 'x-tag': 'b' } }, facts: request('/', { headers: { 'x-tag': ['a', 'b'] } }), matches: true },
    { why: 'a repeated header: none of its values', match: { headers: { 'x-tag': 'c' } }, facts: request('/', { headers: { 'x-tag': ['a', 'b'] } }), matches: false },
    {
      why: 'every field must match',
      match: { method: 'GET', path: '/api/*', query: { v: '2' }, headers: { accept: 'application/json' } },
      facts: request('/api/users?v=2', { headers: { accept: 'application/json' } }),
      matches: true,
    },
    {
      why: 'every field must match (one does not)',
      match: { method: 'GET', path: '/api/*', query: { v: '2' }, headers: { accept: 'application/json' } },
      facts: request('/api/users?v=1', { headers: { accept: 'application/json' } }),
      matches: false,
    },
    { why: 'no match: every request', match: undefined, facts: request('/anything', { method: 'DELETE' }), matches: true },
  ])('$why', async ({ match, facts, matches }) => {
    expect(await answeredBy([{ match }], facts)).toBe(matches ? 'mock[0]' : 'upstream')
  })
})

/** The answers a set gives to each request in turn: a label and status, or 'upstream'. */
async function answersTo(mocks: UserMock[], requests: MockFacts[]): Promise<string[]> {
  const set = createMockSet(mocks)
  const out: string[] = []
  for (const facts of requests) {
    const found = await set.answer(facts, direct)
    out.push(found === undefined ? 'upstream' : `${found.label} ${(found.answer as { status?: number }).status ?? 200}`)
  }
  return out
}

const times = (n: number, url = '/'): MockFacts[] => Array.from({ length: n }, () => request(url))

describe('which mock answers: first match, nth, sequence, falling on', () => {
  it.each([
    {
      why: 'the first matching mock answers',
      mocks: [{ match: { path: '/a' }, status: 201 }, { status: 202 }, { status: 203 }],
      requests: [request('/a'), request('/b')],
      answers: ['mock[0] 201', 'mock[1] 202'],
    },
    {
      why: 'nth: only the kth matching request; the others go on to the upstream',
      mocks: [{ nth: 2, status: 500 }],
      requests: times(3),
      answers: ['upstream', 'mock[0] 500', 'upstream'],
    },
    {
      why: 'nth: the others go on to later mocks',
      mocks: [{ nth: 1, status: 201 }, { status: 200 }],
      requests: times(3),
      answers: ['mock[0] 201', 'mock[1] 200', 'mock[1] 200'],
    },
    {
      why: 'nth counts matching requests only',
      mocks: [{ match: { method: 'POST' }, nth: 2, status: 409 }],
      requests: [request('/', { method: 'POST' }), request('/'), request('/'), request('/', { method: 'POST' })],
      answers: ['upstream', 'upstream', 'upstream', 'mock[0] 409'],
    },
    {
      why: 'sequence: the nth match gets the nth answer, then requests go on',
      mocks: [{ sequence: [{ status: 503 }, { status: 503 }, { status: 200 }] }, { status: 204 }],
      requests: times(5),
      answers: ['mock[0] 503', 'mock[0] 503', 'mock[0] 200', 'mock[1] 204', 'mock[1] 204'],
    },
    {
      why: 'each mock counts its own matches: a request answered earlier never reaches it',
      mocks: [
        { match: { path: '/a' }, sequence: [{ status: 201 }, { status: 202 }] },
        { sequence: [{ status: 211 }, { status: 212 }] },
      ],
      requests: [request('/b'), request('/a'), request('/a'), request('/a'), request('/b')],
      answers: ['mock[1] 211', 'mock[0] 201', 'mock[0] 202', 'mock[1] 212', 'upstream'],
    },
    {
      why: 'no mocks: the upstream',
      mocks: [],
      requests: times(1),
      answers: ['upstream'],
    },
  ])('$why', async ({ mocks, requests, answers }) => {
    expect(await answersTo(mocks, requests)).toEqual(answers)
  })

  it('gives the mock\'s own answer fields, not its match or nth', async () => {
    const found = await createMockSet([{ match: { path: '/a' }, nth: 1, status: 418, headers: { 'x-a': '1' }, json: { ok: false }, delayMs: 5 }]).answer(request('/a'), direct)

    expect(found).toEqual({ label: 'mock[0]', answer: { status: 418, headers: { 'x-a': '1' }, json: { ok: false }, delayMs: 5 } })
  })

  it('gives a sequence entry as it is (prepareAnswer checks it)', async () => {
    const entry = { status: 201, file: 'a.json' }
    const found = await createMockSet([{ sequence: [entry] }]).answer(request('/'), direct)

    expect(found?.answer).toBe(entry)
  })

  it('counts start again in a new set (a reloaded config)', async () => {
    const mocks: UserMock[] = [{ nth: 1, status: 201 }]

    expect(await answersTo(mocks, times(2))).toEqual(['mock[0] 201', 'upstream'])
    expect(await answersTo(mocks, times(2))).toEqual(['mock[0] 201', 'upstream'])
  })
})

describe('respond', () => {
  it('is given the request, its path, last query values and the call count', async () => {
    const seen: MockRequest[] = []
    const set = createMockSet([{ match: { path: '/users/*' }, respond: (req) => void seen.push(req) }])
    const client = { address: '::1', protocol: 'HTTP/2.0', tls: true }

    await set.answer({ ...request('/users/7?x=1&x=2&y=', { method: 'PUT', headers: { 'x-a': 'b' } }), client }, direct)
    await set.answer(request('/users/8'), direct)

    expect(seen.map((req) => ({ ...req }))).toEqual([
      { route: 'api', method: 'PUT', url: '/users/7?x=1&x=2&y=', headers: { 'x-a': 'b' }, client, path: '/users/7', query: { x: '2', y: '' }, call: 1, body: expect.any(Function), text: expect.any(Function), json: expect.any(Function) },
      expect.objectContaining({ path: '/users/8', query: {}, call: 2 }),
    ])
  })

  it('its answer is returned as it is, with the mock\'s label', async () => {
    const set = createMockSet([{ match: { path: '/nope' } }, { respond: (req) => ({ status: 200 + req.call }) }])

    expect(await set.answer(request('/'), direct)).toEqual({ label: 'mock[1]', answer: { status: 201 } })
    expect(await set.answer(request('/'), direct)).toEqual({ label: 'mock[1]', answer: { status: 202 } })
  })

  it.each([
    { why: 'nothing', returns: undefined },
    { why: 'null', returns: null },
  ])('returning $why lets the request go on (and still counts)', async ({ returns }) => {
    const calls: number[] = []
    const mocks: UserMock[] = [{ respond: (req) => (calls.push(req.call), returns as undefined) }, { status: 299 }]

    expect(await answersTo(mocks, times(2))).toEqual(['mock[1] 299', 'mock[1] 299'])
    expect(calls).toEqual([1, 2])
  })

  it('anything else it returns is the answer, for prepareAnswer to judge', async () => {
    const found = await createMockSet([{ respond: () => 'ok' as never }]).answer(request('/'), direct)

    expect(found).toEqual({ label: 'mock[0]', answer: 'ok' })
  })

  it('runs through the caller\'s call, named by its label', async () => {
    const hooks: string[] = []
    const call: MockCall = async (hook, run) => {
      hooks.push(hook)
      return run()
    }
    await createMockSet([{ match: { method: 'POST' } }, { respond: () => ({ status: 204 }) }]).answer(request('/'), call)

    expect(hooks).toEqual(['mock[1].respond'])
  })

  it('an error or a timeout from the call rejects the answer', async () => {
    const timeout: MockCall = async () => Promise.reject(new Error('mock[0].respond took longer than 5000 ms'))

    await expect(createMockSet([{ respond: () => ({}) }]).answer(request('/'), timeout)).rejects.toThrow('took longer than 5000 ms')
  })

  it('with nth, is called for the kth match only', async () => {
    const respond = vi.fn(() => ({ status: 202 }))

    expect(await answersTo([{ nth: 2, respond }], times(3))).toEqual(['upstream', 'mock[0] 202', 'upstream'])
    expect(respond).toHaveBeenCalledTimes(1)
  })

  it('reads the body only when asked, and parses it as JSON', async () => {
    const body = vi.fn(async () => Buffer.from('{"name":"ada"}'))
    const facts = { ...request('/', { method: 'POST' }), body }
    const set = createMockSet([{ match: { method: 'GET' }, respond: () => ({}) }, { respond: async (req) => ({ json: await req.json() }) }])

    expect(await set.answer(facts, direct)).toEqual({ label: 'mock[1]', answer: { json: { name: 'ada' } } })
    expect(body).toHaveBeenCalledTimes(1)
    expect(await createMockSet([{ status: 200 }]).answer(facts, direct)).toBeDefined()
    expect(body).toHaveBeenCalledTimes(1)
  })

  it('json() rejects a body that is not JSON, saying so', async () => {
    const set = createMockSet([{ respond: async (req) => ({ json: await req.json() }) }])

    await expect(set.answer(request('/', { body: 'name=ada' }), direct)).rejects.toThrow(/^the request body is not JSON: /)
  })

  it('concurrent requests each get their own call number', async () => {
    const calls: number[] = []
    const set = createMockSet([
      {
        respond: async (req) => {
          await new Promise((resolve) => setTimeout(resolve, 10 - req.call))
          calls.push(req.call)
          return { status: 200 }
        },
      },
    ])
    await Promise.all(times(3).map((facts) => set.answer(facts, direct)))

    expect(calls.sort()).toEqual([1, 2, 3])
  })
})
