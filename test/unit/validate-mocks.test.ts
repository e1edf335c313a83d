import { describe, expect, it } from 'vitest'
import type { ConfigIssue } from '../../src/config/checks.js'
import { checkMocks } from '../../src/mocks/validate-mocks.js'

const AT = 'routes[0].mock'

function issuesOf(value: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  checkMocks(value, AT, issues)
  return issues
}

describe('checkMocks: valid mocks have no issues', () => {
  it.each<{ why: string; mock: unknown }>([
    { why: 'an empty mock answers every request with 200', mock: {} },
    { why: 'one mock, not in an array', mock: { match: { path: '/api/users/*' }, json: [{ id: 1 }] } },
    {
      why: 'every match field',
      mock: [{ match: { method: ['get', 'PROPFIND'], path: '/a/**/b/*.json', query: { page: '2', q: '' }, headers: { 'X-Tenant': 'acme' } }, status: 404 }],
    },
    { why: 'one method', mock: [{ match: { method: 'DELETE' }, status: 204 }] },
    { why: 'every answer field', mock: [{ status: 299, headers: { 'x-a': ['1', '2'], 'cache-control': 'no-store' }, body: 'x', delayMs: 0 }] },
    { why: 'bytes and a file', mock: [{ body: new Uint8Array([1]) }, { file: 'fixtures/a.json', delayMs: 100 }] },
    { why: 'nth with an answer', mock: [{ nth: 3, status: 503 }] },
    { why: 'nth with respond', mock: [{ nth: 1, respond: () => undefined }] },
    { why: 'a sequence', mock: [{ match: { path: '/x' }, sequence: [{ status: 503, delayMs: 50 }, { json: { ok: true } }, {}] }] },
    { why: 'respond', mock: [{ respond: () => ({ status: 201 }) }] },
    { why: 'fields left undefined', mock: [{ match: undefined, json: undefined, status: undefined, body: 'x' }] },
    { why: 'a 204 with no body', mock: [{ status: 204, headers: { 'x-a': '1' } }] },
  ])('$why', ({ mock }) => {
    expect(issuesOf(mock)).toEqual([])
  })
})

describe('checkMocks: each rule names the dotted path and what is expected', () => {
  it.each<{ mock: unknown; issues: ConfigIssue[] }>([
    // the field itself
    { mock: 'GET /x', issues: [{ path: AT, message: 'must be a mock such as { match: { path: "/api/users/*" }, json: { id: 1 } }, or an array of them (got "GET /x")' }] },
    { mock: [], issues: [{ path: AT, message: 'must be a mock or a non-empty array of mocks (got [])', suggestion: 'remove mock to send every request to the target' }] },
    { mock: [null], issues: [{ path: `${AT}[0]`, message: 'must be a mock such as { match: { path: "/api/users/*" }, json: { id: 1 } }, or an array of them (got null)' }] },
    {
      mock: [{ stauts: 200 }],
      issues: [{ path: `${AT}[0]`, message: '"stauts" is not a known option', suggestion: 'did you mean "status"?' }],
    },
    {
      mock: [{ macth: { path: '/x' } }],
      issues: [{ path: `${AT}[0]`, message: '"macth" is not a known option', suggestion: 'did you mean "match"?' }],
    },
    // match
    { mock: [{ match: '/x' }], issues: [{ path: `${AT}[0].match`, message: 'must be an object such as { method: "GET", path: "/api/users/*" } (got "/x")' }] },
    {
      mock: [{ match: { paht: '/x' } }],
      issues: [{ path: `${AT}[0].match`, message: '"paht" is not a known option', suggestion: 'did you mean "path"?' }],
    },
    {
      mock: [{ match: { method: 'GTE' } }],
      issues: [{ path: `${AT}[0].match.method`, message: 'must be an HTTP method such as "GET" (got "GTE")', suggestion: 'did you mean "GET"?' }],
    },
    {
      mock: [{ match: { method: ['GET', 'PSOT'] } }],
      issues: [{ path: `${AT}[0].match.method[1]`, message: 'must be an HTTP method such as "GET" (got "PSOT")', suggestion: 'did you mean "POST"?' }],
    },
    {
      mock: [{ match: { method: [] } }],
      issues: [{ path: `${AT}[0].match.method`, message: 'must be a non-empty array of method names such as ["GET", "POST"] (got [])' }],
    },
    {
      mock: [{ match: { path: 'api/users' } }],
      issues: [{ path: `${AT}[0].match.path`, message: 'must start with "/" (got "api/users")', suggestion: 'did you mean "/api/users"?' }],
    },
    {
      mock: [{ match: { path: '/search?q=x' } }],
      issues: [{ path: `${AT}[0].match.path`, message: 'must be a path without a query (got "/search?q=x")', suggestion: 'match query parameters with match.query, such as { page: "2" }' }],
    },
    { mock: [{ match: { path: '/a#b' } }], issues: [{ path: `${AT}[0].match.path`, message: 'must be a path without a fragment (clients never send one) (got "/a#b")' }] },
    { mock: [{ match: { path: '/a b' } }], issues: [{ path: `${AT}[0].match.path`, message: 'must not contain whitespace (got "/a b")' }] },
    { mock: [{ match: { path: 7 } }], issues: [{ path: `${AT}[0].match.path`, message: 'must be a path starting with "/", such as "/api/users/*" (got 7)' }] },
    {
      mock: [{ match: { path: '/files/**.json' } }],
      issues: [{ path: `${AT}[0].match.path`, message: 'uses ** inside a segment (got "/files/**.json")', suggestion: '** stands for whole segments (/api/**); * for part of one (/files/*.json)' }],
    },
    {
      mock: [{ match: { query: { page: 2 } } }],
      issues: [{ path: `${AT}[0].match.query.page`, message: 'must be a string (got 2)', suggestion: 'write it as a string: "2"' }],
    },
    {
      mock: [{ match: { query: 'page=2' } }],
      issues: [{ path: `${AT}[0].match.query`, message: 'must be an object of query parameters to values, such as { page: "2" } (got "page=2")' }],
    },
    {
      mock: [{ match: { headers: { 'x tenant': 'acme', 'x-ids': ['1'] } } }],
      issues: [
        { path: `${AT}[0].match.headers["x tenant"]`, message: 'is not a valid header name: use letters, digits and "-" (RFC 9110 token characters)' },
        { path: `${AT}[0].match.headers["x-ids"]`, message: 'must be a string (got ["1"])' },
      ],
    },
    // nth, sequence, respond
    { mock: [{ nth: 0 }], issues: [{ path: `${AT}[0].nth`, message: 'must be a positive integer (got 0)' }] },
    { mock: [{ nth: '2' }], issues: [{ path: `${AT}[0].nth`, message: 'must be a positive integer (got "2")' }] },
    {
      mock: [{ sequence: [] }],
      issues: [{ path: `${AT}[0].sequence`, message: 'must be a non-empty array of answers such as [{ status: 503 }, { json: { ok: true } }] (got [])' }],
    },
    {
      mock: [{ sequence: [{ status: 503 }, 'ok', { status: 100 }, { json: 1, body: 'x' }, { satus: 200 }] }],
      issues: [
        { path: `${AT}[0].sequence[1]`, message: 'must be an answer object such as { status: 200, json: { ok: true } } (got "ok")' },
        {
          path: `${AT}[0].sequence[2].status`,
          message: 'must be a final status from 200 to 599 (got 100)',
          suggestion: '1xx responses are interim (RFC 9110 §15.2): the client keeps waiting for a final one, so an answer cannot be 1xx',
        },
        { path: `${AT}[0].sequence[3]`, message: 'has json and body: an answer takes at most one of json, body and file', suggestion: 'keep json and remove the others' },
        { path: `${AT}[0].sequence[4]`, message: '"satus" is not a known option', suggestion: 'did you mean "status"?' },
      ],
    },
    {
      mock: [{ sequence: [{ status: 304, file: 'a.json' }] }],
      issues: [
        {
          path: `${AT}[0].sequence[0].file`,
          message: 'cannot be sent with status 304, which has no content (RFC 9110 §6.4.1) (got "a.json")',
          suggestion: 'remove it, or use status 200',
        },
      ],
    },
    {
      mock: [{ respond: { status: 200 } }],
      issues: [{ path: `${AT}[0].respond`, message: 'must be a function returning an answer, such as (req) => ({ json: { id: req.query.id } }) (got {"status":200})' }],
    },
    // the answer fields
    { mock: [{ status: 99 }], issues: [{ path: `${AT}[0].status`, message: 'must be an integer status from 200 to 599 (got 99)' }] },
    { mock: [{ headers: { 'x-a': 1 } }], issues: [{ path: `${AT}[0].headers["x-a"]`, message: 'must be a string or an array of strings (got a number)' }] },
    { mock: [{ body: 1 }], issues: [{ path: `${AT}[0].body`, message: 'must be a string or bytes (a Uint8Array or Buffer) (got 1)' }] },
    { mock: [{ json: 1n }], issues: [{ path: `${AT}[0].json`, message: 'must be a value JSON can represent: Do not know how to serialize a BigInt' }] },
    { mock: [{ file: 3 }], issues: [{ path: `${AT}[0].file`, message: 'must be a file path relative to the config file, such as "fixtures/user.json" (got 3)' }] },
    { mock: [{ delayMs: -5 }], issues: [{ path: `${AT}[0].delayMs`, message: 'must be a non-negative integer (got -5)' }] },
    {
      mock: [{ status: 204, body: 'x' }],
      issues: [{ path: `${AT}[0].body`, message: 'cannot be sent with status 204, which has no content (RFC 9110 §6.4.1) (got "x")', suggestion: 'remove it, or use status 200' }],
    },
    // fields that go together
    {
      mock: [{ json: {}, file: 'a.json' }],
      issues: [{ path: `${AT}[0]`, message: 'has json and file: a mock answers with one of json, body, file, sequence and respond', suggestion: 'keep one; to answer other requests differently, write another mock' }],
    },
    {
      mock: [{ body: 'x', respond: () => undefined }],
      issues: [{ path: `${AT}[0]`, message: 'has body and respond: a mock answers with one of json, body, file, sequence and respond', suggestion: 'keep one; to answer other requests differently, write another mock' }],
    },
    {
      mock: [{ sequence: [{}], respond: () => undefined }],
      issues: [{ path: `${AT}[0]`, message: 'has sequence and respond: a mock answers with one of json, body, file, sequence and respond', suggestion: 'keep one; to answer other requests differently, write another mock' }],
    },
    {
      mock: [{ nth: 2, sequence: [{ status: 500 }] }],
      issues: [
        {
          path: `${AT}[0].nth`,
          message: 'cannot be used with sequence: both choose answers by the count of matching requests',
          suggestion: 'nth: 3 answers only the 3rd request (with status, json, body or file); sequence: [a, b] answers the 1st with a, the 2nd with b',
        },
      ],
    },
    {
      mock: [{ status: 500, delayMs: 10, sequence: [{}] }],
      issues: [
        { path: `${AT}[0].status`, message: 'is not used with sequence: each answer in the sequence has its own status', suggestion: 'move it into each answer in the sequence' },
        { path: `${AT}[0].delayMs`, message: 'is not used with sequence: each answer in the sequence has its own delayMs', suggestion: 'move it into each answer in the sequence' },
      ],
    },
    {
      mock: [{ headers: { 'x-a': '1' }, respond: () => undefined }],
      issues: [{ path: `${AT}[0].headers`, message: "is not used with respond: respond's answer has its own headers", suggestion: "move it into respond's answer" }],
    },
    // every problem, not just the first
    {
      mock: [{ nth: -1 }, { match: { method: 'FOO' } }],
      issues: [
        { path: `${AT}[0].nth`, message: 'must be a positive integer (got -1)' },
        { path: `${AT}[1].match.method`, message: 'must be an HTTP method such as "GET" (got "FOO")' },
      ],
    },
  ])('$mock', ({ mock, issues }) => {
    expect(issuesOf(mock)).toEqual(issues)
  })
})
