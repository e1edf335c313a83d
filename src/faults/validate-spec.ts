import { hostPatternProblem } from '../config/host-pattern.js'
import {
  boolean,
  checkObject,
  child,
  isPlainObject,
  issue,
  MAX_TIMER_MS,
  methodName,
  must,
  nonEmptyString,
  nonNegativeInteger,
  oneOf,
  positiveInteger,
  type Check,
  type ConfigIssue,
  type Shape,
} from '../config/checks.js'
import { pathPatternProblem } from '../config/path-pattern.js'
import { KIND_FIELDS, describeMisplacedField, fitsStatus, hasStatuses, statusRequirement } from './fault-fit.js'
import { FaultSpecError, parseFaultString } from './parse.js'
import { FAULT_KINDS, type FaultKind, type FaultSpec } from './types.js'

/**
 * Checks a FaultSpec that arrives as plain data: a `faults` entry in proxy.config.ts or a
 * control API body. Same messages as the rest of the config: dotted path, expected, got.
 */

const rate = must('must be a rate from 0 to 1 (0.3 = 30%)', (v) => typeof v === 'number' && v >= 0 && v <= 1)

function checkLatency(value: unknown, path: string, issues: ConfigIssue[]): void {
  const ok = Array.isArray(value) && value.length === 2 && value.every((v) => Number.isInteger(v) && v >= 0) && value[0] <= value[1]
  if (!ok) issues.push(issue(path, 'must be [ms, ms] or a range [lo, hi] of milliseconds, e.g. [200, 800]', value))
}

/** The rules every path pattern follows (mocks and record --filter too): src/config/path-pattern.ts. */
function checkPathPattern(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (typeof value !== 'string' || !value.startsWith('/')) {
    issues.push(issue(path, 'must be a path glob starting with "/", e.g. "/api/**"', value))
    return
  }
  const problem = pathPatternProblem(value)
  if (problem) issues.push(issue(path, problem.message, value, problem.suggestion))
}

function checkHostPattern(value: unknown, path: string, issues: ConfigIssue[]): void {
  const problem = typeof value === 'string' ? hostPatternProblem(value) : { message: 'must be a host name such as "api.example.test"', suggestion: undefined }
  if (problem) issues.push(issue(path, problem.message, value, problem.suggestion))
}

const SPEC: Shape = {
  expected: 'must be a fault such as { kind: "5xx", rate: 0.3 } or a string such as "5xx 30%"',
  fields: {
    kind: oneOf(FAULT_KINDS),
    rate,
    // Each status is held to its kind's range by checkFit, which knows the kind.
    statuses: must('must be a non-empty array of status codes such as [429, 503]', (v) => Array.isArray(v) && v.length > 0),
    retryAfterS: nonNegativeInteger(86_400),
    latencyMs: checkLatency,
    kbps: must('must be a positive number of KB/s', (v) => typeof v === 'number' && v > 0),
    route: nonEmptyString,
    path: checkPathPattern,
    method: methodName,
    host: checkHostPattern,
    first: positiveInteger(),
    seed: nonNegativeInteger(),
    forMs: positiveInteger(MAX_TIMER_MS),
    at: oneOf(['upstream', 'client']),
  },
  required: ['kind'],
}

/** What each kind needs besides `kind`. */
const NEEDS: Partial<Record<FaultSpec['kind'], { field: keyof FaultSpec; example: string }>> = {
  status: { field: 'statuses', example: '{ kind: "status", statuses: [429], rate: 0.5 }' },
  latency: { field: 'latencyMs', example: '{ kind: "latency", latencyMs: [200, 800] }' },
  throttle: { field: 'kbps', example: '{ kind: "throttle", kbps: 64 }' },
}

export const checkFaultSpec: Check = (value, path, issues) => {
  const before = issues.length
  checkObject(value, path, SPEC, issues)
  if (!isPlainObject(value) || !FAULT_KINDS.includes(value.kind as FaultKind)) return
  checkFit(value, value.kind as FaultKind, path, issues)
  if (issues.length > before) return
  const need = NEEDS[value.kind as FaultSpec['kind']]
  if (need && value[need.field] === undefined) {
    issues.push({ path: child(path, need.field), message: `is required for kind "${String(value.kind)}"`, suggestion: `e.g. ${need.example}` })
  }
}

/** The fields only other kinds read, and statuses outside the kind's range (fault-fit.ts). */
function checkFit(value: Record<string, unknown>, kind: FaultKind, path: string, issues: ConfigIssue[]): void {
  for (const [name, field] of Object.entries(KIND_FIELDS)) {
    if (value[name] === undefined || field.kinds.includes(kind)) continue
    issues.push({ path: child(path, name), message: describeMisplacedField(field, kind), suggestion: `remove it, or use ${field.example}` })
  }
  const statuses = value.statuses
  if (!hasStatuses(kind) || !Array.isArray(statuses)) return
  statuses.forEach((status: unknown, index) => {
    if (!fitsStatus(kind, status)) issues.push(issue(child(child(path, 'statuses'), index), statusRequirement(kind), status))
  })
}

export function validateFaultSpec(input: unknown, path: string): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  checkFaultSpec(input, path, issues)
  return issues
}

/** A config entry: a spec object, or the `--fault` string form (`"reset 10% --route api"`). */
const checkFaultEntry: Check = (value, path, issues) => {
  if (typeof value !== 'string') return checkFaultSpec(value, path, issues)
  try {
    parseFaultString(value)
  } catch (error) {
    if (!(error instanceof FaultSpecError)) throw error
    issues.push({ path, message: error.message.replace(/^--fault /, ''), ...(error.suggestion ? { suggestion: error.suggestion } : {}) })
  }
}

const FAULTS_OBJECT: Shape = {
  expected: 'must be an array of faults, or { allowHeader: true, rules: [...] }',
  fields: {
    allowHeader: boolean,
    rules: (value, path, issues) => checkFaultList(value, path, issues),
  },
}

function checkFaultList(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (!Array.isArray(value)) {
    issues.push(issue(path, 'must be an array of faults such as [{ kind: "5xx", rate: 0.3 }]', value))
    return
  }
  value.forEach((entry, index) => checkFaultEntry(entry, child(path, index), issues))
}

/** proxy.config.ts `faults`: an array of faults, or `{ allowHeader, rules }`. */
export const checkFaultsConfig: Check = (value, path, issues) => {
  if (Array.isArray(value)) checkFaultList(value, path, issues)
  else checkObject(value, path, FAULTS_OBJECT, issues)
}
