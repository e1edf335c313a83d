import { hostPatternProblem } from '../config/host-pattern.js'
import { describeUnknownMethod, isKnownMethod } from '../config/http-method.js'
import { pathPatternProblem } from '../config/path-pattern.js'
import { DevproxyError } from '../errors.js'
import { fitsStatus, statusRequirement } from './fault-fit.js'
import type { FaultKind, FaultSpec } from './types.js'

/**
 * From what a user typed to FaultSpecs: `devproxy fault` flags, `start --fault '5xx 30%'`
 * and the `x-devproxy-fault` request header. Pure; a mistake is a FaultSpecError whose
 * message names the flag and shows the right form.
 */

export class FaultSpecError extends DevproxyError {
  constructor(message: string, suggestion?: string) {
    super('fault_invalid', message, { suggestion })
  }
}

/** The flags of `devproxy fault`, as the raw strings the user typed. */
export interface FaultFlags {
  readonly '5xx'?: string | undefined
  readonly status?: string | undefined
  readonly rate?: string | undefined
  readonly retryAfter?: string | undefined
  readonly latency?: string | undefined
  readonly timeout?: string | undefined
  readonly reset?: string | undefined
  readonly truncate?: string | undefined
  readonly throttle?: string | undefined
  readonly route?: string | undefined
  readonly path?: string | undefined
  readonly method?: string | undefined
  readonly host?: string | undefined
  readonly first?: number | string | undefined
  readonly seed?: number | string | undefined
  readonly for?: string | undefined
  readonly at?: string | undefined
}

/** One spec per fault kind given; the selectors and options apply to each. */
export function specsFromFlags(flags: FaultFlags): FaultSpec[] {
  const common = commonOptions(flags)
  const specs: FaultSpec[] = []
  const rateFlag = flags.rate === undefined ? undefined : parseRate(flags.rate, '--rate')
  const retryAfterS = flags.retryAfter === undefined ? undefined : parseCount(flags.retryAfter, '--retry-after', 0)
  if (flags['5xx'] !== undefined) specs.push({ kind: '5xx', rate: parseRate(flags['5xx'], '--5xx'), ...optional({ retryAfterS }), ...common })
  if (flags.status !== undefined) {
    specs.push({ kind: 'status', statuses: parseStatuses(flags.status, '--status'), rate: rateFlag ?? 1, ...optional({ retryAfterS }), ...common })
  }
  if (flags.latency !== undefined) specs.push({ kind: 'latency', latencyMs: parseLatency(flags.latency, '--latency'), rate: rateFlag ?? 1, ...common })
  for (const kind of ['timeout', 'reset', 'truncate'] as const) {
    const value = flags[kind]
    if (value !== undefined) specs.push({ kind, rate: parseRate(value, `--${kind}`), ...common })
  }
  if (flags.throttle !== undefined) specs.push({ kind: 'throttle', kbps: parsePositive(flags.throttle, '--throttle', 'a speed in KB/s such as 64'), ...common })
  if (flags.rate !== undefined && flags.status === undefined && flags.latency === undefined) {
    throw new FaultSpecError('--rate goes with --status or --latency', 'The other kinds take their rate directly: --5xx 30%, --reset 0.1')
  }
  if (flags.retryAfter !== undefined && flags.status === undefined && flags['5xx'] === undefined) {
    throw new FaultSpecError('--retry-after goes with --status or --5xx', 'e.g. devproxy fault --status 429 --rate 50% --retry-after 2')
  }
  return specs
}

function commonOptions(flags: FaultFlags): Partial<FaultSpec> {
  if (flags.at !== undefined && flags.at !== 'upstream' && flags.at !== 'client') {
    throw new FaultSpecError(`--at must be upstream or client (got ${JSON.stringify(flags.at)})`, '--at upstream faults each attempt (the default); --at client faults the request once, before retries.')
  }
  if (flags.method !== undefined && !isKnownMethod(flags.method)) {
    const { message, suggestion } = describeUnknownMethod(flags.method)
    throw new FaultSpecError(`--method ${message}`, suggestion)
  }
  const pathProblem = flags.path === undefined ? undefined : pathPatternProblem(flags.path)
  if (pathProblem) throw new FaultSpecError(`--path ${JSON.stringify(flags.path)} ${pathProblem.message}`, pathProblem.suggestion ?? PATH_HINT)
  const hostProblem = flags.host === undefined ? undefined : hostPatternProblem(flags.host)
  if (hostProblem) throw new FaultSpecError(`--host ${hostProblem.message}`, hostProblem.suggestion)
  return optional({
    route: flags.route,
    path: flags.path,
    method: flags.method?.toUpperCase(),
    host: flags.host?.toLowerCase(),
    first: flags.first === undefined ? undefined : parseCount(String(flags.first), '--first', 1),
    seed: flags.seed === undefined ? undefined : parseCount(String(flags.seed), '--seed', 0),
    forMs: flags.for === undefined ? undefined : parseDuration(flags.for, '--for'),
    at: flags.at as FaultSpec['at'],
  })
}

const PATH_HINT = '* matches within a path segment, ** across segments, {a,b} either: e.g. --path "/api/{users,orders}/**"'

/** Drops undefined fields, so specs compare and print cleanly. */
function optional<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>
}

/** `30%` or `0.3` → 0.3. */
export function parseRate(text: string, flag: string): number {
  const trimmed = text.trim()
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(trimmed)
  const value = percent ? Number(percent[1]) / 100 : /^(\d+(?:\.\d+)?|\.\d+)$/.test(trimmed) ? Number(trimmed) : Number.NaN
  if (Number.isNaN(value) || value < 0 || value > 1) {
    const hint = /^\d+$/.test(trimmed) && Number(trimmed) > 1 ? `${trimmed}%` : '30% or 0.3'
    throw new FaultSpecError(`${flag}: ${JSON.stringify(text)} is not a rate; write ${hint}`, 'A rate is a percentage (0%–100%) or a fraction (0–1).')
  }
  return value
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }

/** `500ms`, `30s`, `5m`, `1h`, or a bare number of seconds → ms. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (!match || Number(match[1]) <= 0) {
    throw new FaultSpecError(`${flag}: ${JSON.stringify(text)} is not a duration; write e.g. 30s, 5m or 500ms`, 'A duration is a number with ms, s, m or h (a bare number is seconds).')
  }
  return Math.round(Number(match[1]) * (DURATION_UNITS[match[2] ?? 's'] ?? 1_000))
}

/** `300` → [300, 300]; `200-800` → [200, 800]. */
export function parseLatency(text: string, flag: string): [number, number] {
  const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(text.trim())
  const lo = Number(match?.[1])
  const hi = match?.[2] === undefined ? lo : Number(match[2])
  if (!match || hi < lo) {
    throw new FaultSpecError(`${flag}: ${JSON.stringify(text)} is not a delay; write milliseconds, e.g. 300 or 200-800`, 'A delay is whole milliseconds: one value, or a range LO-HI drawn from at random.')
  }
  return [lo, hi]
}

/** `429` or `429,503` → [429, 503]: the statuses of a status fault, 4xx or 5xx (fault-fit.ts). */
export function parseStatuses(text: string, flag: string): number[] {
  const statuses = text.split(',').map((part) => part.trim())
  if (statuses.some((s) => !/^[1-5]\d\d$/.test(s))) {
    throw new FaultSpecError(`${flag}: ${JSON.stringify(text)} is not a list of status codes; write e.g. 429 or 500,503`, 'Status codes are 100 to 599, separated by commas.')
  }
  const misfit = statuses.find((s) => !fitsStatus('status', Number(s)))
  if (misfit !== undefined) throw new FaultSpecError(`${flag}: ${misfit} ${statusRequirement('status')}; write e.g. 429 or 500,503`)
  return statuses.map(Number)
}

function parseCount(text: string, flag: string, min: number): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) {
    throw new FaultSpecError(`${flag}: ${JSON.stringify(text)} must be a whole number${min > 0 ? ` of at least ${min}` : ''}`, `e.g. ${flag} ${Math.max(min, flag === '--retry-after' ? 2 : 1)}`)
  }
  return Number(text)
}

function parsePositive(text: string, flag: string, what: string): number {
  const value = Number(text.trim())
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || value <= 0) throw new FaultSpecError(`${flag}: ${JSON.stringify(text)} is not ${what}`, `e.g. ${flag} 64`)
  return value
}

/** Which flag a kind is written with, and the option flags that take a value. */
const KIND_FLAGS: Readonly<Record<string, keyof FaultFlags>> = {
  '5xx': '5xx',
  status: 'status',
  latency: 'latency',
  timeout: 'timeout',
  reset: 'reset',
  truncate: 'truncate',
  throttle: 'throttle',
}
const OPTION_FLAGS: Readonly<Record<string, keyof FaultFlags>> = {
  rate: 'rate',
  'retry-after': 'retryAfter',
  route: 'route',
  path: 'path',
  method: 'method',
  host: 'host',
  first: 'first',
  seed: 'seed',
  for: 'for',
  at: 'at',
}

/**
 * `devproxy start --fault '5xx 30%'`: the `devproxy fault` flags without their dashes on the
 * kind, e.g. `reset 10% --route api`, `status 429 --rate 50% --retry-after 2`, `latency 200-800`.
 */
export function parseFaultString(text: string): FaultSpec[] {
  const [kind, value, ...rest] = text.trim().split(/\s+/)
  const kindFlag = kind === undefined ? undefined : KIND_FLAGS[kind.replace(/^--/, '')]
  if (kindFlag === undefined) {
    throw new FaultSpecError(`--fault ${JSON.stringify(text)}: the first word must be a fault kind: ${Object.keys(KIND_FLAGS).join(', ')}`, "e.g. --fault '5xx 30%' or --fault 'latency 200-800 --route api'")
  }
  if (value === undefined || value.startsWith('--')) {
    throw new FaultSpecError(`--fault ${JSON.stringify(text)}: ${kind} needs a value, e.g. '${kind} ${exampleValue(kind!)}'`, `e.g. --fault '${kind} ${exampleValue(kind!)}'`)
  }
  const flags: Record<string, string> = { [kindFlag]: value }
  for (let i = 0; i < rest.length; i++) {
    const [name = '', inline] = (rest[i] ?? '').replace(/^--/, '').split('=', 2)
    const option = OPTION_FLAGS[name]
    const optionValue = inline ?? rest[++i]
    if (option === undefined || optionValue === undefined) {
      throw new FaultSpecError(`--fault ${JSON.stringify(text)}: ${JSON.stringify(rest[i - (inline === undefined ? 1 : 0)] ?? name)} is not an option with a value`, `Options: ${Object.keys(OPTION_FLAGS).map((o) => `--${o}`).join(', ')}`)
    }
    flags[option] = optionValue
  }
  return specsFromFlags(flags)
}

function exampleValue(kind: string): string {
  return kind === 'status' ? '429' : kind === 'latency' ? '300' : kind === 'throttle' ? '64' : '30%'
}

/**
 * The opt-in `x-devproxy-fault` request header: `503` (any 4xx or 5xx), `5xx`, `reset`, `timeout`,
 * `truncate`, `latency=300`, `throttle=64`. Returns undefined for anything else.
 */
export function parseFaultHeader(value: string): FaultSpec | undefined {
  const text = value.trim().toLowerCase()
  if (/^\d{3}$/.test(text)) return fitsStatus('status', Number(text)) ? { kind: 'status', statuses: [Number(text)] } : undefined
  if (text === '5xx' || text === 'reset' || text === 'timeout' || text === 'truncate') return { kind: text as FaultKind }
  const latency = /^latency=(\d+)$/.exec(text)
  if (latency) return { kind: 'latency', latencyMs: [Number(latency[1]), Number(latency[1])] }
  const throttle = /^throttle=(\d+)$/.exec(text)
  if (throttle && Number(throttle[1]) > 0) return { kind: 'throttle', kbps: Number(throttle[1]) }
  return undefined
}
