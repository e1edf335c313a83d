import { once } from 'node:events'
import type { Transform } from 'node:stream'
import { finished } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import type { SseEvent, StreamContext, UserStreamTransform } from '../../src/config/route-code.js'
import { createChunkTransform, createSseTransform, type HookCall, transformKind } from '../../src/hooks/stream-transform.js'

const ctx: StreamContext = {
  request: {
    route: 'api',
    method: 'GET',
    url: '/events',
    path: '/events',
    headers: {},
    client: { address: '127.0.0.1', protocol: 'HTTP/1.1', tls: false },
  },
  status: 200,
  headers: { 'content-type': 'text/event-stream' },
  state: {},
}

/** Like the proxy's runner without the time limit: runs the hook, names it on what it throws, and notes each call. */
function hookCall(calls: string[] = []): HookCall {
  return async (hook, run) => {
    calls.push(hook)
    try {
      return await run()
    } catch (error) {
      throw Object.assign(error as Error, { hook })
    }
  }
}

/** Writes `chunks` (each a separate write) and resolves with everything the transform sent, or rejects with its error. */
async function pipeThrough(stream: Transform, chunks: Array<string | Buffer>): Promise<string> {
  const output: Buffer[] = []
  stream.on('data', (chunk: Buffer) => output.push(chunk))
  for (const chunk of chunks) stream.write(chunk)
  stream.end()
  await finished(stream)
  return Buffer.concat(output).toString()
}

function sse(transform: UserStreamTransform, chunks: Array<string | Buffer>, call = hookCall()): Promise<string> {
  return pipeThrough(createSseTransform(transform, ctx, call), chunks)
}

/** The events a `transform.event` hook was given. */
async function eventsSeen(chunks: Array<string | Buffer>): Promise<SseEvent[]> {
  const seen: SseEvent[] = []
  await sse({ event: (event) => void seen.push(event) }, chunks)
  return seen
}

describe('transformKind: which transform a response gets', () => {
  const hook = () => undefined
  it.each<[string | undefined, UserStreamTransform, 'sse' | 'chunk' | undefined]>([
    ['text/event-stream', { event: hook }, 'sse'],
    ['Text/Event-Stream; charset=utf-8', { end: hook }, 'sse'],
    ['text/event-stream', { chunk: hook }, undefined],
    ['text/event-stream', {}, undefined],
    ['application/json', { chunk: hook }, 'chunk'],
    // An end() written for events leaves the route's JSON answers (its errors) alone.
    ['application/json', { end: hook }, undefined],
    ['application/json', { chunk: hook, end: hook }, 'chunk'],
    [undefined, { chunk: hook }, 'chunk'],
    ['application/json', { event: hook }, undefined],
  ])('%s with %o → %s', (contentType, transform, kind) => {
    expect(transformKind(transform, contentType)).toBe(kind)
  })
})

describe('createSseTransform: reading the stream (WHATWG HTML §9.2.5–9.2.6)', () => {
  it.each<[string, Array<string | Buffer>, string]>([
    ['LF line ends', ['event: add\ndata: 1\n\n'], 'event: add\ndata: 1\n\n'],
    ['CRLF line ends', ['event: add\r\ndata: 1\r\n\r\n'], 'event: add\ndata: 1\n\n'],
    ['CR line ends, the last CR ending the stream', ['data: a\rdata: b\r\r'], 'data: a\ndata: b\n\n'],
    ['an event split mid-field', ['da', 'ta: hel', 'lo\n', '\n'], 'data: hello\n\n'],
    ['a CRLF split between CR and LF (one line end, not two)', ['data: a\r', '\ndata: b\r', '\n\r', '\n'], 'data: a\ndata: b\n\n'],
    ['a UTF-8 character split across chunks', [Buffer.from('data: é\n\n').subarray(0, 7), Buffer.from('data: é\n\n').subarray(7)], 'data: é\n\n'],
    ['multi-line data', ['data: a\ndata:\ndata: b\n\n'], 'data: a\ndata: \ndata: b\n\n'],
    ['no space after the colon', ['data:x\n\n'], 'data: x\n\n'],
    ['id, retry and event, written in a fixed order', ['retry: 3000\nid: 7\ndata: x\nevent: tick\n\n'], 'event: tick\ndata: x\nid: 7\nretry: 3000\n\n'],
    ['a retry block goes out with the next event', ['retry: 5000\n\n', 'data: x\n\n'], 'data: x\nretry: 5000\n\n'],
    ['a retry no event follows goes out at the end', ['data: x\n\nretry: 5000\n\n'], 'data: x\n\nretry: 5000\n\n'],
    ['comments pass through, in order', [': keepalive\n\ndata: a\n\n: ping\n\n'], ': keepalive\n\ndata: a\n\n: ping\n\n'],
    ['a comment without its space gets one', [':ping\n:\n\n'], ': ping\n\n:\n\n'],
    ['a comment inside an event goes out before it', ['data: a\n: ping\ndata: b\n\n'], ': ping\n\ndata: a\ndata: b\n\n'],
    ['an event whose blank line never came is discarded', ['data: a\n\ndata: b\n'], 'data: a\n\n'],
    ['the byte order mark is dropped', ['\uFEFFdata: a\n\n'], 'data: a\n\n'],
  ])('%s', async (_name, chunks, output) => {
    expect(await sse({ event: () => undefined }, chunks)).toBe(output)
  })

  it('gives the hook each event with its data lines joined by LF, and only the fields it had', async () => {
    expect(await eventsSeen(['event: tick\r\nid: 1\r\ndata: a\r', '\ndata: b\r\n\r\n', 'data: c\n\n'])).toEqual([
      { event: 'tick', id: '1', data: 'a\nb' },
      { data: 'c' },
    ])
    expect(Object.keys((await eventsSeen(['data: c\n\n']))[0] ?? {})).toEqual(['data'])
  })

  it('passes events through unchanged when only `end` is set', async () => {
    expect(await sse({ end: () => undefined }, ['event: a\ndata: 1\n\n'])).toBe('event: a\ndata: 1\n\n')
  })
})

describe('createSseTransform: what transform.event returns', () => {
  const input = ['data: 1\n\n', ': ping\n\n', 'data: 2\n\n']
  it.each<[string, UserStreamTransform['event'], string]>([
    ['nothing: the event unchanged', () => undefined, 'data: 1\n\n: ping\n\ndata: 2\n\n'],
    ['null: dropped', (event) => (event.data === '1' ? null : undefined), ': ping\n\ndata: 2\n\n'],
    ['an empty array: dropped', (event) => (event.data === '1' ? [] : undefined), ': ping\n\ndata: 2\n\n'],
    [
      'an event: it',
      (event) => ({ event: 'n', data: `#${event.data}`, id: event.data, retry: 10 }),
      'event: n\ndata: #1\nid: 1\nretry: 10\n\n: ping\n\nevent: n\ndata: #2\nid: 2\nretry: 10\n\n',
    ],
    ['an array: each', (event) => [event, { data: 'x' }], 'data: 1\n\ndata: x\n\n: ping\n\ndata: 2\n\ndata: x\n\n'],
    [
      'data with line breaks: a data line for each',
      () => ({ data: 'a\r\nb\rc\n' }),
      'data: a\ndata: b\ndata: c\ndata: \n\n: ping\n\ndata: a\ndata: b\ndata: c\ndata: \n\n',
    ],
    ['an empty id: written, so the reader resets its last event ID', () => ({ data: 'x', id: '' }), 'data: x\nid: \n\n: ping\n\ndata: x\nid: \n\n'],
    // The first call answers last; the output keeps the input's order all the same.
    ['async, slowest first: in input order', async (event) => {
      await sleep(event.data === '1' ? 30 : 0)
      return { data: `async ${event.data}` }
    }, 'data: async 1\n\n: ping\n\ndata: async 2\n\n'],
  ])('%s', async (_name, event, output) => {
    expect(await sse({ event }, input)).toBe(output)
  })

  it('calls each hook through `call` with its name, and `end` once, with the context', async () => {
    const calls: string[] = []
    const ends: StreamContext[] = []
    await sse({ event: () => undefined, end: (given) => void ends.push(given) }, input, hookCall(calls))
    expect(calls).toEqual(['transform.event', 'transform.event', 'transform.end'])
    expect(ends).toEqual([ctx])
  })

  it('appends the events transform.end returns, after everything else', async () => {
    const end = async () => [{ event: 'done', data: '[DONE]' }, { data: 'bye' }]
    expect(await sse({ end }, ['data: 1\n\n', ': ping\n\n'])).toBe('data: 1\n\n: ping\n\nevent: done\ndata: [DONE]\n\ndata: bye\n\n')
  })

  it('sends the first event before the input ends (nothing is held back)', async () => {
    const stream = createSseTransform({ event: async (event) => ({ data: event.data.toUpperCase() }) }, ctx, hookCall())
    stream.write('data: one\n\n')
    const [first] = (await once(stream, 'data')) as [Buffer]
    expect(first.toString()).toBe('data: ONE\n\n')
    stream.write(': ping\n')
    const [comment] = (await once(stream, 'data')) as [Buffer]
    expect(comment.toString()).toBe(': ping\n\n')
    const rest = pipeThrough(stream, ['data: two\n\n'])
    expect(await rest).toBe('data: TWO\n\n')
  })
})

describe('createSseTransform / createChunkTransform: a hook that fails destroys the stream', () => {
  const fields = '{ data: string, event?, id?, retry? }'
  const eventMust = `transform.event must return an event (${fields}), an array of them, null or nothing; got`
  it.each<[string, 'sse' | 'chunk', UserStreamTransform, string]>([
    ['event: a number', 'sse', { event: () => 42 as never }, `${eventMust} 42`],
    ['event: no data', 'sse', { event: () => ({ event: 'x' }) as never }, `${eventMust} { event: 'x' } (\`data\` must be a string)`],
    ['event: an array holding a string', 'sse', { event: () => [{ data: 'ok' }, 'no'] as never }, `${eventMust} [ { data: 'ok' }, 'no' ]`],
    [
      'event: an event type with a line break',
      'sse',
      { event: () => ({ data: 'x', event: 'a\nb' }) },
      `${eventMust} { data: 'x', event: 'a\\nb' } (\`event\` must be a string without line breaks)`,
    ],
    [
      'event: a negative retry',
      'sse',
      { event: () => ({ data: 'x', retry: -1 }) },
      `${eventMust} { data: 'x', retry: -1 } (\`retry\` must be a whole number of ms, 0 or more)`,
    ],
    [
      'end (SSE): one event, not an array',
      'sse',
      { end: () => ({ data: 'x' }) as never },
      `transform.end must return an array of events (${fields}) or nothing; got { data: 'x' }`,
    ],
    ['chunk: a number', 'chunk', { chunk: () => 42 as never }, 'transform.chunk must return a string, a Uint8Array, null or nothing; got 42'],
    ['end (chunks): events', 'chunk', { end: () => [{ data: 'x' }] }, "transform.end must return a string, a Uint8Array or nothing; got [ { data: 'x' } ]"],
  ])('%s', async (_name, kind, transform, message) => {
    const create = kind === 'sse' ? createSseTransform : createChunkTransform
    const hook = message.split(' ', 1)[0]
    await expect(pipeThrough(create(transform, ctx, hookCall()), ['data: 1\n\n'])).rejects.toMatchObject({ hook, message, code: 'hook_invalid_return' })
  })

  const boom = new Error('boom')
  it.each<[string, 'sse' | 'chunk', UserStreamTransform]>([
    ['transform.event', 'sse', { event: () => { throw boom } }],
    ['transform.end', 'sse', { end: async () => { throw boom } }],
    ['transform.chunk', 'chunk', { chunk: async () => { throw boom } }],
    ['transform.end', 'chunk', { end: () => { throw boom } }],
  ])('%s (%s) throws: the stream fails with that very error, named by `call`', async (hook, kind, transform) => {
    const create = kind === 'sse' ? createSseTransform : createChunkTransform
    await expect(pipeThrough(create(transform, ctx, hookCall()), ['data: 1\n\n'])).rejects.toBe(boom)
    expect(boom).toMatchObject({ hook })
  })

  it('keeps the error `call` rejects with (a timeout) as is, and calls no hook after it', async () => {
    const timeout = Object.assign(new Error('transform.event took longer than 5000 ms'), { code: 'hook_timeout', hook: 'transform.event' })
    const seen: string[] = []
    const call: HookCall = async (_hook, run) => {
      await run()
      throw timeout
    }
    const stream = createSseTransform({ event: (event) => void seen.push(event.data) }, ctx, call)
    await expect(pipeThrough(stream, ['data: 1\n\ndata: 2\n\n', 'data: 3\n\n'])).rejects.toBe(timeout)
    expect(stream.destroyed).toBe(true)
    expect(seen).toEqual(['1'])
  })
})

describe('createChunkTransform: any other body, chunk by chunk', () => {
  const chunk: UserStreamTransform['chunk'] = (bytes) => {
    const text = bytes.toString()
    if (text === 'keep') return undefined
    if (text === 'drop') return null
    if (text === 'text') return 'é'
    return new Uint8Array([0x41])
  }

  it('keeps a chunk on nothing, drops it on null, sends a string as UTF-8 and bytes as they are', async () => {
    const output = await pipeThrough(createChunkTransform({ chunk }, ctx, hookCall()), ['keep', 'drop', 'text', 'bytes'])
    expect(output).toBe('keepéA')
  })

  it('gives the hook each chunk as a Buffer, in order even when async', async () => {
    const seen: unknown[] = []
    const slowFirst: UserStreamTransform['chunk'] = async (bytes) => {
      seen.push(bytes)
      await sleep(bytes.toString() === 'a' ? 20 : 0)
      return bytes.toString().toUpperCase()
    }
    expect(await pipeThrough(createChunkTransform({ chunk: slowFirst }, ctx, hookCall()), ['a', 'b'])).toBe('AB')
    expect(seen.every((bytes) => Buffer.isBuffer(bytes))).toBe(true)
  })

  it('appends what transform.end returns; with only `end`, chunks pass unchanged', async () => {
    const calls: string[] = []
    const output = await pipeThrough(createChunkTransform({ end: () => '\n-- end --' }, ctx, hookCall(calls)), ['a', 'b'])
    expect(output).toBe('ab\n-- end --')
    expect(calls).toEqual(['transform.end'])
  })

  it('sends the first chunk before the input ends', async () => {
    const stream = createChunkTransform({ chunk: async (bytes) => `<${bytes.toString()}>` }, ctx, hookCall())
    stream.write('one')
    const [first] = (await once(stream, 'data')) as [Buffer]
    expect(first.toString()).toBe('<one>')
    expect(await pipeThrough(stream, ['two'])).toBe('<two>')
  })
})
