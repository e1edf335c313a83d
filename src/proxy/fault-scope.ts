import { chooseAction } from '../faults/decide.js'
import { describeInjection, simulatedResponse } from '../faults/inject.js'
import { parseFaultHeader } from '../faults/parse.js'
import type { ActiveFault, FaultSpec, Injection } from '../faults/types.js'
import type { AttemptContext, InjectedEffects } from './attempt.js'
import { FAULT_HEADER } from './headers.js'
import { sendError } from './respond.js'
import { isHttp2 } from './protocol.js'
import { splitUrl } from './router.js'
import { streamResponse } from './stream-response.js'
import { backoff } from './wait.js'

/**
 * Where faults enter a transaction: per attempt (`upstream` scope, the default), or once
 * before the retry loop (`client` scope, to exercise the client's own retries), plus the
 * opt-in `x-devproxy-fault` request header.
 */

export { FAULT_HEADER }

const NO_INJECTIONS: readonly Injection[] = Object.freeze([])

/** The injections that fire for this request at `scope`. */
export function faultsFor(ctx: AttemptContext, scope: 'upstream' | 'client', fromHeader?: FaultSpec): readonly Injection[] {
  if (fromHeader === undefined && ctx.engine.faults.isEmpty()) return NO_INJECTIONS
  const injections = ctx.engine.faults.decide({
    route: ctx.route.name,
    path: splitUrl(ctx.url).pathname,
    method: ctx.tx.method,
    scope,
    nowMs: Date.now(),
  })
  if (fromHeader && scope === 'upstream') {
    const fault: ActiveFault = { ...fromHeader, id: 'header', createdAt: Date.now(), expiresAt: undefined, source: 'header', matched: 1, injected: 1 }
    injections.push({ fault, label: fromHeader.kind, action: chooseAction(fromHeader, Math.random) })
  }
  return injections
}

/**
 * `x-devproxy-fault: 503` when the config allows it. The header is the proxy's to read: it is
 * never forwarded. An unknown value is a 400, so a typo in a test does not pass silently.
 */
export function headerFault(ctx: AttemptContext): FaultSpec | undefined | 'invalid' {
  const value = ctx.tx.requestHeaders[FAULT_HEADER]
  if (value === undefined || !ctx.state.config.faults.allowHeader) return undefined
  const spec = typeof value === 'string' ? parseFaultHeader(value) : undefined
  if (spec) return spec
  sendError(ctx.res, ctx.tx, 'invalid_fault_header', {
    message: `${FAULT_HEADER}: ${JSON.stringify(value)} does not name a fault`,
    hint: 'Use a status (503), 5xx, reset, timeout, truncate, latency=MS or throttle=KBPS.',
    route: ctx.route.name,
  })
  return 'invalid'
}

export interface ClientScope {
  /** True when a fault answered (or cut) the request: nothing more to do. */
  readonly answered: boolean
  /** Effects on the eventual response: truncate, throttle, and the labels for `x-devproxy-fault`. */
  readonly effects: InjectedEffects
}

const NONE: InjectedEffects = { labels: [], truncate: false, bytesPerSecond: undefined }

/** No client-scope fault fired: the request goes on untouched. */
export const NO_CLIENT_FAULTS: ClientScope = { answered: false, effects: NONE }

/**
 * Client-scope faults, once, before the attempt loop: the client sees them as they are.
 * `injections` are this request's (faultsFor(ctx, 'client')), at least one.
 */
export async function injectAtClient(ctx: AttemptContext, injections: readonly Injection[]): Promise<ClientScope> {
  const { tx, res, route } = ctx
  for (const injection of injections) tx.faults.push(describeInjection(injection))
  const labels = injections.map((i) => i.label)
  const delayMs = injections.reduce((sum, i) => sum + (i.action.kind === 'delay' ? i.action.ms : 0), 0)
  if (delayMs > 0 && !(await backoff(delayMs, ctx))) return { answered: true, effects: NONE }

  const stand = injections.find((i) => ['respond', 'reset', 'hang'].includes(i.action.kind))
  const action = stand?.action
  if (action?.kind === 'respond') {
    streamResponse(tx, route, simulatedResponse(action.status, action.retryAfterS, describeInjection(stand!), stand!.fault.id), res, ctx.engine.instanceId, { header: labels.join(', ') })
    return { answered: true, effects: NONE }
  }
  if (action?.kind === 'reset') {
    tx.ending = 'upstream-aborted'
    // HTTP/1.x: a TCP reset. HTTP/2: RST_STREAM INTERNAL_ERROR on this stream alone (H2Response),
    // as a server failing one request does; the connection's other streams go on.
    if (res.socket && !isHttp2(res.req)) res.socket.resetAndDestroy()
    else res.destroy()
    return { answered: true, effects: NONE }
  }
  if (action?.kind === 'hang') {
    // The proxy's own response timeout, as if the upstream had hung.
    if (await backoff(route.timeoutMs, ctx)) {
      sendError(
        res,
        tx,
        'upstream_timeout',
        { message: `devproxy held the request for timeoutMs (${route.timeoutMs} ms): fault ${stand!.fault.id} (timeout at client)`, hint: 'Clear it with devproxy fault --clear.', route: route.name },
        { fault: labels.join(', ') },
      )
    }
    return { answered: true, effects: NONE }
  }
  const throttle = injections.find((i) => i.action.kind === 'throttle')?.action
  return {
    answered: false,
    effects: { labels, truncate: injections.some((i) => i.action.kind === 'truncate'), bytesPerSecond: throttle?.kind === 'throttle' ? throttle.bytesPerSecond : undefined },
  }
}
