import { describe, expect, it } from 'vitest'
import type { ConfigIssue } from '../../src/config/checks.js'
import { createFaultRegistry } from '../../src/faults/registry.js'
import { validateFaultSpec } from '../../src/faults/validate-spec.js'
import { createMockSet, type MockCall } from '../../src/mocks/mock-set.js'
import { checkMocks } from '../../src/mocks/validate-mocks.js'
import { parseRecordFilters } from '../../src/record/filter.js'
import { fakeTransaction } from '../helpers/transaction.js'

/**
 * One set of rules for every path pattern (DESIGN.md §8: picomatch, one matcher): a mock's
 * `match.path`, a fault's `--path`, `record --filter path=`. Each feature is asked through its
 * own entry point, with the request as that feature receives it, and must give the same answer.
 */

const direct: MockCall = async (_hook, call) => call()

/** Each feature's answer to "does `pattern` select a request for `path`?" (`url`: path and query as sent). */
const FEATURES = {
  mock: async (pattern: string, url: string) => {
    const facts = { method: 'GET', url, headers: {}, route: 'api', client: { address: '127.0.0.1', protocol: 'HTTP/1.1', tls: false }, body: async () => Buffer.alloc(0) }
    return (await createMockSet([{ match: { path: pattern } }]).answer(facts, direct)) !== undefined
  },
  fault: async (pattern: string, url: string) => {
    const registry = createFaultRegistry()
    registry.add({ kind: 'timeout', path: pattern }, 'api', 0)
    // The proxy hands faults the path without its query (src/proxy/fault-scope.ts).
    return registry.decide({ route: 'api', path: url.split('?')[0]!, method: 'GET', scope: 'upstream', nowMs: 1 }).length === 1
  },
  record: async (pattern: string, url: string) => parseRecordFilters([`path=${pattern}`])(fakeTransaction({ url })),
}

const TABLE: ReadonlyArray<{ pattern: string; url: string; selects: boolean; rule: string }> = [
  { pattern: '/api/users', url: '/api/users', selects: true, rule: 'a literal path' },
  { pattern: '/api/users', url: '/api/users?page=2', selects: true, rule: 'the query is not part of the path' },
  { pattern: '/api/users', url: '/api/users/', selects: false, rule: 'a trailing slash is another path' },
  { pattern: '/api/users/*', url: '/api/users/42', selects: true, rule: '* is one segment' },
  { pattern: '/api/users/*', url: '/api/users/42/posts', selects: false, rule: '* never crosses a /' },
  { pattern: '/api/users/*', url: '/api/users/42/', selects: true, rule: 'a last * takes a trailing slash (picomatch)' },
  { pattern: '/api/users/*', url: '/api/users/', selects: false, rule: 'a whole-segment * is not empty' },
  { pattern: '/api/users/*', url: '/api/users', selects: false, rule: 'a whole-segment * is a segment' },
  { pattern: '/files/*.json', url: '/files/user.json', selects: true, rule: '* within a segment' },
  { pattern: '/files/*.json', url: '/files/a/user.json', selects: false, rule: '* within a segment never crosses a /' },
  { pattern: '/api/*', url: '/api/.env', selects: true, rule: 'dot-first segments are segments too' },
  { pattern: '/api/**', url: '/api', selects: true, rule: '** is any number of segments, none included' },
  { pattern: '/api/**', url: '/api/', selects: true, rule: '** is any number of segments' },
  { pattern: '/api/**', url: '/api/a/b/c', selects: true, rule: '** crosses /' },
  { pattern: '/api/**', url: '/apix', selects: false, rule: '** is whole segments' },
  { pattern: '/a/**/z', url: '/a/z', selects: true, rule: '** in the middle, none' },
  { pattern: '/a/**/z', url: '/a/b/c/z', selects: true, rule: '** in the middle, several' },
  { pattern: '/**', url: '/anything/at/all', selects: true, rule: '/** is every path' },
  { pattern: '/api/{users,orders}/*', url: '/api/orders/7', selects: true, rule: '{a,b} is either' },
  { pattern: '/api/{users,orders}/*', url: '/api/carts/7', selects: false, rule: '{a,b} is only those' },
  { pattern: '/api/{users,orders}/**', url: '/api/users', selects: true, rule: '{a,b} then **' },
  { pattern: '/a+b/{id}', url: '/a+b/{id}', selects: true, rule: '{id} without a comma is literal' },
  { pattern: '/API/users', url: '/api/users', selects: false, rule: 'paths are case-sensitive (RFC 3986 §6.2.2.1)' },
  { pattern: '/v1.0/users', url: '/v1x0/users', selects: false, rule: '. is literal' },
  { pattern: '/a+b', url: '/aab', selects: false, rule: '+ is literal' },
  { pattern: '/Products(1)', url: '/Products(1)', selects: true, rule: '( ) are literal (OData keys)' },
  { pattern: '/Products(1)', url: '/Products1', selects: false, rule: '( ) are not a group' },
  { pattern: '/x/(a|b)', url: '/x/a', selects: false, rule: '(a|b) is not an alternative: {a,b} is' },
  { pattern: '/x/[ab]', url: '/x/a', selects: false, rule: '[ ] are literal' },
  { pattern: '/x/[ab]', url: '/x/[ab]', selects: true, rule: '[ ] are literal' },
  { pattern: '/x/!(a)', url: '/x/b', selects: false, rule: 'no extglobs' },
  { pattern: '/a%20b/*', url: '/a%20b/c', selects: true, rule: 'the path as sent, percent-encoding and all' },
]

describe('path patterns: the same answer from mocks, faults and record --filter', () => {
  it.each(TABLE)('$pattern vs $url → $selects ($rule)', async ({ pattern, url, selects }) => {
    const answers = Object.fromEntries(await Promise.all(Object.entries(FEATURES).map(async ([name, ask]) => [name, await ask(pattern, url)] as const)))
    expect(answers).toEqual({ mock: selects, fault: selects, record: selects })
  })

  it('an absolute-form target (GET http://host/path, as a forward proxy is sent) is matched by its path in each', async () => {
    const url = 'http://localhost:8080/api/users/7?x=1'
    expect(await FEATURES.mock('/api/users/*', url)).toBe(true)
    expect(await FEATURES.record('/api/users/*', url)).toBe(true)
  })
})

/** Each feature's refusal of a pattern: a config issue for mocks and config faults, a thrown error for --filter. */
const REFUSALS = {
  mock: (pattern: string) => {
    const issues: ConfigIssue[] = []
    checkMocks({ match: { path: pattern } }, 'mock', issues)
    return issues.map((one) => one.message)
  },
  fault: (pattern: string) => validateFaultSpec({ kind: 'reset', path: pattern }, 'faults[0]').map((one) => one.message),
  record: (pattern: string) => {
    try {
      parseRecordFilters([`path=${pattern}`])
      return []
    } catch (error) {
      return [(error as Error).message]
    }
  },
}

describe('path patterns: the same refusals from mocks, faults and record --filter', () => {
  it.each([
    { pattern: 'api/users', why: 'a pattern starts with /' },
    { pattern: '/search?q=x', why: 'a query is not part of a path (? is no wildcard)' },
    { pattern: '/a#b', why: 'clients never send a fragment' },
    { pattern: '/a b', why: 'a path holds no whitespace' },
    { pattern: '/api/a**', why: '** stands for whole segments' },
    { pattern: '/api/{users', why: 'a { without its }' },
    { pattern: '/v{1..10}/x', why: 'picomatch reads {1..10} as [1-10]: list the values' },
  ])('$pattern is refused by each ($why)', ({ pattern }) => {
    for (const [feature, refuse] of Object.entries(REFUSALS)) expect(refuse(pattern), feature).not.toEqual([])
  })

  it('a good pattern is refused by none', () => {
    for (const [feature, refuse] of Object.entries(REFUSALS)) expect(refuse('/api/{users,orders}/**'), feature).toEqual([])
  })
})
