import type { ResolvedRoute } from '../config/types.js'
import type { StandIn } from '../proxy/index.js'
import type { MockSet } from './mock-set.js'

/**
 * The routes' mocks standing in for the upstream (DESIGN.md §3). What answers is loaded with
 * the first mocked request (answer-mock.ts): a proxy with no mocks never imports it.
 */
export function createMockStandIn(): StandIn {
  const sets = new WeakMap<ResolvedRoute, MockSet>()
  let loading: Promise<typeof import('./answer-mock.js')> | undefined
  return {
    kind: 'mock',
    serves: (route) => route.mocks.length > 0,
    // A mock's `respond` may read the body: it is held whole (up to the route's limit) on mocked routes.
    bodyBytes: (route) => route.maxRequestBodyBytes,
    async answer(request) {
      const { answerFromMocks } = await (loading ??= import('./answer-mock.js'))
      return answerFromMocks(sets, request)
    },
  }
}
