/**
 * Event-stream text as it arrives in chunks, cut into whole events: what EventSource does
 * inside, for a stream read with fetch (which, unlike EventSource, can send the session header).
 */
import { parseEventStream, type StreamEvent } from './event-stream.js'

/** The end of the last blank line in `text` (an event's end), or -1; lastIndexOf, so a large snapshot arriving in many chunks is not scanned again and again. */
function lastEventEnd(text: string): number {
  const ends = [['\n\n', 2], ['\r\n\r\n', 4], ['\r\r', 2]] as const
  let end = -1
  for (const [separator, length] of ends) {
    const at = text.lastIndexOf(separator)
    if (at !== -1) end = Math.max(end, at + length)
  }
  return end
}

export interface EventStreamReader {
  /** The events that `chunk` completed, in order; an event cut between chunks waits for the rest. */
  push(chunk: string): StreamEvent[]
}

export function createEventStreamReader(): EventStreamReader {
  let pending = ''
  return {
    push(chunk) {
      pending += chunk
      const end = lastEventEnd(pending)
      if (end === -1) return []
      const complete = pending.slice(0, end)
      pending = pending.slice(end)
      return parseEventStream(complete)
    },
  }
}
