import { matchesHostPattern } from '../config/host-pattern.js'
import { compilePathPattern } from '../config/path-pattern.js'
import { createRandom, type Random } from '../proxy/index.js'
import { chooseAction } from './decide.js'
import type { ActiveFault, FaultContext, FaultSpec, Injection } from './types.js'

/**
 * The faults installed in a running proxy: from the config, `--fault`, the control API. Each
 * attempt asks `decide`; changes apply to the next attempt, no restart.
 */
export interface FaultRegistry {
  add(spec: FaultSpec, source: ActiveFault['source'], nowMs?: number): ActiveFault
  remove(id: string): boolean
  /** Removes every fault (those from the config too, until the next reload); returns how many. */
  clear(): number
  /** Replaces the faults that came from the config (on reload), keeping the others. */
  setConfigFaults(specs: readonly FaultSpec[], nowMs?: number): void
  list(nowMs?: number): ActiveFault[]
  /** The injections drawn for one attempt (or request, at client scope), in the order installed. */
  decide(ctx: FaultContext): Injection[]
  /** True while no fault is installed: the request path skips asking. */
  isEmpty(): boolean
}

interface Entry {
  readonly fault: ActiveFault
  readonly random: Random
  readonly matchesPath: (path: string) => boolean
}

export function createFaultRegistry(): FaultRegistry {
  let entries: Entry[] = []
  let counter = 0

  const prune = (nowMs: number) => {
    entries = entries.filter((e) => e.fault.expiresAt === undefined || e.fault.expiresAt > nowMs)
  }
  const makeEntry = (spec: FaultSpec, source: ActiveFault['source'], nowMs: number): Entry => {
    counter++
    const fault: ActiveFault = {
      ...spec,
      id: `f${counter}`,
      createdAt: nowMs,
      expiresAt: spec.forMs === undefined ? undefined : nowMs + spec.forMs,
      source,
      matched: 0,
      injected: 0,
    }
    return { fault, random: createRandom(spec.seed), matchesPath: spec.path === undefined ? () => true : compilePathPattern(spec.path) }
  }

  return {
    add(spec, source, nowMs = Date.now()) {
      const entry = makeEntry(spec, source, nowMs)
      entries.push(entry)
      return entry.fault
    },
    remove(id) {
      const before = entries.length
      entries = entries.filter((e) => e.fault.id !== id)
      return entries.length < before
    },
    clear() {
      const count = entries.length
      entries = []
      return count
    },
    setConfigFaults(specs, nowMs = Date.now()) {
      entries = [...entries.filter((e) => e.fault.source !== 'config'), ...specs.map((spec) => makeEntry(spec, 'config', nowMs))]
    },
    list(nowMs = Date.now()) {
      prune(nowMs)
      return entries.map((e) => ({ ...e.fault }))
    },
    isEmpty() {
      return entries.length === 0
    },
    decide(ctx) {
      prune(ctx.nowMs)
      const injections: Injection[] = []
      for (const entry of entries) {
        const { fault } = entry
        if ((fault.at ?? 'upstream') !== ctx.scope) continue
        if (fault.route !== undefined && fault.route !== ctx.route) continue
        if (fault.method !== undefined && fault.method.toUpperCase() !== ctx.method) continue
        if (fault.host !== undefined && !matchesHostPattern(fault.host, ctx.host)) continue
        if (!entry.matchesPath(ctx.path)) continue
        fault.matched++
        const fires = fault.first !== undefined ? fault.matched <= fault.first : entry.random() < (fault.rate ?? 1)
        // Counted as injected once it acts (faults/plan.ts): a fault superseded by another never did.
        if (!fires) continue
        injections.push({ fault, label: fault.kind, action: chooseAction(fault, entry.random) })
      }
      return injections
    },
  }
}
