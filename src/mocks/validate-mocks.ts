import {
  checkObject,
  child,
  isPlainObject,
  issue,
  issueAt,
  listOf,
  methodName,
  must,
  objectOf,
  positiveInteger,
  TOKEN,
  type Check,
  type ConfigIssue,
  type Shape,
} from '../config/checks.js'
import { pathPatternProblem } from '../config/path-pattern.js'
import { ANSWER_FIELD_CHECKS, BODY_FIELDS, checkAnswer, checkBodyAllowed } from '../hooks/answer.js'

/**
 * Checks a route's `mock` field when the config loads, with the messages of the rest of the
 * config (src/config/validate.ts): dotted path, what is expected, what was got. The answer
 * fields are held to the rules prepareAnswer applies at request time (src/hooks/answer.ts), so
 * a mock that loads answers. Pure.
 */

/** Problems with a route's `mock` field (a UserMock or an array of them), with paths like `routes[0].mock[1].match.path`. */
export function checkMocks(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (Array.isArray(value)) checkMockList(value, path, issues)
  else checkMock(value, path, issues)
}

const checkMethods: Check = (value, path, issues) => {
  if (Array.isArray(value)) listOf(methodName, 'must be a non-empty array of method names such as ["GET", "POST"]')(value, path, issues)
  else methodName(value, path, issues)
}

function checkMatchPath(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (typeof value !== 'string') issues.push(issue(path, 'must be a path starting with "/", such as "/api/users/*"', value))
  else {
    const problem = pathPatternProblem(value)
    // The query has a field of its own here.
    const suggestion = problem?.mistake === 'query' ? 'match query parameters with match.query, such as { page: "2" }' : problem?.suggestion
    if (problem) issues.push(issue(path, problem.message, value, suggestion))
  }
}

/** `{ name: "value" }` where every value is a string: what a request carries is text. */
function stringMap(expected: string, validName: (name: string) => boolean, badName: string): Check {
  return (value, path, issues) => {
    if (!isPlainObject(value)) {
      issues.push(issue(path, expected, value))
      return
    }
    for (const [name, field] of Object.entries(value)) {
      const at = child(path, name)
      if (!validName(name)) issues.push(issueAt(at, badName, undefined))
      if (typeof field === 'string') continue
      const text = typeof field === 'number' || typeof field === 'boolean' ? `write it as a string: "${String(field)}"` : undefined
      issues.push(issue(at, 'must be a string', field, text))
    }
  }
}

const MATCH: Shape = {
  expected: 'must be an object such as { method: "GET", path: "/api/users/*" }',
  fields: {
    method: checkMethods,
    path: checkMatchPath,
    query: stringMap('must be an object of query parameters to values, such as { page: "2" }', (name) => name !== '', 'is not a parameter name: it is empty'),
    headers: stringMap(
      'must be an object of header names to values, such as { "x-tenant": "acme" }',
      (name) => TOKEN.test(name),
      'is not a valid header name: use letters, digits and "-" (RFC 9110 token characters)',
    ),
  },
}

const MOCK: Shape = {
  expected: 'must be a mock such as { match: { path: "/api/users/*" }, json: { id: 1 } }, or an array of them',
  fields: {
    match: objectOf(MATCH),
    nth: positiveInteger(),
    sequence: listOf(checkAnswer, 'must be a non-empty array of answers such as [{ status: 503 }, { json: { ok: true } }]'),
    respond: must('must be a function returning an answer, such as (req) => ({ json: { id: req.query.id } })', (value) => typeof value === 'function'),
    ...ANSWER_FIELD_CHECKS,
  },
}

/** How a mock can answer: with its own body field, a sequence, or a function. */
const ANSWER_WAYS = [...BODY_FIELDS, 'sequence', 'respond'] as const
/** Fields of the mock's own answer that a sequence or respond would silently leave unused. */
const OWN_ANSWER_FIELDS = ['status', 'headers', 'delayMs'] as const

function checkMock(value: unknown, path: string, issues: ConfigIssue[]): void {
  checkObject(value, path, MOCK, issues)
  if (!isPlainObject(value)) return
  const ways = ANSWER_WAYS.filter((way) => value[way] !== undefined)
  if (ways.length > 1) {
    issues.push(issueAt(path, `has ${ways.join(' and ')}: a mock answers with one of json, body, file, sequence and respond`, 'keep one; to answer other requests differently, write another mock'))
  }
  if (value.nth !== undefined && value.sequence !== undefined) {
    issues.push(
      issueAt(
        child(path, 'nth'),
        'cannot be used with sequence: both choose answers by the count of matching requests',
        'nth: 3 answers only the 3rd request (with status, json, body or file); sequence: [a, b] answers the 1st with a, the 2nd with b',
      ),
    )
  }
  const computed = value.sequence !== undefined ? 'sequence' : value.respond !== undefined ? 'respond' : undefined
  if (computed === undefined) {
    checkBodyAllowed(value, path, issues)
    return
  }
  for (const field of OWN_ANSWER_FIELDS) {
    if (value[field] === undefined) continue
    const where = computed === 'sequence' ? 'each answer in the sequence' : "respond's answer"
    issues.push(issueAt(child(path, field), `is not used with ${computed}: ${where} has its own ${field}`, `move it into ${where}`))
  }
}

const checkMockList = listOf(checkMock, 'must be a mock or a non-empty array of mocks', 'remove mock to send every request to the target')
