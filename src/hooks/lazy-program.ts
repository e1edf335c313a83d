import type { RouteProgram } from '../proxy/route-program.js'

/**
 * The route program, loaded the first time a route with code needs it: starting a proxy whose
 * routes have no hooks costs no time for them (the hook modules and their SSE parser take tens
 * of milliseconds to import, a visible share of `devproxy start`'s start-up).
 */
export function createLazyRouteProgram(): RouteProgram {
  let loading: Promise<RouteProgram> | undefined
  const load = () => (loading ??= import('./route-program.js').then(({ createRouteProgram }) => createRouteProgram()))
  return {
    runsBefore: (route) => route.onRequest !== undefined || route.chooseTarget !== undefined || route.retryFor !== undefined,
    runsAfter: (route) => route.onResponse !== undefined,
    beforeForward: async (ctx) => (await load()).beforeForward(ctx),
    afterResponse: async (ctx) => (await load()).afterResponse(ctx),
    transformBody: async (route, tx, response) => (route.transform === undefined ? undefined : (await load()).transformBody(route, tx, response)),
  }
}
