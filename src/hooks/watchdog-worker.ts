import { writeSync } from 'node:fs'
import { Session } from 'node:inspector'
import { join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parentPort, workerData } from 'node:worker_threads'
import { isUserFile } from '../config/import-module.js'
import { CAPTURE_STACK, CELL, CELLS, STACK_BYTES } from './watch-cells.js'
import { frameLocation, userFrame } from './stack-frame.js'
import { initialState, POLL_MS, stuckReport, watch, type RouteCodeLabel, type StuckAt, type Verdict } from './watchdog-rules.js'

/**
 * The watchdog thread (started by route-code-watch.ts): every POLL_MS it reads what the proxy's
 * thread marked and asks watchdog-rules.ts what to do. For route code that never returns it
 * looks at the stuck thread's stack (to name the config line), writes the report to fd 2
 * itself — the proxy's thread, which owns process.stderr, is the one that is stuck — tells the
 * supervisor, and ends the process with SIGKILL: the proxy's own signal handlers could not run,
 * and stopping the stuck JavaScript from outside (Runtime.terminateExecution) aborts Node.
 */

const { memory, notifyFd, cwd } = workerData as { memory: SharedArrayBuffer; notifyFd: number | undefined; cwd: string }
const cells = new Int32Array(memory, 0, CELLS)
const labels = new Map<number, RouteCodeLabel>()
parentPort?.on('message', (label: RouteCodeLabel) => labels.set(label.id, label))

/**
 * devproxy's own files, built or not: a loader that maps stack traces through source maps
 * (jiti, which loads the config, installs one) names src/*.ts where dist/*.js runs.
 */
const PACKAGE = fileURLToPath(new URL('../../', import.meta.url))
const isRouteCodeFile = (file: string) => isUserFile(file) && !file.startsWith(join(PACKAGE, 'src', sep)) && !file.startsWith(join(PACKAGE, 'dist', sep))

/** How long the stuck thread gets to write its stack before the report goes without it. */
const STACK_WAIT_MS = 1_000

let state = initialState(performance.now(), Atomics.load(cells, CELL.beat))
setInterval(() => {
  const sample = { nowMs: performance.now(), call: Atomics.load(cells, CELL.call), label: Atomics.load(cells, CELL.label), beat: Atomics.load(cells, CELL.beat) }
  const looked = watch(state, sample, labels)
  state = looked.state
  if (looked.verdict.kind === 'fine') return
  const at = stuckAt()
  // A stall with no route code on the stack is devproxy's own work, or a system call: not ours to end.
  if (looked.verdict.kind === 'stalled' && at === undefined) return
  end(looked.verdict, at)
}, POLL_MS)

/** The first frame of the user's code on the proxy thread's stack, if it can be had. */
function stuckAt(): StuckAt | undefined {
  const stack = stackOfProxyThread()
  const frame = stack === undefined ? undefined : userFrame(stack, isRouteCodeFile)
  return frame === undefined ? undefined : { location: frameLocation(frame, cwd), functionName: frame.functionName }
}

function stackOfProxyThread(): string | undefined {
  Atomics.store(cells, CELL.stackReady, 0)
  let session: Session | undefined
  try {
    session = new Session()
    session.connectToMainThread()
    session.post('Runtime.evaluate', { expression: `globalThis[Symbol.for(${JSON.stringify(CAPTURE_STACK)})]?.()` })
    if (Atomics.wait(cells, CELL.stackReady, 0, STACK_WAIT_MS) === 'timed-out') return undefined
    const length = Math.min(Atomics.load(cells, CELL.stackLength), STACK_BYTES)
    // TextDecoder cannot read shared memory: copy the bytes out first.
    return new TextDecoder().decode(new Uint8Array(memory, CELLS * 4, length).slice())
  } catch {
    // No inspector in this Node build, or it refused: the report goes without the line.
    return undefined
  } finally {
    session?.disconnect()
  }
}

function end(verdict: Exclude<Verdict, { kind: 'fine' }>, at: StuckAt | undefined): never {
  // Whatever becomes of the report — stderr's reader gone (EPIPE), its pipe full (EAGAIN) — the
  // process ends: a report that failed must not leave it frozen.
  tryWrite(2, `${stuckReport(verdict, at).join('\n')}\n`)
  if (notifyFd !== undefined) tryWrite(notifyFd, `${JSON.stringify({ type: 'stuck' })}\n`)
  process.kill(process.pid, 'SIGKILL')
  // SIGKILL is not caught; this thread goes with the process.
  for (;;) Atomics.wait(cells, CELL.call, Atomics.load(cells, CELL.call), 1_000)
}

function tryWrite(fd: number, text: string): void {
  try {
    writeSync(fd, text)
  } catch {
    // Nobody to read it.
  }
}
