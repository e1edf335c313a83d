import { checkTarget } from '../config/target.js'
import { resolveRetry } from '../config/resolve.js'
import type { HookRequestInfo } from '../config/route-code.js'
import type { ResolvedRoute, UserRetry } from '../config/types.js'
import { retryIssues } from '../config/validate.js'
import { codingOf, decodeBefore } from '../proxy/index.js'
import type { BeforeForwardContext, ForwardPlan, HookAnswerPlan, ProgramFailure, RouteProgram } from '../proxy/index.js'
import { syntheticResponse } from '../proxy/index.js'
import { isAnswerLike, prepareAnswer } from './answer.js'
import { asProgramFailure, callHook, HookFailure, isThenable, malformed } from './call.js'
import { runOnRequest, type OnRequestOutcome } from './on-request.js'
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

    beforeForward(ctx) {
      const { route, tx, req } = ctx
      const info = requestInfo(route.name, tx, ctx.url, req.headers)
      // Most routes with code have onRequest alone: a synchronous one is run in this tick.
      if (route.chooseTarget === undefined && route.retryFor === undefined) return withOnRequest(route, ctx, info, NO_CHOICES)
      return choose(route, info, origins).then(
        (choices) => (route.onRequest === undefined ? { kind: 'forward', method: undefined, path: undefined, headers: undefined, body: undefined, ...choices } : withOnRequest(route, ctx, info, choices)),
        (error: unknown) => asProgramFailure(route, 'onRequest', error),
      )
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
      // The transform sees the body decoded (gzip, br, deflate) and the client gets it so.
      const coding = codingOf(response.headers['content-encoding'])
      const hook = kind === 'sse' ? 'transform.event' : 'transform.chunk'
      if (coding.kind === 'unknown') {
        const message = `route "${route.name}" ${hook} cannot read a body encoded "${coding.coding}" (it decodes gzip, br and deflate)`
        return asProgramFailure(route, hook, new HookFailure('hook_error', hook, message, `Ask for a coding devproxy can read: set ctx.headers['accept-encoding'] = 'gzip, br' in onRequest.`))
      }
      if (coding.kind === 'known') {
        tx.responseHeadersReceived ??= { ...response.headers }
        delete response.headers['content-encoding']
      }
      const context = Object.freeze({
        request: forwardedRequestInfo(route.name, tx),
        status: response.statusCode ?? 200,
        headers: Object.freeze({ ...response.headers }),
        state: {},
      })
      const call = <T>(hook: string, fn: () => T | Promise<T>) => callHook(route, hook, fn)
      const transformer = kind === 'sse' ? createSseTransform(transform, context, call) : createChunkTransform(transform, context, call)
      return coding.kind === 'known' ? decodeBefore(coding.coding, transformer) : transformer
    },
  }
}

/** Bounds the cache of origins a `target` function returned. */
const MAX_CACHED_ORIGINS = 256

type Choices = Pick<ForwardPlan, 'target' | 'retry'>
type BeforeForward = ForwardPlan | HookAnswerPlan | ProgramFailure
const NO_CHOICES: Choices = { target: undefined, retry: undefined }

/** What the route's `target` and `retry` functions chose for this request. */
async function choose(route: ResolvedRoute, info: HookRequestInfo, origins: Map<string, URL>): Promise<Choices> {
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
  return { target, retry }
}

/** Runs onRequest and turns what it did into the plan; in this tick when the hook is synchronous. */
function withOnRequest(route: ResolvedRoute, ctx: BeforeForwardContext, info: HookRequestInfo, choices: Choices): BeforeForward | Promise<BeforeForward> {
  ctx.tx.hooked = true
  const failed = (error: unknown) => asProgramFailure(route, 'onRequest', error)
  try {
    const outcome = runOnRequest(route, ctx, info)
    const plan = isThenable(outcome) ? outcome.then((done) => planOf(route, done, choices)) : planOf(route, outcome, choices)
    return isThenable(plan) ? Promise.resolve(plan).catch(failed) : plan
  } catch (error) {
    return failed(error)
  }
}

function planOf(route: ResolvedRoute, outcome: OnRequestOutcome, choices: Choices): BeforeForward | Promise<BeforeForward> {
  if (outcome.kind === 'forward') {
    const { method, path, headers, body } = outcome.changes
    return { kind: 'forward', method, path, headers, body, target: choices.target, retry: choices.retry }
  }
  // An arrow that assigns (`(ctx) => ctx.x = 1`) returns the value assigned: say so rather than guess.
  if (!isAnswerLike(outcome.returned)) throw malformed(route, 'onRequest', 'must return nothing (to forward the request) or an answer such as { status: 200, json: {...} } (an arrow function that assigns returns the value: wrap its body in braces)', outcome.returned)
  return answerPlan(route, outcome.returned)
}

async function answerPlan(route: ResolvedRoute, returned: unknown): Promise<HookAnswerPlan> {
  const answer = await prepareAnswer(returned, `route "${route.name}" onRequest`, route.baseDir)
  if (answer.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, answer.delayMs))
  return { kind: 'answer', answer: () => ({ kind: 'respond', response: syntheticResponse(answer.status, answer.headers, answer.body), by: 'hook', name: 'onRequest' }) }
}
