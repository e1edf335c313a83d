import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { syntheticResponse } from '../proxy/index.js'
import type { FaultAction, Injection } from './types.js'

/**
 * What a fault looks like on the wire: its simulated upstream response, and how it is named in
 * `x-devproxy-fault` and the log. (The slow and cut bodies are the proxy's: proxy/body-faults.ts.)
 */

/** How an injection appears in `x-devproxy-fault` and the log: `5xx 503`, `latency 300ms`. */
export function describeInjection(injection: Injection): string {
  const action: FaultAction = injection.action
  switch (action.kind) {
    case 'respond':
      return injection.label === 'status' ? String(action.status) : `${injection.label} ${action.status}`
    case 'delay':
      return `latency ${action.ms}ms`
    case 'throttle':
      return `throttle ${Math.round(action.bytesPerSecond / 1024)}KB/s`
    default:
      return injection.label
  }
}

/** A response from a simulated upstream: what `--5xx` and `--status` answer with. */
export function simulatedResponse(status: number, retryAfterS: number | undefined, label: string, faultId: string): IncomingMessage {
  const body = `${JSON.stringify({ error: { type: 'injected_fault', message: `devproxy injected a ${status} (fault ${faultId}: ${label})`, fault: faultId } })}\n`
  const headers: IncomingHttpHeaders = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
  }
  if (retryAfterS !== undefined) headers['retry-after'] = String(retryAfterS)
  return syntheticResponse(status, headers, Buffer.from(body))
}
