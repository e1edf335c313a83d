import { Transform, type TransformCallback } from 'node:stream'
import { inspect } from 'node:util'
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import type { HookBody, SseEvent, StreamContext, UserStreamTransform } from '../config/route-code.js'
import { DevproxyError } from '../errors.js'

/** Runs one call of user code with the route's time limit; rejects with the hook's error or a timeout. Provided by the caller. */
export type HookCall = <T>(hook: string, call: () => T | Promise<T>) => Promise<T>

export type TransformHook = 'transform.event' | 'transform.chunk' | 'transform.end'

/** A transform function returned something that cannot be sent; `hook` names which function. */
export class HookReturnError extends DevproxyError {
  readonly hook: TransformHook

  constructor(hook: TransformHook, expected: string, got: unknown, detail?: string) {
    const why = detail === undefined ? '' : ` (${detail})`
    super('hook_invalid_return', `${hook} must return ${expected}; got ${inspectValue(got)}${why}`)
    this.hook = hook
  }
}

const EVENT_FIELDS = '{ data: string, event?, id?, retry? }'

/**
 * Which transform applies to a response: 'sse' when content-type is text/event-stream and
 * transform.event or transform.end is set; 'chunk' when not SSE and transform.chunk is set (its
 * `end` then finishes the chunks); undefined otherwise. An `end` written for events never runs
 * on the route's other responses (a JSON error from the same endpoint keeps its body and length).
 */
export function transformKind(transform: UserStreamTransform, contentType: string | undefined): 'sse' | 'chunk' | undefined {
  // Media types compare case-insensitively and may carry parameters (RFC 9110 §8.3.1).
  const isSse = contentType?.split(';', 1)[0]?.trim().toLowerCase() === 'text/event-stream'
  if (isSse) return transform.event !== undefined || transform.end !== undefined ? 'sse' : undefined
  return transform.chunk !== undefined ? 'chunk' : undefined
}

/**
 * A node:stream Transform that changes a text/event-stream body event by event (transform.event)
 * and appends transform.end()'s events at the end. The stream is read and written back as WHATWG
 * HTML §9.2 "Server-sent events" says, so a reader sees the same events, comments and `retry`;
 * what it may not see is a block that holds no `data:` (say `id: 7` alone), which the parser does
 * not report and so is not passed on.
 *
 * Each event is sent as soon as its blank line arrives and its hook has answered; events and
 * comments leave in the order they came, one hook call at a time, so a slow async hook holds the
 * stream back (through the Transform's backpressure) instead of reordering it.
 */
export function createSseTransform(transform: UserStreamTransform, ctx: StreamContext, call: HookCall): Transform {
  // The stream is UTF-8 whatever its content-type says (WHATWG HTML §9.2.5 "Parsing an event
  // stream"); a character may straddle two chunks, hence one streaming decoder.
  const decoder = new TextDecoder()
  /** What the last feed found, in order: events, and comments already written out. */
  let found: Array<SseEvent | string> = []
  /**
   * The parser reports `retry:` as it reads the line, not with an event; it goes out with the
   * next event, or on its own at the end if no event follows.
   */
  let retry: number | undefined
  let lastText = ''
  const parser = createParser({
    onEvent: (message) => {
      found.push(toSseEvent(message, retry))
      retry = undefined
    },
    onRetry: (ms) => (retry = ms),
    // Comments are how servers keep idle connections open (§9.2.7): pass them on at once. The
    // parser drops the one space after the colon, so `:ping` goes out as `: ping`.
    onComment: (comment) => found.push(comment === '' ? ':\n\n' : `: ${comment}\n\n`),
  })

  function parse(text: string): Array<SseEvent | string> {
    parser.feed(text)
    if (text !== '') lastText = text
    const items = found
    found = []
    return items
  }

  async function send(stream: Transform, items: Array<SseEvent | string>): Promise<void> {
    for (const item of items) {
      if (stream.destroyed) return
      if (typeof item === 'string') {
        stream.push(item)
        continue
      }
      const events =
        transform.event === undefined
          ? [item]
          : eventsFrom(await call('transform.event', () => transform.event?.(item, ctx)), item)
      for (const event of events) stream.push(serializeEvent(event))
    }
  }

  async function finish(stream: Transform): Promise<void> {
    const items = parse(decoder.decode())
    // CR, LF and CRLF all end a line (§9.2.5); the parser holds a final CR back in case an LF
    // follows, and at the end of the stream none will. An event whose blank line never came is
    // discarded, as a reader must (§9.2.6).
    if (lastText.endsWith('\r')) items.push(...parse('\n'))
    await send(stream, items)
    if (retry !== undefined) stream.push(`retry: ${retry}\n\n`)
    if (transform.end === undefined || stream.destroyed) return
    const result = await call('transform.end', () => transform.end?.(ctx))
    for (const event of endEventsFrom(result)) stream.push(serializeEvent(event))
  }

  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      settle(send(this, parse(decoder.decode(chunk, { stream: true }))), done)
    },
    flush(done) {
      settle(finish(this), done)
    },
  })
}

/** A Transform that passes every chunk through transform.chunk, and appends transform.end()'s bytes at the end. */
export function createChunkTransform(transform: UserStreamTransform, ctx: StreamContext, call: HookCall): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (transform.chunk === undefined) return done(null, chunk)
      settle(
        call('transform.chunk', () => transform.chunk?.(chunk, ctx)).then((result) => {
          if (result === undefined) return chunk
          if (result === null) return undefined
          return bytesFrom('transform.chunk', result, 'a string, a Uint8Array, null or nothing')
        }),
        done,
      )
    },
    flush(done) {
      if (transform.end === undefined) return done()
      settle(
        call('transform.end', () => transform.end?.(ctx)).then((result) =>
          result === undefined ? undefined : bytesFrom('transform.end', result, 'a string, a Uint8Array or nothing'),
        ),
        done,
      )
    },
  })
}

/** Ends a Transform step with what `work` gave (nothing when undefined) or the error it failed with. */
function settle(work: Promise<unknown>, done: TransformCallback): void {
  work.then((output) => done(null, output), done)
}

function toSseEvent(message: EventSourceMessage, retry: number | undefined): SseEvent {
  const event: SseEvent = { data: message.data }
  if (message.event !== undefined) event.event = message.event
  if (message.id !== undefined) event.id = message.id
  if (retry !== undefined) event.retry = retry
  return event
}

/**
 * One event in the syntax of WHATWG HTML §9.2.5 "Parsing an event stream": a line per field,
 * one `data:` line per line of the data (a reader joins them with LF, §9.2.6), and the blank
 * line that dispatches it.
 */
function serializeEvent(event: SseEvent): Buffer {
  let text = event.event === undefined ? '' : `event: ${event.event}\n`
  for (const line of event.data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`
  if (event.id !== undefined) text += `id: ${event.id}\n`
  if (event.retry !== undefined) text += `retry: ${event.retry}\n`
  return Buffer.from(`${text}\n`)
}

function eventsFrom(result: unknown, original: SseEvent): SseEvent[] {
  if (result === undefined) return [original]
  if (result === null) return []
  const events: unknown[] = Array.isArray(result) ? result : [result]
  return checkEvents('transform.event', `an event (${EVENT_FIELDS}), an array of them, null or nothing`, result, events)
}

function endEventsFrom(result: unknown): SseEvent[] {
  if (result === undefined) return []
  const expected = `an array of events (${EVENT_FIELDS}) or nothing`
  if (!Array.isArray(result)) throw new HookReturnError('transform.end', expected, result)
  return checkEvents('transform.end', expected, result, result)
}

function checkEvents(hook: TransformHook, expected: string, result: unknown, events: unknown[]): SseEvent[] {
  for (const event of events) {
    if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new HookReturnError(hook, expected, result)
    const problem = fieldProblem(event as Record<string, unknown>)
    if (problem !== undefined) throw new HookReturnError(hook, expected, result, problem)
  }
  return events as SseEvent[]
}

function bytesFrom(hook: TransformHook, result: unknown, expected: string): HookBody {
  if (typeof result === 'string') return Buffer.from(result)
  if (result instanceof Uint8Array) return result
  throw new HookReturnError(hook, expected, result)
}

/**
 * Why an object is not an event that can be written without changing the stream's framing
 * (undefined when it is one): a line break in `event` or `id` would start a new field (§9.2.6),
 * and a reader ignores an `id` holding NUL.
 */
function fieldProblem({ data, event, id, retry }: Record<string, unknown>): string | undefined {
  if (typeof data !== 'string') return '`data` must be a string'
  if (event !== undefined && (typeof event !== 'string' || /[\r\n]/.test(event))) {
    return '`event` must be a string without line breaks'
  }
  if (id !== undefined && (typeof id !== 'string' || /[\r\n\0]/.test(id))) {
    return '`id` must be a string without line breaks or NUL'
  }
  if (retry !== undefined && !(typeof retry === 'number' && Number.isSafeInteger(retry) && retry >= 0)) {
    return '`retry` must be a whole number of ms, 0 or more'
  }
  return undefined
}

function inspectValue(value: unknown): string {
  return inspect(value, { depth: 2, breakLength: Infinity, maxArrayLength: 5, maxStringLength: 200 })
}
