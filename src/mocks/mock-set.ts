import { compilePathPattern } from '../config/path-pattern.js'
import type { HookClient } from '../config/route-code.js'
import type { HookAnswer } from '../hooks/config-types.js'
import type { MockMatch, MockRequest, UserMock } from './config-types.js'
import { parseJsonBody } from '../hooks/parse-json.js'
import { toOriginForm } from '../proxy/index.js'

/**
 * Which of a route's mocks answers a request, and with what. Mocks are tried in order; the
 * first one that matches and has an answer for this request wins. Each mock counts the
 * requests that reached it and matched it (`nth`, `sequence` and `respond`'s `call` read that
 * count). The counts live in the set: a reloaded config builds a new set, so they start again
 * from zero, which is what someone editing a mock expects. Pure apart from the counts.
 */

/** What a mock can match on: the request as received. */
export interface MockFacts {
  readonly method: string
  /** The request target as received, with its query string. */
  readonly url: string
  /** Lower-case names, as Node gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  /** The route's name. */
  readonly route: string
  readonly client: HookClient
  /** The whole request body; only a `respond` that asks for it reads it. */
  body(): Promise<Buffer>
}

/** Runs user code with the route's time limit (given by the caller); rejects with its error or a timeout. */
export type MockCall = <T>(hook: string, call: () => T | Promise<T>) => Promise<T>

export interface MockSet {
  /** The first mock that answers this request: its raw HookAnswer (not yet prepared) and its label, or undefined (go to the upstream). Counts calls. */
  answer(facts: MockFacts, call: MockCall): Promise<{ answer: unknown; label: string } | undefined>
}

/** The request target split once, for every mock to match against. */
interface Target {
  /** undefined for a target without a path (`*`): only a mock without `match.path` matches it. */
  readonly path: string | undefined
  readonly query: URLSearchParams
}

interface Entry {
  readonly label: string
  readonly mock: UserMock
  readonly matches: (facts: MockFacts, target: Target) => boolean
  /** The mock's own answer fields, when it answers with them. */
  readonly fixed: HookAnswer
  /** How many requests reached this mock and matched it. */
  calls: number
}

export function createMockSet(mocks: readonly UserMock[]): MockSet {
  const entries: Entry[] = mocks.map((mock, index) => ({
    label: `mock[${index}]`,
    mock,
    matches: compileMatch(mock.match ?? {}),
    fixed: ownAnswer(mock),
    calls: 0,
  }))
  return {
    async answer(facts, call) {
      const target = splitTarget(facts.url)
      for (const entry of entries) {
        if (!entry.matches(facts, target)) continue
        // Counted before any await, so concurrent requests each get their own number.
        const n = ++entry.calls
        const answer = await answerOf(entry, n, () => mockRequest(facts, target, n), call)
        if (answer !== undefined && answer !== null) return { answer, label: entry.label }
      }
      return undefined
    },
  }
}

/** What the mock answers its nth matching request; undefined or null: it lets the request go on. */
async function answerOf(entry: Entry, n: number, request: () => MockRequest, call: MockCall): Promise<unknown> {
  const { nth, sequence, respond } = entry.mock
  if (nth !== undefined && n !== nth) return undefined
  if (sequence !== undefined) return sequence[n - 1]
  if (respond !== undefined) return call(`${entry.label}.respond`, () => respond(request()))
  return entry.fixed
}

const ANSWER_KEYS = ['status', 'headers', 'json', 'body', 'file', 'delayMs'] as const

function ownAnswer(mock: UserMock): HookAnswer {
  const answer: Record<string, unknown> = {}
  for (const key of ANSWER_KEYS) if (mock[key] !== undefined) answer[key] = mock[key]
  return answer as HookAnswer
}

function splitTarget(url: string): Target {
  const origin = toOriginForm(url)
  if (origin === undefined) return { path: undefined, query: new URLSearchParams() }
  const at = origin.indexOf('?')
  return at === -1 ? { path: origin, query: new URLSearchParams() } : { path: origin.slice(0, at), query: new URLSearchParams(origin.slice(at + 1)) }
}

function compileMatch(match: MockMatch): (facts: MockFacts, target: Target) => boolean {
  const methods = match.method === undefined ? undefined : [match.method].flat().map((m) => m.toUpperCase())
  const path = match.path === undefined ? undefined : compilePathPattern(match.path)
  const query = Object.entries(match.query ?? {})
  const headers = Object.entries(match.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value] as const)
  return (facts, target) =>
    (methods === undefined || methods.includes(facts.method)) &&
    (path === undefined || (target.path !== undefined && path(target.path))) &&
    query.every(([name, value]) => lastValue(target.query, name) === value) &&
    headers.every(([name, value]) => headerHas(facts.headers[name], value))
}

/** The last value of a repeated parameter, as most server frameworks read it. */
function lastValue(params: URLSearchParams, name: string): string | undefined {
  return params.getAll(name).at(-1)
}

/** A repeated field (Node gives an array) matches when any of its values does. */
function headerHas(received: string | string[] | undefined, value: string): boolean {
  return Array.isArray(received) ? received.includes(value) : received === value
}

function mockRequest(facts: MockFacts, target: Target, call: number): MockRequest {
  // fromEntries defines own properties, so a parameter named `__proto__` is just a parameter.
  const query = Object.fromEntries([...new Set(target.query.keys())].map((name) => [name, lastValue(target.query, name) ?? '']))
  return Object.freeze({
    route: facts.route,
    method: facts.method,
    url: facts.url,
    headers: facts.headers,
    client: facts.client,
    path: target.path ?? '',
    query: Object.freeze(query),
    call,
    body: () => facts.body(),
    text: async () => (await facts.body()).toString('utf8'),
    json: async () => parseJsonBody(await facts.body(), 'request'),
  })
}
