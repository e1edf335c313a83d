/**
 * A captured `text/event-stream` body read back into its events, by the rules browsers follow
 * (WHATWG HTML, "Interpreting an event stream"), keeping what an inspector wants and a browser
 * drops: comments, blocks without data, and a last event the capture cut short.
 */

export interface StreamEvent {
  /** The `event:` field; `message` when there was none, as EventSource reports it. */
  readonly type: string
  /** The `data:` lines, joined with newlines. */
  readonly data: string
  /** This block's `id:` field; null when it had none. */
  readonly id: string | null
  /** This block's `retry:` field, when it was a valid integer. */
  readonly retryMs: number | null
  /** `:` lines (heartbeats, mostly), without the colon. */
  readonly comments: readonly string[]
  /** False for the last block when the body ended before its blank line (still streaming, or truncated). */
  readonly complete: boolean
}

interface Block {
  type: string | null
  data: string[]
  id: string | null
  retryMs: number | null
  comments: string[]
}

const emptyBlock = (): Block => ({ type: null, data: [], id: null, retryMs: null, comments: [] })

function isEmpty(block: Block): boolean {
  return block.type === null && block.data.length === 0 && block.id === null && block.retryMs === null && block.comments.length === 0
}

function toEvent(block: Block, complete: boolean): StreamEvent {
  const { type, data, id, retryMs, comments } = block
  return { type: type ?? 'message', data: data.join('\n'), id, retryMs, comments, complete }
}

export function parseEventStream(text: string): StreamEvent[] {
  const events: StreamEvent[] = []
  let block = emptyBlock()
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text
  const lines = body.split(/\r\n|\r|\n/)
  // A body ending in a newline splits into a last '' that is no line at all.
  const endsWithNewline = lines[lines.length - 1] === ''
  if (endsWithNewline) lines.pop()
  for (const line of lines) {
    if (line === '') {
      if (!isEmpty(block)) events.push(toEvent(block, true))
      block = emptyBlock()
      continue
    }
    const colon = line.indexOf(':')
    if (colon === 0) {
      block.comments.push(line.slice(1).replace(/^ /, ''))
      continue
    }
    const field = colon === -1 ? line : line.slice(0, colon)
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'data') block.data.push(value)
    else if (field === 'event') block.type = value
    else if (field === 'id' && !value.includes('\u0000')) block.id = value
    else if (field === 'retry' && /^\d+$/.test(value)) block.retryMs = Number(value)
  }
  if (!isEmpty(block)) events.push(toEvent(block, false))
  return events
}
