import type { RouteProgram } from '../proxy/index.js'

/**
 * The route program, loaded the first time a route with code needs it: starting a proxy whose
 * routes have no hooks costs no time for them (the hook modules and their SSE parser take tens
 * of milliseconds to import, a visible share of `devproxy start`'s start-up).
 */
export function createLazyRouteProgram(): RouteProgram {
  let loaded: RouteProgram | undefined
  let loading: Promise<RouteProgram> | undefined
  // Once loaded, calls go straight through: no extra promise per request.
  const load = () => (loading ??= import('./route-program.js').then(({ createRouteProgram }) => (loaded = createRouteProgram())))
  return {
    runsBefore: (route) => route.onRequest !== undefined || route.chooseTarget !== undefined || route.retryFor !== undefined,
    runsAfter: (route) => route.onResponse !== undefined,
    beforeForward: (ctx) => (loaded ? loaded.beforeForward(ctx) : load().then((program) => program.beforeForward(ctx))),
    afterResponse: (ctx) => (loaded ? loaded.afterResponse(ctx) : load().then((program) => program.afterResponse(ctx))),
    transformBody: (route, tx, response, report) => {
      if (route.transform === undefined) return undefined
      return loaded ? loaded.transformBody(route, tx, response, report) : load().then((program) => program.transformBody(route, tx, response, report))
    },
  }
}
