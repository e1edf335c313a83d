import { Worker } from 'node:worker_threads'
import type { ResolvedRoute } from '../config/types.js'
import { CAPTURE_STACK, CELL, CELLS, STACK_BYTES } from './watch-cells.js'
import { BEAT_MS, type RouteCodeLabel } from './watchdog-rules.js'

/**
 * The proxy thread's half of the route-code watchdog (watchdog-rules.ts says why there is
 * one): each synchronous call of route code is marked in shared memory — an atomic store
 * before and one after, tens of nanoseconds — and, once `watchRouteCode` has been called, the
 * first call starts the watchdog thread (watchdog-worker.ts) that reads the marks (unless
 * asked to start it at once). A proxy whose routes have no code need never start it.
 */

export interface WatchOptions {
  /** A file descriptor to tell `{"type":"stuck"}` before the process ends: the supervisor's channel (src/cli/supervise.ts). */
  readonly notifyFd?: number | undefined
  /** The watchdog thread could not start or failed: the proxy serves on, unwatched. */
  readonly onError?: ((error: Error) => void) | undefined
  /**
   * Start the watchdog thread now rather than with the first call of route code: it then also
   * watches the config's own code (its top level, run at each load). Default: false.
   */
  readonly now?: boolean | undefined
}

const memory = new SharedArrayBuffer(CELLS * 4 + STACK_BYTES)
const cells = new Int32Array(memory, 0, CELLS)

/** Nested marks (route code that runs route code) count as the outermost call. */
let depth = 0
let lastCall = 0

interface Watching {
  readonly options: WatchOptions
  readonly labels: WeakMap<ResolvedRoute, Map<string, number>>
  nextId: number
  post: ((label: RouteCodeLabel) => void) | undefined
}
let watching: Watching | undefined

/** Marks the start of a synchronous call of `route`'s `hook`; `leaveRouteCode` (in a `finally`) its end. */
export function enterRouteCode(route: ResolvedRoute, hook: string): void {
  if (depth++ !== 0) return
  if (watching !== undefined) cells[CELL.label] = labelOf(watching, route, hook)
  lastCall = lastCall === 0x7fffffff ? 1 : lastCall + 1
  // Atomic: the watchdog that reads this call's number also reads the label written before it.
  Atomics.store(cells, CELL.call, lastCall)
}

export function leaveRouteCode(): void {
  if (--depth === 0) Atomics.store(cells, CELL.call, 0)
}

/** Whether a marked call is in progress: each way into route code is marked (test/integration/route-code-marks.test.ts). */
export function inRouteCode(): boolean {
  return depth > 0
}

/**
 * Asks for the watchdog: a call of route code that never returns ends the process with a
 * report on stderr, instead of freezing it. Idempotent; the thread starts with the first call.
 */
export function watchRouteCode(options: WatchOptions = {}): void {
  watching ??= { options, labels: new WeakMap(), nextId: 1, post: undefined }
  if (options.now) watching.post ??= startWatchdog(watching.options)
}

/** The last label found: most calls are of the same route's same function as the one before. */
let lastRoute: ResolvedRoute | undefined
let lastHook = ''
let lastLabel = 0

function labelOf(state: Watching, route: ResolvedRoute, hook: string): number {
  if (route === lastRoute && hook === lastHook) return lastLabel
  lastRoute = route
  lastHook = hook
  return (lastLabel = findLabel(state, route, hook))
}

function findLabel(state: Watching, route: ResolvedRoute, hook: string): number {
  let hooks = state.labels.get(route)
  if (hooks === undefined) state.labels.set(route, (hooks = new Map()))
  const known = hooks.get(hook)
  if (known !== undefined) return known
  const id = state.nextId++
  hooks.set(hook, id)
  // A reloaded config brings new route objects, and new labels with their hookTimeoutMs.
  ;(state.post ??= startWatchdog(state.options))({ id, route: route.name, hook, timeoutMs: route.hookTimeoutMs })
  return id
}

function startWatchdog(options: WatchOptions): (label: RouteCodeLabel) => void {
  let worker: Worker
  try {
    // From the sources (bin/dev.js), the worker is TypeScript too.
    const source = import.meta.url.endsWith('.ts')
    worker = new Worker(new URL(source ? './watchdog-worker.ts' : './watchdog-worker.js', import.meta.url), {
      workerData: { memory, notifyFd: options.notifyFd, cwd: process.cwd() },
      // tsx as this process found it: the worker resolves `--import` from the working directory, the user's project.
      ...(source ? { execArgv: ['--import', import.meta.resolve('tsx')] } : {}),
    })
  } catch (error) {
    options.onError?.(error as Error)
    return () => {}
  }
  // The watchdog never keeps the process alive, nor does its heartbeat.
  worker.unref()
  worker.on('error', (error) => options.onError?.(error))
  setInterval(() => Atomics.add(cells, CELL.beat, 1), BEAT_MS).unref()
  ;(globalThis as Record<symbol, unknown>)[Symbol.for(CAPTURE_STACK)] = captureStack
  return (label) => worker.postMessage(label)
}

/**
 * Run by the watchdog on this thread, while route code holds it: V8 runs an inspector request
 * between two steps of the running JavaScript, so the stack written here is the stuck code's.
 */
function captureStack(): void {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 64
  // From the frame that called this one: the inspector's, then the stuck code's.
  const holder: { stack?: string } = {}
  Error.captureStackTrace(holder, captureStack)
  Error.stackTraceLimit = limit
  const { written } = new TextEncoder().encodeInto(holder.stack ?? '', new Uint8Array(memory, CELLS * 4, STACK_BYTES))
  Atomics.store(cells, CELL.stackLength, written)
  Atomics.store(cells, CELL.stackReady, 1)
  Atomics.notify(cells, CELL.stackReady)
}
