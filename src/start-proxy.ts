import type { ResolvedConfig } from './config/types.js'
import { createFaultPlanner } from './faults/plan.js'
import { createFaultRegistry, type FaultRegistry } from './faults/registry.js'
import { createLazyRouteProgram } from './hooks/lazy-program.js'
import type { WatchOptions } from './hooks/route-code-watch.js'
import { createMockStandIn } from './mocks/mock-stand-in.js'
import type { StandIn } from './proxy/index.js'
import { startServer, type RunningServer, type ServerOptions } from './proxy/index.js'
import { createReplayStandIn, type ReplaySource } from './record/replay-stand-in.js'

/**
 * Where devproxy is put together (DESIGN.md §3, §7): the proxy core (src/proxy) with what plugs
 * into it — the fault registry, the stand-ins (mocks, then a recording), the routes' own code.
 */

export interface StartOptions extends ServerOptions {
  /** Answer from a recording instead of the targets (`devproxy replay`). */
  readonly replay?: ReplaySource | undefined
  /**
   * Route code that never returns (`for (;;) {}` in a hook) ends the process, with a report on
   * stderr naming the route, the hook and the line, instead of freezing it for good: see
   * src/hooks/route-code-watch.ts. For a process that can be restarted (the CLI's supervisor).
   * Default: off (the process is the caller's).
   */
  readonly watchdog?: WatchOptions | undefined
}

export interface RunningProxy extends RunningServer {
  /** Faults in force; the control API, `--fault` and config reloads change them live. */
  readonly faults: FaultRegistry
  /** Forward mode: the intercept CA's certificate file (what clients must trust); undefined when none is on disk. */
  readonly interceptCaPath: string | undefined
  /** Forward mode: the intercept CA's certificate (PEM), when hosts are intercepted. */
  readonly interceptCaPem: string | undefined
}

export async function startProxy(config: ResolvedConfig, options: StartOptions = {}): Promise<RunningProxy> {
  if (options.watchdog !== undefined) (await import('./hooks/route-code-watch.js')).watchRouteCode(options.watchdog)
  const faults = createFaultRegistry()
  faults.setConfigFaults(config.faults.rules)
  // Mocks are config, so they answer before a recording does.
  const standIns: StandIn[] = [createMockStandIn()]
  if (options.replay !== undefined) standIns.push(createReplayStandIn(options.replay))
  // Forward mode with hosts to intercept: their CA, made only then (OUTBOUND-CONTRACT.md).
  const intercept = config.outbound !== undefined && config.outbound.intercept.length > 0
    ? await (await import('./outbound/intercept-certificates.js')).interceptCertificates(config.outbound.intercept, options.caDir)
    : undefined
  const server = await startServer(
    config,
    {
      faults: createFaultPlanner(faults),
      standIns,
      program: createLazyRouteProgram(),
      // Reinstalling unchanged config faults would restart their --first counts and seeds.
      onSwap: (next, previous) => {
        if (JSON.stringify(next.faults.rules) !== JSON.stringify(previous.faults.rules)) faults.setConfigFaults(next.faults.rules)
      },
    },
    intercept === undefined ? options : { ...options, interceptCertificates: intercept.certificates },
  )
  return { ...server, faults, interceptCaPath: intercept?.caPath, interceptCaPem: intercept?.caPem }
}
