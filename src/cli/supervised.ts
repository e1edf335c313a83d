import { writeSync } from 'node:fs'
import { Socket } from 'node:net'
import { onChannelMessages } from './channel-messages.js'
import { parseSupervision, SUPERVISED_ENV, STOP_SIGNALS, type ProxyMessage, type StopSignal, type Supervision } from './supervisor-rules.js'

/**
 * The proxy's side of the supervisor's channel (supervise.ts): what `devproxy start` tells the
 * process that runs it, and the stop signals it passes on.
 */

/** The supervision this process runs under, if any. Read once: the variable is removed so that processes started from here do not inherit it. */
export function takeSupervision(env: NodeJS.ProcessEnv = process.env): Supervision | undefined {
  const supervision = parseSupervision(env[SUPERVISED_ENV])
  delete env[SUPERVISED_ENV]
  return supervision
}

/** Tells the supervisor something; a supervisor that is gone is not an error. */
export function tellSupervisor(supervision: Supervision | undefined, message: ProxyMessage): void {
  if (supervision === undefined) return
  try {
    writeSync(supervision.fd, `${JSON.stringify(message)}\n`)
  } catch {
    // The supervisor exited: the channel's 'end' below stops this process.
  }
}

/**
 * Calls `onSignal` for each stop signal the supervisor passes on, and once with SIGTERM when the
 * supervisor is gone (killed outright: nothing else would stop this process). Signals sent to
 * this process itself are ignored: a terminal's Ctrl-C reaches the supervisor too, which passes
 * it on, and acting on both would count one Ctrl-C as the second, which forces.
 */
export function listenToSupervisor(supervision: Supervision, onSignal: (signal: StopSignal) => void): void {
  for (const signal of STOP_SIGNALS) process.on(signal, () => {})
  const channel = new Socket({ fd: supervision.signalFd, readable: true, writable: false })
  onChannelMessages(channel, (message) => {
    if (message.type !== 'signal') return
    // Received: the supervisor need not say this process is stuck.
    tellSupervisor(supervision, { type: 'stopping' })
    onSignal(message.signal)
  })
  channel.once('end', () => onSignal('SIGTERM'))
  channel.on('error', () => {})
  // The channel never keeps the process alive by itself.
  channel.unref()
}
