import type { ConfigIssue } from '../errors.js'
import { didYouMean } from './did-you-mean.js'
import { isKnownMethod, suggestMethod } from './http-method.js'

/**
 * Building blocks for validating plain values at the boundary (config files, control API
 * bodies): small checks that collect every issue with its dotted path. Pure.
 */

// Declared with the errors (the error root imports nothing); every check here builds them.
export type { ConfigIssue }

/** Checks one value found at `path`, adding what is wrong with it to `issues`. */
export type Check = (value: unknown, path: string, issues: ConfigIssue[]) => void

/** An object with a fixed set of keys, each checked by its own Check. */
export interface Shape {
  /** What to say when the value is not an object at all. */
  readonly expected: string
  readonly fields: Readonly<Record<string, Check>>
  readonly required?: readonly string[]
}

export function issueAt(path: string, message: string, suggestion: string | undefined): ConfigIssue {
  return suggestion === undefined ? { path, message } : { path, message, suggestion }
}

/** `must be a positive integer` + `"30s"` → `must be a positive integer (got "30s")`. */
export function issue(path: string, expected: string, got: unknown, suggestion?: string): ConfigIssue {
  return issueAt(path, `${expected} (got ${describeValue(got)})`, suggestion)
}

/** A Check from a test and what to say when it fails. */
export function must(expected: string, test: (value: unknown) => boolean): Check {
  return (value, path, issues) => {
    if (!test(value)) issues.push(issue(path, expected, value))
  }
}

/** A non-empty array whose elements are each checked (with their index in the path). */
export function listOf(element: Check, expected: string, suggestion?: string): Check {
  return (value, path, issues) => {
    if (!Array.isArray(value) || value.length === 0) {
      issues.push(issue(path, expected, value, suggestion))
      return
    }
    for (let index = 0; index < value.length; index++) element(value[index], child(path, index), issues)
  }
}

/** A Check for an object of the given shape. */
export function objectOf(shape: Shape): Check {
  return (value, path, issues) => checkObject(value, path, shape, issues)
}

export function checkObject(value: unknown, path: string, shape: Shape, issues: ConfigIssue[]): void {
  if (!isPlainObject(value)) {
    issues.push(issue(path, shape.expected, value))
    return
  }
  const known = Object.keys(shape.fields)
  for (const [key, field] of Object.entries(value)) {
    const check = Object.hasOwn(shape.fields, key) ? shape.fields[key] : undefined
    if (check === undefined) issues.push(unknownKey(key, path, known))
    else if (field !== undefined) check(field, child(path, key), issues)
  }
  for (const key of shape.required ?? []) {
    if (value[key] === undefined) shape.fields[key]?.(undefined, child(path, key), issues)
  }
}

function unknownKey(key: string, path: string, known: readonly string[]): ConfigIssue {
  const meant = didYouMean(key, known)
  const suggestion = meant === undefined ? `known options: ${known.join(', ')}` : `did you mean ${JSON.stringify(meant)}?`
  return { path, message: `${JSON.stringify(key)} is not a known option`, suggestion }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

/** `routes` + 1 → `routes[1]`; + `timeoutMs` → `.timeoutMs`; + `x-env` → `["x-env"]`. */
export function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`
  if (!IDENTIFIER.test(key)) return `${path}[${JSON.stringify(key)}]`
  return path === '' ? key : `${path}.${key}`
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null
}

const MAX_SHOWN = 60

/** A got value as the user would write it: JSON, `a function`, `nothing`; cut at ~60 characters. */
export function describeValue(value: unknown): string {
  const text = showValue(value)
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text
}

function showValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'number' || typeof value === 'symbol') return String(value)
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

/** RFC 9110 §5.6.2 `token`: what method and header field names are made of. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** Node's setTimeout fires at once for anything longer (about 24.8 days). */
export const MAX_TIMER_MS = 2_147_483_647

export function positiveInteger(max = Number.MAX_SAFE_INTEGER): Check {
  return (value, path, issues) => {
    if (!Number.isInteger(value) || (value as number) <= 0) issues.push(issue(path, 'must be a positive integer', value))
    else if ((value as number) > max) issues.push(issue(path, `must be at most ${max}`, value))
  }
}

export function nonNegativeInteger(max = Number.MAX_SAFE_INTEGER, note?: string): Check {
  return (value, path, issues) => {
    if (!Number.isInteger(value) || (value as number) < 0) issues.push(issue(path, `must be a non-negative integer${note ? ` (${note})` : ''}`, value))
    else if ((value as number) > max) issues.push(issue(path, `must be at most ${max}`, value))
  }
}

/** One of a few words, with a "did you mean" for a near miss. */
export function oneOf(values: readonly string[]): Check {
  return (value, path, issues) => {
    if (typeof value === 'string' && values.includes(value)) return
    const meant = typeof value === 'string' ? didYouMean(value, values) : undefined
    issues.push(issue(path, `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}`, value, meant === undefined ? undefined : `did you mean ${JSON.stringify(meant)}?`))
  }
}

/** A method a request can carry (see http-method.ts), with a "did you mean" for a typo. */
export const methodName: Check = (value, path, issues) => {
  if (typeof value === 'string' && isKnownMethod(value)) return
  const meant = typeof value === 'string' ? suggestMethod(value) : undefined
  issues.push(issue(path, 'must be an HTTP method such as "GET"', value, meant === undefined ? undefined : `did you mean ${JSON.stringify(meant)}?`))
}

export const boolean = must('must be true or false', (value) => typeof value === 'boolean')
export const nonEmptyString = must('must be a non-empty string', (value) => typeof value === 'string' && value !== '')
