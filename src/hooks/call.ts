import { isUserFile } from '../config/import-module.js'
import type { ResolvedRoute } from '../config/types.js'
import type { ProgramFailure } from '../proxy/index.js'
import { AnswerError } from './answer.js'
import { enterRouteCode, leaveRouteCode } from './route-code-watch.js'
import { frameLocation, userFrame } from './stack-frame.js'

/**
 * Runs a route's own code — a hook, a mock's `respond`, a transform — with the route's time
 * limit. Whatever goes wrong becomes a `HookFailure` that names the hook and, when the stack
 * shows it, the config file's line: answered 500 `hook_error` / `hook_timeout`, logged, and
 * the proxy keeps serving. A synchronous call that never returns is the watchdog's
 * (route-code-watch.ts): the timer here could never fire.
 */

export class HookFailure extends Error {
  constructor(
    readonly type: 'hook_error' | 'hook_timeout' | 'upstream_body_too_large' | 'upstream_malformed',
    readonly hook: string,
    message: string,
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** Runs `fn` for `hook` on `route`; rejects with a HookFailure. */
export async function callHook<T>(route: ResolvedRoute, hook: string, fn: () => T | Promise<T>): Promise<T> {
  return callHookNow(route, hook, fn)
}

/**
 * `callHook` without a promise for a hook that returns none: its value now, or a HookFailure
 * thrown now; a promise (settled within the time limit) when the hook returned one.
 */
export function callHookNow<T>(route: ResolvedRoute, hook: string, fn: () => T | Promise<T>): T | Promise<T> {
  let result: T | Promise<T>
  // Marked for the watchdog (route-code-watch.ts): a call that never returns cannot be timed
  // out from this thread, whose timers it holds up.
  enterRouteCode(route, hook)
  try {
    result = fn()
  } catch (error) {
    throw threw(route, hook, error)
  } finally {
    leaveRouteCode()
  }
  return isThenable(result) ? settleInTime(route, hook, result) : result
}

async function settleInTime<T>(route: ResolvedRoute, hook: string, result: PromiseLike<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HookFailure('hook_timeout', hook, `route "${route.name}" ${hook} did not finish within hookTimeoutMs (${route.hookTimeoutMs} ms)`, `Make it faster or raise hookTimeoutMs on the route; an async hook must settle its promise.`)),
      route.hookTimeoutMs,
    )
  })
  try {
    return await Promise.race([result, timeout])
  } catch (error) {
    throw threw(route, hook, error)
  } finally {
    clearTimeout(timer)
  }
}

/** What a hook threw (or rejected with), as the HookFailure that names it and the config's line. */
function threw(route: ResolvedRoute, hook: string, error: unknown): HookFailure {
  if (error instanceof HookFailure) return error
  const where = userFrameOf(error)
  const message = `route "${route.name}" ${hook} threw${where ? ` at ${where}` : ''}: ${describeError(error)}`
  return new HookFailure('hook_error', hook, message, 'Fix the hook in the config; devproxy reloads it when the file is saved.', { cause: error })
}

/** A hook returned something it may not: the same 500, saying what was expected. */
export function malformed(route: ResolvedRoute, hook: string, expected: string, got: unknown): HookFailure {
  return new HookFailure('hook_error', hook, `route "${route.name}" ${hook} ${expected}; got ${describeValue(got)}`, 'Fix what the hook returns in the config.')
}

/**
 * A hook set header fields that cannot be sent: the same 500, naming the field and what is wrong
 * with it — never a value. Header values are where credentials live (Authorization, Cookie,
 * RFC 9110 §11.6.2), and an error body is what a developer pastes into a chat.
 */
export function malformedHeaders(route: ResolvedRoute, hook: string, problem: string): HookFailure {
  return new HookFailure('hook_error', hook, `route "${route.name}" ${hook} ctx.headers ${problem}`, 'Fix what the hook sets in ctx.headers in the config.')
}

/**
 * How the proxy answers a failure of the route's code (`hook` names it when the error does not):
 * a HookFailure as it is, an answer devproxy cannot send (AnswerError) with its own suggestion.
 */
export function asProgramFailure(route: ResolvedRoute, hook: string, error: unknown): ProgramFailure {
  const failure =
    error instanceof HookFailure
      ? error
      : error instanceof AnswerError
        ? new HookFailure('hook_error', hook, error.message, error.suggestion ?? 'Fix what it returns in the config.')
        : new HookFailure('hook_error', hook, `route "${route.name}" ${hook}: ${describeError(error)}`, 'Fix the hook in the config.')
  return { kind: 'failed', type: failure.type, details: { message: failure.message, hint: failure.hint, route: route.name, extra: { hook: failure.hook } } }
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function'
}

/** `proxy.config.ts:12:7`: the first stack frame in a file the user wrote. */
function userFrameOf(error: unknown): string | undefined {
  const stack = (error as { stack?: unknown })?.stack
  if (typeof stack !== 'string') return undefined
  const frame = userFrame(stack, isUserFile)
  return frame === undefined ? undefined : frameLocation(frame, process.cwd())
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name
  return `a non-Error value (${describeValue(error)})`
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'bigint') return `${value}n`
  try {
    const text = JSON.stringify(value)
    return text.length > 80 ? `${text.slice(0, 77)}...` : text
  } catch {
    return String(value)
  }
}
