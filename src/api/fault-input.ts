import type { ConfigIssue } from '../config/checks.js'
import { ConfigValidationError } from '../errors.js'
import { parseStartFaults } from '../cli/start-faults.js'
import { checkFaultSelectors, type SelectableRoute } from '../faults/check-selectors.js'
import type { FaultSpec } from '../faults/types.js'
import { validateFaultSpec } from '../faults/validate-spec.js'

/**
 * `proxy.fault(…)`'s argument as a FaultSpec: a string in the vocabulary of `devproxy start
 * --fault` (`'5xx 100% --first 2 --route api'`, parsed by the CLI's own parser), or an object
 * as a config's `faults` entry holds it (checked by the config's rules). Either way its
 * selectors are held to this proxy's routes, as `devproxy fault` holds them: a `route` no route
 * has would be accepted and never fire. Pure; a mistake throws a DevproxyError (`fault_invalid`
 * for a string, `config_invalid` with the field path for an object).
 */
export function faultSpecOf(input: unknown, routes: readonly SelectableRoute[]): FaultSpec {
  // One kind per string, so one spec: exactly what `devproxy start --fault TEXT` makes of it.
  if (typeof input === 'string') return parseStartFaults([input], routes)[0]!
  const issues: ConfigIssue[] = validateFaultSpec(input, 'fault')
  if (issues.length === 0) issues.push(...checkFaultSelectors(input as FaultSpec, routes, 'fault'))
  if (issues.length > 0) throw new ConfigValidationError(issues)
  return input as FaultSpec
}
