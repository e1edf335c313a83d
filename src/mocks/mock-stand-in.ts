import type { ResolvedRoute } from '../config/types.js'
import { AnswerError, prepareAnswer } from '../hooks/answer.js'
import { asProgramFailure, callHook, HookFailure } from '../hooks/call.js'
import type { StandIn } from '../proxy/stand-in.js'
import { syntheticResponse } from '../proxy/stand-in.js'
import { createMockSet, type MockSet } from './mock-set.js'

/**
 * The routes' mocks standing in for the upstream (DESIGN.md §3). Each route's set keeps its
 * call counts for as long as its config runs: a reload compiles new routes, so counts restart.
 * A mock whose code fails is answered 500 `hook_error` naming it, like a failing hook.
 */
export function createMockStandIn(): StandIn {
  const sets = new WeakMap<ResolvedRoute, MockSet>()
  const setFor = (route: ResolvedRoute) => {
    let set = sets.get(route)
    if (set === undefined) sets.set(route, (set = createMockSet(route.mocks)))
    return set
  }
  return {
    kind: 'mock',
    serves: (route) => route.mocks.length > 0,
    // A mock's `respond` may read the body: it is held whole (up to the route's limit) on mocked routes.
    bodyBytes: (route) => route.maxRequestBodyBytes,
    async answer({ route, tx, url, headers, body }) {
      try {
        const found = await setFor(route).answer(
          {
            method: tx.method,
            url,
            headers,
            route: route.name,
            client: { address: tx.clientIp, protocol: `HTTP/${tx.httpVersion}`, tls: tx.scheme === 'https' },
            body: async () => body ?? Buffer.alloc(0),
          },
          (hook, fn) => callHook(route, hook, fn),
        )
        if (found === undefined) return undefined
        const answer = await prepareAnswer(found.answer, `route "${route.name}" ${found.label}`, route.baseDir)
        if (answer.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, answer.delayMs))
        return { kind: 'respond', response: syntheticResponse(answer.status, { ...answer.headers, 'x-devproxy-mock': found.label }, answer.body), by: 'mock' }
      } catch (error) {
        const failure = asProgramFailure(route, error instanceof AnswerError ? new HookFailure('hook_error', 'mock', error.message, error.suggestion ?? 'Fix the mock in the config.') : error)
        return { kind: 'refuse', type: failure.type, details: failure.details, by: 'mock' }
      }
    },
  }
}
