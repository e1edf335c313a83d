import type { ResolvedRoute } from '../config/types.js'
import { prepareAnswer } from '../hooks/answer.js'
import { asProgramFailure, callHook } from '../hooks/call.js'
import type { StandInAnswer, StandInRequest } from '../proxy/index.js'
import { syntheticResponse } from '../proxy/index.js'
import { createMockSet, type MockSet } from './mock-set.js'

/**
 * One request put to a route's mocks: the answer of the first that answers it, or undefined.
 * Each route's set keeps its call counts for as long as its config runs: a reload compiles new
 * routes, so counts restart. A mock whose code fails is answered 500 `hook_error` naming it.
 */
export async function answerFromMocks(sets: WeakMap<ResolvedRoute, MockSet>, { route, tx, url, headers, body }: StandInRequest): Promise<StandInAnswer | undefined> {
  let set = sets.get(route)
  if (set === undefined) sets.set(route, (set = createMockSet(route.mocks)))
  try {
    const found = await set.answer(
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
    return { kind: 'respond', response: syntheticResponse(answer.status, { ...answer.headers, 'x-devproxy-mock': found.label }, answer.body), by: 'mock', name: found.label }
  } catch (error) {
    const failure = asProgramFailure(route, 'mock', error)
    return { kind: 'refuse', type: failure.type, details: failure.details, by: 'mock' }
  }
}
