import { describe, expect, it } from 'vitest'
import { parseEventStream, type StreamEvent } from '../../inspector/src/lib/event-stream.js'

const event = (fields: Partial<StreamEvent>): StreamEvent => ({ type: 'message', data: '', id: null, retryMs: null, comments: [], complete: true, ...fields })

describe('parseEventStream: a captured text/event-stream body, as a client read it', () => {
  it.each<{ case: string; text: string; events: StreamEvent[] }>([
    { case: 'one event', text: 'data: hello\n\n', events: [event({ data: 'hello' })] },
    { case: 'data lines join with newlines', text: 'data: a\ndata: b\n\n', events: [event({ data: 'a\nb' })] },
    { case: 'event type and id', text: 'event: update\nid: 7\ndata: {}\n\n', events: [event({ type: 'update', id: '7', data: '{}' })] },
    { case: 'only one space after the colon is dropped', text: 'data:  two\n\n', events: [event({ data: ' two' })] },
    { case: 'no space is fine', text: 'data:x\n\n', events: [event({ data: 'x' })] },
    { case: 'a field with no colon has an empty value', text: 'data\n\n', events: [event({ data: '' })] },
    { case: 'CRLF and CR line endings', text: 'data: a\r\n\r\ndata: b\r\r', events: [event({ data: 'a' }), event({ data: 'b' })] },
    { case: 'a comment (heartbeat) is kept', text: ': ping\n\n', events: [event({ comments: ['ping'] })] },
    { case: 'retry: a valid integer', text: 'retry: 3000\n\n', events: [event({ retryMs: 3000 })] },
    { case: 'retry: not an integer, ignored', text: 'retry: soon\ndata: x\n\n', events: [event({ data: 'x' })] },
    { case: 'unknown fields are ignored', text: 'foo: bar\ndata: x\n\n', events: [event({ data: 'x' })] },
    { case: 'blank lines between events make nothing', text: '\n\ndata: a\n\n\n\ndata: b\n\n', events: [event({ data: 'a' }), event({ data: 'b' })] },
    { case: 'a leading BOM is skipped', text: '\uFEFFdata: a\n\n', events: [event({ data: 'a' })] },
    { case: 'an event cut short is kept, marked incomplete', text: 'data: a\n\ndata: b', events: [event({ data: 'a' }), event({ data: 'b', complete: false })] },
    { case: 'a last event without its blank line is incomplete', text: 'data: a\n', events: [event({ data: 'a', complete: false })] },
    { case: 'empty body', text: '', events: [] },
  ])('$case', ({ text, events }) => {
    expect(parseEventStream(text)).toEqual(events)
  })
})
