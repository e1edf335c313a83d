import { checkFaultSelectors, type SelectableRoute } from '../faults/check-selectors.js'
import { FaultSpecError, parseFaultString } from '../faults/parse.js'
import type { FaultSpec } from '../faults/types.js'

/**
 * `devproxy start --fault TEXT` (repeatable): each one parsed, then held to the routes the
 * proxy starts with. A `--route` no route has, or a `--method` its route never takes, would
 * be accepted and silently never fire.
 */
export function parseStartFaults(texts: readonly string[], routes: readonly SelectableRoute[]): FaultSpec[] {
  return texts.flatMap((text) => {
    const specs = parseFaultString(text)
    for (const spec of specs) {
      const [found] = checkFaultSelectors(spec, routes, '')
      if (found === undefined) continue
      const hint = found.path === 'route' ? 'Name one of the routes, or leave --route out to fault every route.' : 'Leave --method out to fault every method.'
      throw new FaultSpecError(`--fault ${JSON.stringify(text)}: --${found.path} ${found.message}`, found.suggestion ?? hint)
    }
    return specs
  })
}
