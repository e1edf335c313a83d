import type { AttemptContext } from './attempt.js'
import { NO_EFFECTS, type Effects, type RequestedFault } from './fault-plan.js'
import { faultHeader, firedIn, noteActed } from './fault-report.js'
import { FAULT_HEADER } from '../http/fields.js'
import { sendError } from '../respond/respond.js'
import { isHttp2 } from '../http/protocol.js'
import { splitUrl } from '../route/router.js'
import { streamResponse } from '../respond/stream-response.js'
import { backoff } from './wait.js'
import * as record from '../transaction/record.js'

/**
 * Where faults enter a transaction: per attempt (`upstream` scope, the default), or once
 * before the retry loop (`client` scope, to exercise the client's own retries), plus the
 * opt-in `x-devproxy-fault` request header. What each fault does is the planner's (src/faults);
 * carrying it out is here.
 */

export { FAULT_HEADER }

/** The effects of the faults that fire for this request at `scope`. */
export function plannedFaults(ctx: AttemptContext, scope: 'upstream' | 'client', requested?: RequestedFault): Effects {
  const planner = ctx.engine.faults
  if (requested === undefined && planner.isEmpty()) return NO_EFFECTS
  return planner.plan({ route: ctx.route.name, path: splitUrl(ctx.url).pathname, method: ctx.tx.method, host: ctx.req.headers.host, scope, nowMs: Date.now() }, requested)
}

/**
 * `x-devproxy-fault: 503` when the config allows it. The header is the proxy's to read: it is
 * never forwarded. An unknown value is a 400, so a typo in a test does not pass silently.
 */
export function requestedFault(ctx: AttemptContext): RequestedFault | undefined | 'invalid' {
  const value = ctx.tx.requestHeaders[FAULT_HEADER]
  if (value === undefined || !ctx.state.config.faults.allowHeader) return undefined
  const requested = typeof value === 'string' ? ctx.engine.faults.parseRequested(value) : undefined
  if (requested) return requested
  sendError(ctx.res, ctx.tx, 'invalid_fault_header', {
    message: `${FAULT_HEADER}: ${JSON.stringify(value)} does not name a fault`,
    hint: 'Use a 4xx or 5xx status (503), 5xx, reset, timeout, truncate, latency=MS or throttle=KBPS.',
    route: ctx.route.name,
  })
  return 'invalid'
}

/**
 * Client-scope faults, once, before the attempt loop: the client sees them as they are.
 * Returns true when a fault answered (or cut) the request: nothing more to do. Otherwise the
 * effects on the body (truncate, throttle) still apply to the eventual response.
 */
export async function answerAtClient(ctx: AttemptContext, effects: Effects): Promise<boolean> {
  const { tx, res, route } = ctx
  const delays = firedIn(effects, ['delay'])
  noteActed(tx, delays)
  if (effects.delayMs > 0 && !(await backoff(effects.delayMs, ctx))) return true
  const answer = effects.answer
  if (answer === undefined) return false
  // The stand-in answers as it is: the body faults drawn with it do not shape it.
  const answered = firedIn(effects, ['delay', 'answer'])
  noteActed(tx, firedIn(effects, ['answer']))
  const labels = faultHeader(answered)
  if (answer.kind === 'respond') {
    streamResponse(tx, route, answer.response, res, ctx.engine.instanceId, { header: labels })
  } else if (answer.kind === 'reset') {
    record.ended(tx, 'upstream-aborted')
    // HTTP/1.x: a TCP reset. HTTP/2: RST_STREAM INTERNAL_ERROR on this stream alone (H2Response),
    // as a server failing one request does; the connection's other streams go on.
    if (res.socket && !isHttp2(res.req)) res.socket.resetAndDestroy()
    else res.destroy()
  } else if (answer.kind === 'refuse') {
    sendError(res, tx, answer.type, answer.details, { fault: labels })
  } else if (await backoff(route.timeoutMs, ctx)) {
    // The proxy's own response timeout, as if the upstream had hung.
    sendError(
      res,
      tx,
      'upstream_timeout',
      { message: `devproxy held the request for timeoutMs (${route.timeoutMs} ms): ${effects.cause ?? 'a fault'} (timeout at client)`, hint: 'Clear it with devproxy fault --clear.', route: route.name },
      { fault: labels },
    )
  }
  return true
}
