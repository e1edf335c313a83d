import { child, type ConfigIssue } from '../config/checks.js'
import { didYouMean } from '../config/did-you-mean.js'
import { describeUnknownMethod, isKnownMethod } from '../config/http-method.js'
import type { FaultSpec } from './types.js'

/**
 * Whether a fault's selectors can ever match a request to the proxy it is added to: its
 * `route` names one of the routes; its `method` is a method a request can carry and, with a
 * route, one that route takes. A fault that can never match would be accepted and silently
 * never fire. Pure.
 */

/** What the check needs of a route. */
export interface SelectableRoute {
  readonly name: string
  /** Undefined: every method. */
  readonly methods?: readonly string[] | undefined
}

/** One issue per selector that can never match; each message reads after the flag or field name. */
export function checkFaultSelectors(spec: Pick<FaultSpec, 'route' | 'method'>, routes: readonly SelectableRoute[], path: string): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const route = spec.route === undefined ? undefined : routes.find((r) => r.name === spec.route)
  if (spec.route !== undefined && route === undefined) {
    const names = routes.map((r) => r.name)
    const meant = didYouMean(spec.route, names)
    issues.push({
      path: child(path, 'route'),
      message: `${JSON.stringify(spec.route)} names no route of this proxy${meant === undefined ? '' : ` (did you mean ${JSON.stringify(meant)}?)`}; its routes are ${names.join(', ')}`,
    })
  }
  if (spec.method === undefined) return issues
  if (!isKnownMethod(spec.method)) {
    const { message, suggestion } = describeUnknownMethod(spec.method)
    issues.push({ path: child(path, 'method'), message: `${message}; ${suggestion}` })
  } else if (route?.methods !== undefined && !route.methods.some((m) => m.toUpperCase() === spec.method?.toUpperCase())) {
    issues.push({ path: child(path, 'method'), message: `${JSON.stringify(spec.method)} never reaches route ${route.name}, which takes only ${route.methods.join(', ')}` })
  }
  return issues
}
