import type { Forwarder } from '../upstream/forward.js'
import type { FaultPlanner } from './fault-plan.js'
import type { RouteProgram } from './route-program.js'
import type { StandIn } from './stand-in.js'

/**
 * What the exchange needs of the engine around it (engine.ts provides it): where requests leave
 * (the forwarder), what may stand in for the upstream, faults, the routes' code, and how much of
 * each body the sinks want. The exchange knows these, never the engine.
 */
export interface ExchangeServices {
  /** This proxy instance, for `Via` (`devproxy-<id>`). */
  readonly instanceId: string
  readonly forwarder: Forwarder
  /** What faults do to each request and attempt (src/faults plugs in here). */
  readonly faults: FaultPlanner
  /** What may answer in place of the upstream, asked in order: mocks, a recording (DESIGN.md §3). */
  readonly standIns: readonly StandIn[]
  /** The routes' own code (`onRequest`, `onResponse`, `transform`, target and retry functions). */
  readonly program: RouteProgram | undefined
  /** Bodies are captured up to this many bytes each for the sinks; 0: off. */
  readonly captureBodyBytes: number
}
