/**
 * What `devproxy start`'s supervisor decides (supervise.ts runs it): whether a command line gets
 * one, what the proxy it runs and it tell each other, and what to do when the proxy's process
 * ends. Pure, and free of imports: bin/run.js loads it before anything else, to keep the
 * supervisor's start-up at a few milliseconds.
 *
 * Why a supervisor at all: route code that never returns (`for (;;) {}` in a hook) holds the
 * proxy's only JavaScript thread, and JavaScript cannot be stopped from outside without aborting
 * Node. The watchdog (src/hooks/route-code-watch.ts) ends such a process; something outside it
 * has to start the proxy again, on the same port, and keep the terminal's job alive meanwhile.
 */

/** Set in the proxy's environment by the supervisor: a JSON `Supervision`. */
export const SUPERVISED_ENV = 'DEVPROXY_SUPERVISED'

/**
 * The channel is two pipes: the proxy writes its messages to fd 3 (also from the watchdog
 * thread, so never through a Node stream, which would close the descriptor when done and let
 * another file take its number) and reads stop signals from fd 4, whose end tells it the
 * supervisor is gone.
 */
export const TELL_FD = 3
export const SIGNAL_FD = 4

/** What the proxy process is told through SUPERVISED_ENV. */
export interface Supervision {
  /** The supervisor's pid: what `devproxy status` shows (stable across restarts), and what a user stops. */
  readonly pid: number
  /** Where the proxy writes its messages (TELL_FD). */
  readonly fd: number
  /** Where it reads stop signals (SIGNAL_FD). */
  readonly signalFd: number
  /** After a restart: what the process before listened on and wrote. */
  readonly restart?: Restart | undefined
}

export interface Restart {
  /** How many times the proxy has been started again. */
  readonly count: number
  /** Listen there again (`--port 0` asked for any port once, not a new one each time). */
  readonly port?: number | undefined
  readonly httpsPort?: number | undefined
  /** `devproxy record`: the recording to go on with. */
  readonly har?: string | undefined
}

/** Proxy → supervisor, one JSON object a line. */
export type ProxyMessage =
  | { readonly type: 'listening'; readonly port: number; readonly httpsPort?: number | undefined }
  | { readonly type: 'state'; readonly file: string }
  | { readonly type: 'recording'; readonly file: string }
  /** A stop signal reached it: it is stopping (in-flight requests get a few seconds). */
  | { readonly type: 'stopping' }
  /** Written by the watchdog thread just before it ends the process. */
  | { readonly type: 'stuck' }

/** Supervisor → proxy: a signal the supervisor received, to act on as if the proxy had. */
export interface SignalMessage {
  readonly type: 'signal'
  readonly signal: StopSignal
}

export type StopSignal = 'SIGINT' | 'SIGTERM'
export const STOP_SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM']
const SIGNAL_NUMBERS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }

const COMMANDS = new Set(['start', 'record', 'replay'])

/**
 * Whether `devproxy ARGS` runs under a supervisor: start, record and replay, unless the command
 * line rules route code out — `--target` and `--demo` have no config file, so no function
 * (a config without functions today may get one with the next save, so a config file always
 * gets one) — or asks for help, or Node runs under a debugger (a paused hook is not a stuck one,
 * and two processes cannot share the inspector's port).
 */
export function shouldSupervise(args: readonly string[], execArgv: readonly string[], env: Readonly<Record<string, string | undefined>>): boolean {
  if (env[SUPERVISED_ENV] !== undefined || !COMMANDS.has(args[0] ?? '')) return false
  for (const arg of args.slice(1)) {
    if (arg === '--') break
    if (/^(--help|-h|--demo|--target(=.*)?|-t.*)$/.test(arg)) return false
  }
  const nodeOptions = (env.NODE_OPTIONS ?? '').split(/\s+/)
  return ![...execArgv, ...nodeOptions].some((option) => option.startsWith('--inspect'))
}

/** How the proxy's process ended, as the supervisor saw it. */
export interface ProxyEnd {
  readonly code: number | null
  readonly signal: string | null
  /** The watchdog ended it (it said so on the channel before the SIGKILL). */
  readonly stuck: boolean
  /** It had listened: a process that dies starting up is not started again. */
  readonly listened: boolean
  /** The first stop signal the supervisor got, if any. */
  readonly stopping: StopSignal | undefined
}

export type AfterEnd = { readonly kind: 'restart' } | { readonly kind: 'exit'; readonly code: number }

/**
 * Start it again only when the watchdog ended a proxy that was serving and nobody asked it to
 * stop; otherwise exit as it did — with its code, or 128 + the signal's number as a shell
 * reports a killed process. A stop that ended in a kill (the watchdog's, or the supervisor's
 * after a second Ctrl-C) exits as that stop signal would have, 130 or 143, as a forced stop does.
 */
export function afterEnd(end: ProxyEnd): AfterEnd {
  if (end.stuck && end.listened && end.stopping === undefined) return { kind: 'restart' }
  if (end.code !== null) return { kind: 'exit', code: end.code }
  return { kind: 'exit', code: 128 + (SIGNAL_NUMBERS[end.stopping ?? end.signal ?? ''] ?? 0) }
}

/** What the supervisor prints before starting the proxy again: what went with the process. */
export function restartNotice(count: number, har: string | undefined): string[] {
  return [
    `devproxy: restarting the proxy (restart ${count}). Lost with the ended process: the requests in flight (their clients saw the connection close), faults added with devproxy fault (the config's and --fault come back), and the inspector's history and login (devproxy status prints a new link).${har === undefined ? '' : ` The recording goes on in ${har}.`}`,
  ]
}

/** The watchdog ended a proxy that had not listened yet: starting it again would end the same way. */
export function stuckBeforeServingNotice(): string {
  return 'devproxy: the proxy got stuck before it could serve, so it is not started again; fix the code named above and run devproxy again'
}

/** What the supervisor says when the proxy has not acknowledged a stop signal within UNANSWERED_MS: its JavaScript thread is held. */
export const UNANSWERED_MS = 1_000
export function unansweredNotice(): string {
  return 'devproxy: the proxy does not answer (route code may be holding it); it stops when the watchdog ends that code, or press Ctrl-C again to end it now'
}

/** One line of the channel, or undefined when it is not a message this version knows. */
export function parseMessage(line: string): ProxyMessage | SignalMessage | undefined {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const message = value as Record<string, unknown>
  switch (message.type) {
    case 'listening':
      return Number.isInteger(message.port) ? { type: 'listening', port: message.port as number, httpsPort: Number.isInteger(message.httpsPort) ? (message.httpsPort as number) : undefined } : undefined
    case 'state':
    case 'recording':
      return typeof message.file === 'string' ? { type: message.type, file: message.file } : undefined
    case 'stuck':
    case 'stopping':
      return { type: message.type }
    case 'signal':
      return STOP_SIGNALS.includes(message.signal as StopSignal) ? { type: 'signal', signal: message.signal as StopSignal } : undefined
    default:
      return undefined
  }
}

/** SUPERVISED_ENV's value, checked; undefined when absent or not this version's. */
export function parseSupervision(text: string | undefined): Supervision | undefined {
  if (text === undefined) return undefined
  try {
    const value = JSON.parse(text) as Partial<Supervision>
    if (!Number.isInteger(value.pid) || !Number.isInteger(value.fd) || !Number.isInteger(value.signalFd)) return undefined
    return value as Supervision
  } catch {
    return undefined
  }
}
