import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { Socket } from 'node:net'
import { onChannelMessages } from './channel-messages.js'
import { relative } from 'node:path'
import {
  afterEnd,
  restartNotice,
  stuckBeforeServingNotice,
  unansweredNotice,
  UNANSWERED_MS,
  SIGNAL_FD,
  STOP_SIGNALS,
  SUPERVISED_ENV,
  TELL_FD,
  type Restart,
  type StopSignal,
  type Supervision,
} from './supervisor-rules.js'

/**
 * `devproxy start` (record, replay) as two processes: this small one, which the terminal and
 * `devproxy status` know, runs the proxy as a child with the same stdio and arguments. It
 * passes stop signals on, exits as the proxy exits, and starts the proxy again — same port, the
 * same recording — when the route-code watchdog ended it (supervisor-rules.ts says why). It
 * loads neither oclif nor the proxy: its start-up is Node's own.
 */

/** After a second stop signal, the proxy gets this long to exit before it is killed. */
const FORCE_MS = 2_000

interface Run {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stuck: boolean
  readonly listening: { port: number; httpsPort?: number | undefined } | undefined
  readonly stateFile: string | undefined
  readonly har: string | undefined
}

/** Runs `node [execArgv] script args` until it is done; resolves with the exit code to use. */
export async function supervise(script: string, args: readonly string[], execArgv: readonly string[]): Promise<number> {
  const stops: StopSignal[] = []
  let child: ChildProcess | undefined
  let forceTimer: NodeJS.Timeout | undefined
  let answerTimer: NodeJS.Timeout | undefined
  const onSignal = (signal: StopSignal) => {
    stops.push(signal)
    // The proxy ignores stop signals sent to it directly (a terminal's Ctrl-C reaches both
    // processes): each one reaches it once, from here, as the second Ctrl-C that forces.
    tell(child, { type: 'signal', signal })
    if (stops.length === 1) {
      const asked = child
      answerTimer = setTimeout(() => {
        // Before it listens, a proxy may just be slow to start (it reads the channel once it runs).
        if (asked !== undefined && asked === child && serving.has(asked) && !answered.has(asked)) process.stderr.write(`${unansweredNotice()}\n`)
      }, UNANSWERED_MS)
    }
    if (stops.length >= 2) forceTimer ??= setTimeout(() => child?.kill('SIGKILL'), FORCE_MS)
  }
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal)
  // What it says is a courtesy: a stderr whose reader is gone (EPIPE) must not end the supervision.
  process.stderr.on('error', () => {})

  let restart: Restart | undefined
  try {
    for (;;) {
      child = spawnProxy(script, args, execArgv, { pid: process.pid, fd: TELL_FD, signalFd: SIGNAL_FD, restart })
      const run = await watchRun(child)
      child = undefined
      if (run.stateFile !== undefined) await removeLeftEntry(run.stateFile)
      const next = afterEnd({ code: run.code, signal: run.signal, stuck: run.stuck, listened: run.listening !== undefined, stopping: stops[0] })
      if (next.kind === 'exit') {
        if (run.stuck && run.listening === undefined) process.stderr.write(`${stuckBeforeServingNotice()}\n`)
        return next.code
      }
      const count = (restart?.count ?? 0) + 1
      const har = run.har === undefined ? undefined : relative(process.cwd(), run.har).startsWith('..') ? run.har : relative(process.cwd(), run.har)
      process.stderr.write(`${restartNotice(count, har).join('\n')}\n`)
      restart = { count, port: run.listening?.port, httpsPort: run.listening?.httpsPort, har: run.har }
    }
  } finally {
    clearTimeout(forceTimer)
    clearTimeout(answerTimer)
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal)
  }
}

function spawnProxy(script: string, args: readonly string[], execArgv: readonly string[], supervision: Supervision): ChildProcess {
  return spawn(process.execPath, [...execArgv, script, ...args], {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe', 'pipe'],
    env: { ...process.env, [SUPERVISED_ENV]: JSON.stringify(supervision) },
  })
}

/** The proxies that listened, and those that acknowledged a stop signal. */
const serving = new WeakSet<ChildProcess>()
const answered = new WeakSet<ChildProcess>()

/** Reads the proxy's messages until its process has ended and the channel is drained. */
function watchRun(child: ChildProcess): Promise<Run> {
  let stuck = false
  let listening: Run['listening']
  let stateFile: string | undefined
  let har: string | undefined
  const channel = child.stdio[TELL_FD] as Socket
  onChannelMessages(channel, (message) => {
    if (message.type === 'stuck') stuck = true
    else if (message.type === 'listening') {
      listening = { port: message.port, httpsPort: message.httpsPort }
      serving.add(child)
    } else if (message.type === 'state') stateFile = message.file
    else if (message.type === 'recording') har = message.file
    else if (message.type === 'stopping') answered.add(child)
  })
  // A proxy that is killed closes its end: not an error.
  channel.on('error', () => {})
  ;(child.stdio[SIGNAL_FD] as Socket).on('error', () => {})
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    // 'close' comes after the channel's last data: the watchdog's word is read before deciding.
    child.once('close', (code, signal) => resolve({ code, signal, stuck, listening, stateFile, har }))
  })
}

function tell(child: ChildProcess | undefined, message: { type: 'signal'; signal: StopSignal }): void {
  const channel = child?.stdio[SIGNAL_FD] as Socket | undefined
  if (channel !== undefined && !channel.destroyed) channel.write(`${JSON.stringify(message)}\n`)
}

/**
 * The entry a killed proxy could not remove (`.devproxy/proxies/<pid>-<port>.json`), so that
 * `devproxy status` does not show a proxy that is gone; a proxy that stopped cleanly removed
 * its own. Loaded only then: the state-file module is small, but none of it is needed before.
 */
async function removeLeftEntry(file: string): Promise<void> {
  if (!existsSync(file)) return
  const { readState, removeStaleEntry } = await import('../control/state-file.js')
  try {
    await removeStaleEntry({ file, state: await readState(file), alive: false })
  } catch {
    // Unreadable or already gone: devproxy status reports and removes what is left.
  }
}
