import { checkTarget } from '../config/target.js'
import { resolveRetry } from '../config/resolve.js'
import type { ResolvedRoute, UserRetry } from '../config/types.js'
import { retryIssues } from '../config/validate.js'
import type { ForwardPlan, RouteProgram } from '../proxy/route-program.js'
import { syntheticResponse } from '../proxy/stand-in.js'
import { isAnswerLike, prepareAnswer } from './answer.js'
import { asProgramFailure, callHook, malformed } from './call.js'
import { runOnRequest } from './on-request.js'
import { runOnResponse } from './on-response.js'
import { forwardedRequestInfo, requestInfo } from './request-info.js'
import { createChunkTransform, createSseTransform, transformKind } from './stream-transform.js'

/**
 * The routes' own code in the request path (proxy/route-program.ts): `target` and `retry`
 * functions, `onRequest`, `onResponse` and `transform`. Each call runs with the route's time
 * limit (call.ts); anything a hook gets wrong is answered 500 and the proxy keeps serving.
 */
export function createRouteProgram(): RouteProgram {
  const origins = new Map<string, URL>()
  return {
    runsBefore: (route) => route.onRequest !== undefined || route.chooseTarget !== undefined || route.retryFor !== undefined,
    runsAfter: (route) => route.onResponse !== undefined,

    async beforeForward(ctx) {
      const { route, tx, req } = ctx
      const info = requestInfo(route.name, tx, ctx.url, req.headers)
      try {
        let target: URL | undefined
        if (route.chooseTarget !== undefined) {
          const chosen = await callHook(route, 'target', () => route.chooseTarget!(info))
          target = typeof chosen === 'string' ? origins.get(chosen) : undefined
          if (target === undefined) {
            const checked = checkTarget(chosen)
            if (!('url' in checked)) throw malformed(route, 'target', `must return an origin such as "http://localhost:3000" (it ${checked.problem})`, chosen)
            target = checked.url
            if (origins.size < MAX_CACHED_ORIGINS) origins.set(chosen as string, target)
          }
        }
        let retry = undefined
        if (route.retryFor !== undefined) {
          const chosen = await callHook(route, 'retry', () => route.retryFor!(info))
          const issues = retryIssues(chosen)
          if (issues.length > 0) throw malformed(route, 'retry', `must return a retry policy such as { attempts: 3 } (${issues.map((i) => `${i.path} ${i.message}`.trim()).join('; ')})`, chosen)
          retry = resolveRetry(chosen as UserRetry)
        }
        const plan: ForwardPlan = { kind: 'forward', method: undefined, path: undefined, headers: undefined, body: undefined, target, retry }
        if (route.onRequest === undefined) return plan
        tx.hooked = true
        const outcome = await runOnRequest(route, ctx, info)
        if (outcome.kind === 'forward') return { ...plan, ...outcome.changes }
        // An arrow that assigns (`(ctx) => ctx.x = 1`) returns the value assigned: say so rather than guess.
        if (!isAnswerLike(outcome.returned)) throw malformed(route, 'onRequest', 'must return nothing (to forward the request) or an answer such as { status: 200, json: {...} } (an arrow function that assigns returns the value: wrap its body in braces)', outcome.returned)
        const answer = await prepareAnswer(outcome.returned, `route "${route.name}" onRequest`, route.baseDir)
        if (answer.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, answer.delayMs))
        return { kind: 'answer', answer: () => ({ kind: 'respond', response: syntheticResponse(answer.status, answer.headers, answer.body), by: 'hook' }) }
      } catch (error) {
        return asProgramFailure(route, 'onRequest', error)
      }
    },

    async afterResponse(ctx) {
      ctx.tx.hooked = true
      try {
        return await runOnResponse(ctx)
      } catch (error) {
        return asProgramFailure(ctx.route, 'onResponse', error)
      }
    },

    transformBody(route, tx, response) {
      const transform = route.transform
      if (transform === undefined || tx.method === 'HEAD' || response.statusCode === 204 || response.statusCode === 304) return undefined
      const kind = transformKind(transform, response.headers['content-type'])
      if (kind === undefined) return undefined
      tx.hooked = true
      const context = Object.freeze({
        request: forwardedRequestInfo(route.name, tx),
        status: response.statusCode ?? 200,
        headers: Object.freeze({ ...response.headers }),
        state: {},
      })
      const call = <T>(hook: string, fn: () => T | Promise<T>) => callHook(route, hook, fn)
      return kind === 'sse' ? createSseTransform(transform, context, call) : createChunkTransform(transform, context, call)
    },
  }
}

/** Bounds the cache of origins a `target` function returned. */
const MAX_CACHED_ORIGINS = 256
