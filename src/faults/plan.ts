import type { Effects, FaultPlanner, FiredFault, RequestedFault } from '../proxy/index.js'
import { NO_EFFECTS } from '../proxy/index.js'
import type { StandInAnswer } from '../proxy/index.js'
import { chooseAction } from './decide.js'
import { describeInjection, simulatedResponse } from './inject.js'
import { parseFaultHeader } from './parse.js'
import type { FaultRegistry } from './registry.js'
import type { ActiveFault, FaultAction, FaultSpec, Injection } from './types.js'

/**
 * The registry's faults as the proxy sees them (proxy/fault-plan.ts): for each request or
 * attempt, the injections drawn, plus the one an `x-devproxy-fault` header asked for, folded
 * into effects — a stand-in answer (503, reset, hang), a delay, what happens to the body.
 */
export function createFaultPlanner(registry: FaultRegistry): FaultPlanner {
  return {
    isEmpty: () => registry.isEmpty(),
    parseRequested: (value) => parseFaultHeader(value) as unknown as RequestedFault | undefined,
    plan(query, requested) {
      if (requested === undefined && registry.isEmpty()) return NO_EFFECTS
      const injections = registry.decide(query)
      if (requested !== undefined && query.scope === 'upstream') injections.push(fromHeader(requested as unknown as FaultSpec, query.nowMs))
      return effectsOf(injections)
    },
  }
}

function fromHeader(spec: FaultSpec, nowMs: number): Injection {
  const fault: ActiveFault = { ...spec, id: 'header', createdAt: nowMs, expiresAt: undefined, source: 'header', matched: 1, injected: 0 }
  return { fault, label: spec.kind, action: chooseAction(spec, Math.random) }
}

/**
 * What the injections do, together: the first that stands in answers (those drawn after it are
 * superseded: not reported, not counted); delays add up; the body faults shape whatever
 * response goes out. Each is reported only once it acts (proxy/fault-plan.ts `FiredFault`).
 */
export function effectsOf(injections: readonly Injection[]): Effects {
  if (injections.length === 0) return NO_EFFECTS
  const stand = injections.find((i) => STANDS_IN.has(i.action.kind))
  const throttle = injections.find((i) => i.action.kind === 'throttle')?.action
  return {
    answer: stand === undefined ? undefined : answerOf(stand),
    delayMs: injections.reduce((sum, i) => sum + (i.action.kind === 'delay' ? i.action.ms : 0), 0),
    fired: injections.filter((i) => i === stand || !STANDS_IN.has(i.action.kind)).map(firedFault),
    truncate: injections.some((i) => i.action.kind === 'truncate'),
    bytesPerSecond: throttle?.kind === 'throttle' ? throttle.bytesPerSecond : undefined,
    cause: stand === undefined ? undefined : `fault ${stand.fault.id}`,
  }
}

const STANDS_IN: ReadonlySet<FaultAction['kind']> = new Set(['respond', 'reset', 'hang'])

function firedFault(injection: Injection): FiredFault {
  const kind = injection.action.kind
  return {
    role: STANDS_IN.has(kind) ? 'answer' : kind === 'delay' ? 'delay' : 'body',
    label: injection.label,
    note: describeInjection(injection),
    count: () => void injection.fault.injected++,
  }
}

function answerOf(injection: Injection): StandInAnswer {
  const action = injection.action
  if (action.kind === 'respond') return { kind: 'respond', response: simulatedResponse(action.status, action.retryAfterS, describeInjection(injection), injection.fault.id), by: 'fault' }
  return { kind: action.kind === 'reset' ? 'reset' : 'hang', by: 'fault' }
}
