import { formatSpan } from '../terminal/format.js'
import type { FaultSpec } from './types.js'

/**
 * A fault in words, as every place that shows one says it: `devproxy fault` and `status`, the
 * running proxy's log, the inspector's fault list. Pure.
 */

/** 0.3 → `30%`, 0.125 → `12.5%`. */
function formatRate(rate: number): string {
  return `${Number((rate * 100).toFixed(2))}%`
}

/** `5xx 30% on route api (seed 1, for 30s)`: what a fault does, to what, with which options. */
export function describeFault(fault: FaultSpec): string {
  const selectors = [
    fault.route === undefined ? '' : `route ${fault.route}`,
    fault.path === undefined ? '' : `path ${fault.path}`,
    fault.method === undefined ? '' : `method ${fault.method}`,
    fault.host === undefined ? '' : `host ${fault.host}`,
  ].filter(Boolean)
  const options = [
    fault.retryAfterS === undefined ? '' : `retry-after ${fault.retryAfterS}s`,
    fault.seed === undefined ? '' : `seed ${fault.seed}`,
    fault.forMs === undefined ? '' : `for ${formatSpan(fault.forMs)}`,
    fault.at === 'client' ? 'at client' : '',
  ].filter(Boolean)
  return [faultAction(fault), selectors.length ? `on ${selectors.join(', ')}` : '', options.length ? `(${options.join(', ')})` : '']
    .filter(Boolean)
    .join(' ')
}

/** The kind and its parameters; the rate is left out where it is 100% and the kind has another value. */
function faultAction(fault: FaultSpec): string {
  const share = fault.first !== undefined ? `first ${fault.first}` : formatRate(fault.rate ?? 1)
  const partial = fault.first !== undefined || (fault.rate ?? 1) < 1 ? ` ${share}` : ''
  switch (fault.kind) {
    case 'status':
      return `status ${(fault.statuses ?? []).join(',')}${partial}`
    case 'latency': {
      const [lo = 0, hi = lo] = fault.latencyMs ?? []
      return `latency ${lo === hi ? lo : `${lo}-${hi}`}ms${partial}`
    }
    case 'throttle':
      return `throttle ${fault.kbps ?? 0} KB/s${partial}`
    case '5xx':
      return fault.statuses === undefined ? `5xx ${share}` : `5xx ${fault.statuses.join(',')} ${share}`
    default:
      return `${fault.kind} ${share}`
  }
}
