import { child, isPlainObject, type ConfigIssue } from '../config/checks.js'
import type { ConfigFeature, RouteSelector } from '../config/feature.js'
import type { UserConfig } from '../config/types.js'
import { checkFaultSelectors } from './check-selectors.js'
import { parseFaultString } from './parse.js'
import type { FaultSpec } from './types.js'
import { checkFaultsConfig } from './validate-spec.js'

/**
 * The `faults` setting of proxy.config.ts (types: config-types.ts): checked with the same
 * messages as a control API body (validate-spec.ts), its strings parsed once, and put in force
 * by a reload (the registry reinstalls the config's faults on each swap).
 */
export const faultsConfig: ConfigFeature<'faults'> = {
  name: 'faults',
  settings: {
    faults: {
      check: checkFaultsConfig,
      resolve: (user) => resolveFaults(user.faults),
      reload: 'live',
      rows: [
        ['faults', (faults) => (faults.rules.length === 0 ? 'none' : faults.rules.map(describeFault).join('; '))],
        ['faults.allowHeader', (faults) => String(faults.allowHeader)],
      ],
    },
  },
  checkConfig: checkFaultRoutes,
  types: [{ url: new URL('./types', import.meta.url), only: ['FaultKind', 'FaultSpec'] }, { url: new URL('./config-types', import.meta.url) }],
}

function resolveFaults(faults: UserConfig['faults']) {
  const { allowHeader = false, rules = [] } = Array.isArray(faults) ? { rules: faults } : (faults ?? {})
  const specs = rules.flatMap((rule) => (typeof rule === 'string' ? parseFaultString(rule) : [rule]))
  return Object.freeze({ allowHeader, rules: Object.freeze(specs) })
}

/**
 * A fault's `route` must name a route and its `method` one that route takes, or it would
 * silently never fire; the string form (`'5xx 30% --route api'`) is held to the same.
 */
function checkFaultRoutes(config: Readonly<Record<string, unknown>>, routes: readonly RouteSelector[]): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const faults = config.faults
  const rules = Array.isArray(faults) ? faults : isPlainObject(faults) && Array.isArray(faults.rules) ? faults.rules : []
  const base = Array.isArray(faults) ? 'faults' : 'faults.rules'
  rules.forEach((rule: unknown, index: number) => {
    const at = child(base, index)
    if (typeof rule !== 'string') {
      if (isPlainObject(rule)) issues.push(...checkFaultSelectors(rule as Pick<FaultSpec, 'route' | 'method'>, routes, at))
      return
    }
    // A string names its selectors as flags: point at the entry and name the flag.
    for (const spec of parseFaultString(rule)) {
      for (const found of checkFaultSelectors(spec, routes, '')) issues.push({ ...found, path: at, message: `--${found.path} ${found.message}` })
    }
  })
  return issues
}

/** `5xx rate=0.3 route=api`: the kind, then each field as given. */
function describeFault(fault: FaultSpec): string {
  const fields = Object.entries(fault)
    .filter(([key, value]) => key !== 'kind' && value !== undefined)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`)
  return [fault.kind, ...fields].join(' ')
}
