import type { Socket } from 'node:net'
import { parseMessage, type ProxyMessage, type SignalMessage } from './supervisor-rules.js'

/** Calls `onMessage` for each message line the supervisor channel carries (unknown lines are passed over). */
export function onChannelMessages(channel: Socket, onMessage: (message: ProxyMessage | SignalMessage) => void): void {
  let pending = ''
  channel.setEncoding('utf8').on('data', (text: string) => {
    const lines = (pending + text).split('\n')
    pending = lines.pop()!
    for (const line of lines) {
      const message = parseMessage(line)
      if (message !== undefined) onMessage(message)
    }
  })
}
