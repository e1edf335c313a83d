/**
 * A raw HTTP/2 client for the conformance corpus (RFC 9113, RFC 7541). Node's own http2 client
 * refuses to send most malformed requests (a value with CR, a name in upper case, a head that
 * HPACK inflates to megabytes), so this one writes frames and header blocks byte by byte:
 * the request side is encoded by hand (literal fields, no Huffman, so every byte is what the
 * test says), the server's header blocks are decoded with hpack.js.
 *
 * Every wait is bounded and driven by frames arriving.
 */
import { createRequire } from 'node:module'
import tls from 'node:tls'

const require = createRequire(import.meta.url)
const hpack = require('hpack.js') as {
  decompressor: { create(options: { table: { size: number } }): Decompressor }
}
interface Decompressor {
  write(data: Buffer): void
  execute(): void
  read(): { name: string; value: string } | null
  updateTableSize(size: number): void
}

/** RFC 9113 §6. */
export const FRAME = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PUSH_PROMISE: 5, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const
export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const
/** RFC 9113 §6.5.2. */
export const SETTING = { HEADER_TABLE_SIZE: 1, ENABLE_PUSH: 2, MAX_CONCURRENT_STREAMS: 3, INITIAL_WINDOW_SIZE: 4, MAX_FRAME_SIZE: 5, MAX_HEADER_LIST_SIZE: 6 } as const
/** RFC 9113 §7. */
export const ERROR_CODE: Record<number, string> = {
  0: 'NO_ERROR',
  1: 'PROTOCOL_ERROR',
  2: 'INTERNAL_ERROR',
  3: 'FLOW_CONTROL_ERROR',
  4: 'SETTINGS_TIMEOUT',
  5: 'STREAM_CLOSED',
  6: 'FRAME_SIZE_ERROR',
  7: 'REFUSED_STREAM',
  8: 'CANCEL',
  9: 'COMPRESSION_ERROR',
  10: 'CONNECT_ERROR',
  11: 'ENHANCE_YOUR_CALM',
  12: 'INADEQUATE_SECURITY',
  13: 'HTTP_1_1_REQUIRED',
}

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')
const BOUND_MS = 5_000

export function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9)
  head.writeUIntBE(payload.length, 0, 3)
  head[3] = type
  head[4] = flags
  head.writeUInt32BE(stream & 0x7fffffff, 5)
  return Buffer.concat([head, payload])
}

/** RFC 7541 §5.1: an integer with an N-bit prefix; `high` holds the bits above the prefix. */
export function hpackInt(value: number, prefixBits: number, high = 0): Buffer {
  const max = (1 << prefixBits) - 1
  if (value < max) return Buffer.from([high | value])
  const bytes = [high | max]
  let rest = value - max
  while (rest >= 128) {
    bytes.push((rest % 128) + 128)
    rest = Math.floor(rest / 128)
  }
  bytes.push(rest)
  return Buffer.from(bytes)
}

/** RFC 7541 §5.2: a string literal, not Huffman-coded: its bytes are exactly what is given. */
function hpackString(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'latin1') : value
  return Buffer.concat([hpackInt(bytes.length, 7, 0x00), bytes])
}

/** RFC 7541 §6.2: a literal field with a new name; `incremental` also adds it to the dynamic table (§6.2.1). */
export function literal(name: string | Buffer, value: string | Buffer, kind: 'without' | 'incremental' = 'without'): Buffer {
  return Buffer.concat([Buffer.from([kind === 'incremental' ? 0x40 : 0x00]), hpackString(name), hpackString(value)])
}

/** RFC 7541 §6.1: a field from the table by index (62 is the newest dynamic entry). */
export function indexed(index: number): Buffer {
  return hpackInt(index, 7, 0x80)
}

/** A header block of literal fields, in order: `[name, value]` pairs of raw bytes. */
export function headerBlock(fields: ReadonlyArray<readonly [string | Buffer, string | Buffer]>): Buffer {
  return Buffer.concat(fields.map(([name, value]) => literal(name, value)))
}

/** The four pseudo-header fields of a GET to `path` (RFC 9113 §8.3.1). */
export function requestFields(path: string, authority = 'localhost', method = 'GET'): Array<[string, string]> {
  return [
    [':method', method],
    [':scheme', 'https'],
    [':authority', authority],
    [':path', path],
  ]
}

export interface StreamOutcome {
  /** The response's fields as decoded, pseudo-header fields included. */
  readonly headers: ReadonlyArray<{ name: string; value: string }>
  readonly status: number | undefined
  readonly body: Buffer
  /** The RST_STREAM error code, when the server reset the stream. */
  readonly reset: string | undefined
  /** The connection ended (GOAWAY or close) before the stream did. */
  readonly connectionError: string | undefined
}

interface StreamState {
  headers: Array<{ name: string; value: string }>
  body: Buffer[]
  done: boolean
  reset: string | undefined
  waiters: Array<() => void>
}

export interface H2Connection {
  /** The server's SETTINGS, as first received. */
  readonly settings: ReadonlyMap<number, number>
  /** Writes raw bytes (frames) as they are. */
  send(bytes: Buffer): void
  /** HEADERS (split into CONTINUATION frames of `frameBytes` when longer), then DATA if a body is given. */
  request(stream: number, block: Buffer, options?: { body?: Buffer | string; endStream?: boolean; frameBytes?: number }): void
  /** Resolves when the stream is over: END_STREAM, RST_STREAM, or the connection gone (bounded). */
  outcome(stream: number, ms?: number): Promise<StreamOutcome>
  /** GOAWAY's error code once received. */
  goaway(): string | undefined
  readonly closed: Promise<void>
  close(): void
}

/** Opens TLS with ALPN h2, sends the preface and SETTINGS (`settings` as [id, value] pairs), ACKs the server's. */
export async function connectH2(port: number, options: { ca: Buffer; servername?: string; settings?: ReadonlyArray<readonly [number, number]> }): Promise<H2Connection> {
  const socket = tls.connect({ port, host: '127.0.0.1', servername: options.servername ?? 'localhost', ca: options.ca, ALPNProtocols: ['h2'] })
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => (socket.alpnProtocol === 'h2' ? resolve() : reject(new Error(`ALPN chose ${String(socket.alpnProtocol)}`))))
    socket.once('error', reject)
  })
  const decompressor = hpack.decompressor.create({ table: { size: 4096 } })
  const settings = new Map<number, number>()
  const streams = new Map<number, StreamState>()
  let goawayCode: string | undefined
  let ended: string | undefined
  let buffered: Buffer = Buffer.alloc(0)
  let headerBytes: Buffer[] = []
  let headerStream = 0
  let headerEndStream = false
  let gotSettings: (() => void) | undefined
  const settingsArrived = new Promise<void>((resolve) => (gotSettings = resolve))

  const stateOf = (id: number): StreamState => {
    let state = streams.get(id)
    if (state === undefined) streams.set(id, (state = { headers: [], body: [], done: false, reset: undefined, waiters: [] }))
    return state
  }
  const finish = (state: StreamState) => {
    state.done = true
    for (const waiter of state.waiters.splice(0)) waiter()
  }
  const endAll = (why: string) => {
    ended ??= why
    for (const state of streams.values()) if (!state.done) finish(state)
  }
  const onHeaderBlock = (stream: number, block: Buffer, endStream: boolean) => {
    decompressor.write(block)
    decompressor.execute()
    const state = stateOf(stream)
    for (let field = decompressor.read(); field !== null; field = decompressor.read()) state.headers.push({ name: field.name, value: field.value })
    if (endStream) finish(state)
  }
  const onFrame = (type: number, flags: number, stream: number, payload: Buffer) => {
    if (type === FRAME.SETTINGS && (flags & FLAG.ACK) === 0) {
      for (let i = 0; i + 6 <= payload.length; i += 6) if (!settings.has(payload.readUInt16BE(i))) settings.set(payload.readUInt16BE(i), payload.readUInt32BE(i + 2))
      socket.write(frame(FRAME.SETTINGS, FLAG.ACK, 0))
      gotSettings?.()
    } else if (type === FRAME.PING && (flags & FLAG.ACK) === 0) {
      socket.write(frame(FRAME.PING, FLAG.ACK, 0, payload))
    } else if (type === FRAME.HEADERS || type === FRAME.CONTINUATION) {
      let block = payload
      if (type === FRAME.HEADERS) {
        let start = 0
        let end = payload.length
        if (flags & FLAG.PADDED) {
          start = 1
          end -= payload[0]!
        }
        if (flags & FLAG.PRIORITY) start += 5
        block = payload.subarray(start, end)
        headerStream = stream
        headerEndStream = (flags & FLAG.END_STREAM) !== 0
        headerBytes = []
      }
      headerBytes.push(block)
      if (flags & FLAG.END_HEADERS) onHeaderBlock(headerStream, Buffer.concat(headerBytes), headerEndStream)
    } else if (type === FRAME.DATA) {
      const state = stateOf(stream)
      state.body.push(flags & FLAG.PADDED ? payload.subarray(1, payload.length - payload[0]!) : payload)
      // Keep the window open, connection and stream (RFC 9113 §6.9).
      if (payload.length > 0) {
        const increment = Buffer.alloc(4)
        increment.writeUInt32BE(payload.length)
        socket.write(Buffer.concat([frame(FRAME.WINDOW_UPDATE, 0, 0, increment), frame(FRAME.WINDOW_UPDATE, 0, stream, increment)]))
      }
      if (flags & FLAG.END_STREAM) finish(state)
    } else if (type === FRAME.RST_STREAM) {
      const state = stateOf(stream)
      state.reset = ERROR_CODE[payload.readUInt32BE(0)] ?? String(payload.readUInt32BE(0))
      finish(state)
    } else if (type === FRAME.GOAWAY) {
      goawayCode = ERROR_CODE[payload.readUInt32BE(4)] ?? String(payload.readUInt32BE(4))
      const last = payload.readUInt32BE(0) & 0x7fffffff
      for (const [id, state] of streams) if (id > last && !state.done) finish(state)
    }
  }
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
    while (buffered.length >= 9) {
      const length = buffered.readUIntBE(0, 3)
      if (buffered.length < 9 + length) break
      onFrame(buffered[3]!, buffered[4]!, buffered.readUInt32BE(5) & 0x7fffffff, buffered.subarray(9, 9 + length))
      buffered = buffered.subarray(9 + length)
    }
  })
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  void closed.then(() => endAll(goawayCode === undefined ? 'connection closed' : `GOAWAY ${goawayCode}`))

  const ours = Buffer.alloc((options.settings?.length ?? 0) * 6)
  options.settings?.forEach(([id, value], i) => {
    ours.writeUInt16BE(id, i * 6)
    ours.writeUInt32BE(value, i * 6 + 2)
  })
  socket.write(Buffer.concat([PREFACE, frame(FRAME.SETTINGS, 0, 0, ours)]))
  await bounded(settingsArrived, BOUND_MS, 'the server sent no SETTINGS')

  return {
    settings,
    send: (bytes) => void socket.write(bytes),
    request(stream, block, { body, endStream = body === undefined, frameBytes = 16_384 } = {}) {
      const pieces: Buffer[] = []
      for (let at = 0; at < block.length || at === 0; at += frameBytes) {
        pieces.push(block.subarray(at, at + frameBytes))
        if (block.length === 0) break
      }
      const frames = pieces.map((piece, i) => {
        const last = i === pieces.length - 1
        const flags = (last ? FLAG.END_HEADERS : 0) | (i === 0 && endStream && body === undefined ? FLAG.END_STREAM : 0)
        return frame(i === 0 ? FRAME.HEADERS : FRAME.CONTINUATION, flags, stream, piece)
      })
      if (body !== undefined) frames.push(frame(FRAME.DATA, endStream ? FLAG.END_STREAM : 0, stream, Buffer.from(body)))
      stateOf(stream)
      socket.write(Buffer.concat(frames))
    },
    async outcome(stream, ms = BOUND_MS) {
      const state = stateOf(stream)
      if (!state.done && ended === undefined) {
        await bounded(new Promise<void>((resolve) => state.waiters.push(resolve)), ms, `stream ${stream} did not end within ${ms} ms`)
      }
      const status = state.headers.find((field) => field.name === ':status')
      return {
        headers: state.headers,
        status: status === undefined ? undefined : Number(status.value),
        body: Buffer.concat(state.body),
        reset: state.reset,
        connectionError: state.done && (state.reset !== undefined || status !== undefined) ? undefined : ended ?? (goawayCode && `GOAWAY ${goawayCode}`),
      }
    },
    goaway: () => goawayCode,
    closed,
    close: () => void socket.destroy(),
  }
}

function bounded<T>(promise: Promise<T>, ms: number, why: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(why)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}
