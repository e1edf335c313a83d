import { hostPatternProblem, matchesHostPattern } from '../config/host-pattern.js'
import { describeUnknownMethod, isKnownMethod } from '../config/http-method.js'
import { compilePathPattern, pathPatternProblem } from '../config/path-pattern.js'
import { DevproxyError } from '../errors.js'
import { toOriginForm, type Transaction } from '../proxy/index.js'

/**
 * `devproxy record --filter KEY=VALUE` (repeatable, all must match): `route=api`,
 * `method=GET,POST`, `path=/api/**`, `status=200-299` / `status=5xx` / `status=404`.
 */
export type RecordFilter = (tx: Readonly<Transaction>) => boolean

/** `routes`: the config's route names; a `route=` filter naming none of them is refused. */
export function parseRecordFilters(specs: readonly string[], routes?: readonly string[]): RecordFilter {
  const tests = specs.map((spec) => parseOne(spec, routes))
  return (tx) => tests.every((test) => test(tx))
}

function parseOne(spec: string, routes: readonly string[] | undefined): RecordFilter {
  const at = spec.indexOf('=')
  const key = spec.slice(0, at).trim()
  const value = spec.slice(at + 1).trim()
  if (at === -1 || value === '') throw filterError(spec)
  switch (key) {
    case 'route': {
      const names = value.split(',').map((name) => name.trim())
      // A route the config does not have would record nothing, silently.
      const unknown = routes === undefined ? undefined : names.find((name) => !routes.includes(name))
      if (unknown !== undefined) throw filterError(spec, `no route is named ${JSON.stringify(unknown)}`, `the routes are ${routes!.join(', ')}`)
      return (tx) => tx.route !== undefined && names.includes(tx.route)
    }
    case 'method': {
      const methods = value.toUpperCase().split(',').map((method) => method.trim())
      // A name no request can carry would record nothing, silently.
      const unknown = value.split(',').map((method) => method.trim()).find((method) => !isKnownMethod(method))
      if (unknown !== undefined) {
        const { message, suggestion } = describeUnknownMethod(unknown)
        throw filterError(spec, message, suggestion)
      }
      return (tx) => methods.includes(tx.method)
    }
    case 'host': {
      // Forward mode's outbound hosts, or a route's host: the Host field without its port.
      const patterns = value.toLowerCase().split(',').map((host) => host.trim())
      for (const pattern of patterns) {
        const problem = hostPatternProblem(pattern)
        if (problem) throw filterError(spec, problem.message.replace(/^"[^"]*" /, 'the host '), problem.suggestion)
      }
      return (tx) => patterns.some((pattern) => matchesHostPattern(pattern, tx.requestHeaders.host))
    }
    case 'path': {
      const problem = pathPatternProblem(value)
      if (problem) throw filterError(spec, `the path pattern ${problem.message}`, problem.suggestion)
      const matches = compilePathPattern(value)
      return (tx) => matches(pathOf(tx.url))
    }
    case 'status': {
      const [lo, hi] = statusRange(value, spec)
      return (tx) => tx.status !== undefined && tx.status >= lo && tx.status <= hi
    }
    default:
      throw filterError(spec)
  }
}

/** The path of the target as received, as mocks and faults see it: `GET http://host/api?x` is `/api`. */
function pathOf(url: string): string {
  const origin = toOriginForm(url) ?? url
  const query = origin.indexOf('?')
  return query === -1 ? origin : origin.slice(0, query)
}

function statusRange(value: string, spec: string): [number, number] {
  const klass = /^([1-5])xx$/i.exec(value)
  if (klass) return [Number(klass[1]) * 100, Number(klass[1]) * 100 + 99]
  const range = /^(\d{3})(?:-(\d{3}))?$/.exec(value)
  if (!range) throw filterError(spec)
  const lo = Number(range[1])
  const hi = range[2] === undefined ? lo : Number(range[2])
  if (hi < lo) throw filterError(spec, `${lo}-${hi} is an empty range`, `write the lower status first, e.g. status=${hi}-${lo}`)
  // RFC 9110 §15: a status is 100–599; a range past it matches nothing, or less than it says.
  if (lo < 100 || hi > 599) throw filterError(spec, 'a status is from 100 to 599', 'e.g. status=500-599 or status=5xx')
  return [lo, hi]
}

/** `--filter "x" is not a filter`, or, when the key is right, what is wrong with its value. */
function filterError(spec: string, problem?: string, suggestion?: string): DevproxyError {
  return new DevproxyError('filter_invalid', `--filter ${JSON.stringify(spec)} ${problem === undefined ? 'is not a filter' : `is not a filter: ${problem}`}`, {
    suggestion: suggestion ?? 'Use route=NAME, method=GET,POST, host=api.example.test, path=/api/** or status=200-299 (also status=5xx); repeat --filter to combine.',
  })
}
