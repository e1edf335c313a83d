/**
 * The wire-conformance kit: a recording upstream that keeps both the bytes it received and what
 * a real `node:http` parser made of them, a raw client that writes bytes and parses every
 * response (1xx included) it gets back, a raw response upstream that answers with given bytes,
 * and the comparators that judge what went through devproxy against what went directly —
 * modulo the rewrites the proxy documents (README "What the proxy does to each request",
 * DESIGN.md §3).
 *
 * Every wait is bounded and driven by events; the one pause is IDLE_MS, the window after which
 * "nothing more is coming" is concluded. It only ever decides that nothing *more* arrived, so a
 * slow machine can hide a late extra byte but can never fail a correct proxy.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import net, { type AddressInfo } from 'node:net'
import { Duplex } from 'node:stream'

/** After the responses we wait for are complete: this long without a byte means nothing more is coming. */
export const IDLE_MS = 300
/** The longest any single awaited event may take. */
export const BOUND_MS = 5_000

// ─── the recording upstream (request side) ──────────────────────────────────────────────────

/** One request as the upstream's HTTP parser saw it. */
export interface SeenRequest {
  /** 1-based number of the TCP connection it came on. */
  readonly conn: number
  readonly method: string
  readonly url: string
  readonly httpVersion: string
  /** Names with their case, in order: [name, value, name, value, …]. */
  readonly rawHeaders: readonly string[]
  body: Buffer
  rawTrailers: readonly string[]
  /** The whole body arrived ('end'). */
  complete: boolean
}

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void

export interface RecordingUpstream {
  readonly url: string
  readonly port: number
  /** Every request whose head was parsed, in arrival order. */
  readonly requests: SeenRequest[]
  /** All bytes received on connection `conn`, or on all connections. */
  raw(conn?: number): Buffer
  connections(): number
  openSockets(): number
  /** Open connections whose latest request never got its whole body (an upload left hanging). */
  stuckSockets(): number
  /** Resolves when `n` requests have been seen (bounded). */
  waitForRequests(n: number, ms?: number): Promise<boolean>
  /** Resolves when `openSockets()` is `n` (bounded); false if it never was. */
  waitForOpenSockets(n: number, ms?: number): Promise<boolean>
  /** Resolves when `stuckSockets()` is 0 (bounded); false if it never was. */
  waitForNoStuckSockets(ms?: number): Promise<boolean>
  close(): Promise<void>
}

const CONN = Symbol('conformance.conn')

/** Answers 200 `answer for <target>` once the body is in, keep-alive. */
export const answerForTarget: UpstreamHandler = (req, res) => {
  req.on('end', () => {
    const body = `answer for ${req.url}`
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(Buffer.byteLength(body)) })
    res.end(body)
  })
}

/**
 * A real `node:http` server on 127.0.0.1:0 behind a byte tap: each accepted TCP socket is
 * recorded byte for byte and handed to the HTTP server through a Duplex (Node's server reads a
 * plain socket's handle natively, out of sight of 'data' listeners). Its limits are wide
 * (1 MiB of head, no header count cap) so it is never the bottleneck being measured.
 */
export async function startRecordingUpstream(handler: UpstreamHandler = answerForTarget): Promise<RecordingUpstream> {
  const requests: SeenRequest[] = []
  const rawByConn = new Map<number, Buffer[]>()
  const latest = new Map<number, SeenRequest>()
  const open = new Map<number, net.Socket>()
  const changed = new Set<() => void>()
  const notify = () => {
    for (const listener of [...changed]) listener()
  }
  let accepted = 0

  const server = http.createServer({ maxHeaderSize: 1 << 20, requireHostHeader: false }, (req, res) => {
    const conn = (req.socket as unknown as { [CONN]: number })[CONN]
    const seen: SeenRequest = {
      conn,
      method: req.method ?? '',
      url: req.url ?? '',
      httpVersion: req.httpVersion,
      rawHeaders: [...req.rawHeaders],
      body: Buffer.alloc(0),
      rawTrailers: [],
      complete: false,
    }
    requests.push(seen)
    latest.set(conn, seen)
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('error', () => {})
    res.on('error', () => {})
    req.on('end', () => {
      seen.body = Buffer.concat(chunks)
      seen.rawTrailers = [...req.rawTrailers]
      seen.complete = true
      notify()
    })
    notify()
    handler(req, res, seen)
  })
  server.maxHeadersCount = 0
  server.on('clientError', (_error, socket) => socket.destroy())

  const tcp = net.createServer((socket) => {
    const conn = ++accepted
    const chunks: Buffer[] = []
    rawByConn.set(conn, chunks)
    open.set(conn, socket)
    socket.on('error', () => {})
    socket.on('close', () => {
      open.delete(conn)
      notify()
    })
    const duplex = tap(socket, (chunk) => {
      chunks.push(chunk)
      notify()
    })
    ;(duplex as unknown as { [CONN]: number })[CONN] = conn
    server.emit('connection', duplex)
    notify()
  })
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
  const { port } = tcp.address() as AddressInfo

  const until = (test: () => boolean, ms: number) =>
    new Promise<boolean>((resolve) => {
      if (test()) return resolve(true)
      const check = () => {
        if (!test()) return
        done(true)
      }
      const timer = setTimeout(() => done(test()), ms)
      const done = (value: boolean) => {
        clearTimeout(timer)
        changed.delete(check)
        resolve(value)
      }
      changed.add(check)
    })

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    raw: (conn) => (conn === undefined ? Buffer.concat([...rawByConn.values()].flat()) : Buffer.concat(rawByConn.get(conn) ?? [])),
    connections: () => accepted,
    openSockets: () => open.size,
    stuckSockets: () => [...open.keys()].filter((conn) => latest.get(conn)?.complete === false).length,
    waitForRequests: (n, ms = BOUND_MS) => until(() => requests.length >= n, ms),
    waitForOpenSockets: (n, ms = BOUND_MS) => until(() => open.size === n, ms),
    waitForNoStuckSockets: (ms = BOUND_MS) => until(() => [...open.keys()].every((conn) => latest.get(conn)?.complete !== false), ms),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open.values()) socket.destroy()
        server.close()
        tcp.close(() => resolve())
      }),
  }
}

/** A Duplex over `socket` that reports every received chunk first. */
function tap(socket: net.Socket, onBytes: (chunk: Buffer) => void): Duplex {
  const duplex = new Duplex({
    read() {
      socket.resume()
    },
    write(chunk: Buffer, _encoding, callback) {
      if (socket.destroyed) return callback()
      socket.write(chunk, () => callback())
    },
    final(callback) {
      socket.end()
      callback()
    },
    destroy(error, callback) {
      socket.destroy()
      callback(error)
    },
  })
  socket.on('data', (chunk: Buffer) => {
    onBytes(chunk)
    if (!duplex.push(chunk)) socket.pause()
  })
  socket.on('end', () => duplex.push(null))
  socket.on('close', () => duplex.destroy())
  duplex.on('error', () => {})
  return duplex
}

// ─── the raw response upstream (response side) ──────────────────────────────────────────────

export interface RawRequestHead {
  readonly conn: number
  /** The request head as text, CRLF-separated, without the blank line. */
  readonly head: string
  readonly method: string
  readonly target: string
  readonly rawHeaders: string[]
  /** Body bytes received after the head (only those declared by Content-Length are read as this request's). */
  body: Buffer
}

export interface RawUpstream {
  readonly url: string
  readonly port: number
  readonly heads: RawRequestHead[]
  openSockets(): number
  /** Waits (bounded) until `test` holds, re-checked on every byte received; returns whether it does. */
  waitFor(test: () => boolean, ms?: number): Promise<boolean>
  close(): Promise<void>
}

export interface RawExchange {
  readonly socket: net.Socket
  readonly request: RawRequestHead
}

/**
 * A net server that parses request heads itself (Content-Length bodies only) and calls
 * `onRequest` for each, which writes whatever bytes it likes.
 */
export async function startRawUpstream(onRequest: (exchange: RawExchange) => void): Promise<RawUpstream> {
  const heads: RawRequestHead[] = []
  const open = new Set<net.Socket>()
  const changed = new Set<() => void>()
  const notify = () => {
    for (const listener of [...changed]) listener()
  }
  let accepted = 0
  const tcp = net.createServer((socket) => {
    const conn = ++accepted
    open.add(socket)
    socket.on('close', () => {
      open.delete(socket)
      notify()
    })
    socket.on('error', () => {})
    let buffer = Buffer.alloc(0)
    let current: { request: RawRequestHead; remaining: number } | undefined
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      parse()
      notify()
    })
    const parse = () => {
      for (;;) {
        if (current) {
          const take = Math.min(current.remaining, buffer.length)
          current.request.body = Buffer.concat([current.request.body, buffer.subarray(0, take)])
          buffer = buffer.subarray(take)
          current.remaining -= take
          if (current.remaining > 0) return
          current = undefined
          continue
        }
        const end = buffer.indexOf('\r\n\r\n')
        if (end === -1) return
        const head = buffer.subarray(0, end).toString('latin1')
        buffer = buffer.subarray(end + 4)
        const [line = '', ...fieldLines] = head.split('\r\n')
        const [method = '', target = ''] = line.split(' ')
        const rawHeaders = fieldLines.flatMap((l) => {
          const colon = l.indexOf(':')
          return [l.slice(0, colon), l.slice(colon + 1).trim()]
        })
        const request: RawRequestHead = { conn, head, method, target, rawHeaders, body: Buffer.alloc(0) }
        heads.push(request)
        const length = Number(fieldValue(rawHeaders, 'content-length') ?? 0)
        if (length > 0) current = { request, remaining: length }
        onRequest({ socket, request })
      }
    }
  })
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
  const { port } = tcp.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    heads,
    openSockets: () => open.size,
    waitFor: (test, ms = BOUND_MS) =>
      new Promise<boolean>((resolve) => {
        if (test()) return resolve(true)
        const check = () => {
          if (test()) done()
        }
        const timer = setTimeout(() => done(), ms)
        const done = () => {
          clearTimeout(timer)
          changed.delete(check)
          resolve(test())
        }
        changed.add(check)
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy()
        tcp.close(() => resolve())
      }),
  }
}

// ─── the raw client ─────────────────────────────────────────────────────────────────────────

export interface ParsedResponse {
  readonly version: string
  readonly status: number
  readonly rawHeaders: string[]
  readonly body: Buffer
  readonly rawTrailers: string[]
  readonly framing: 'content-length' | 'chunked' | 'close' | 'none'
  /** The whole message arrived (a close-delimited body: the connection closed). */
  readonly complete: boolean
}

export interface Parsed {
  /** Every response head in order, 1xx included. */
  readonly all: ParsedResponse[]
  /** The final (non-1xx) responses. */
  readonly finals: ParsedResponse[]
  /** What could not be parsed, if anything. */
  readonly error: string | undefined
}

/**
 * Parses a byte stream of HTTP/1.x responses. `methods[i]` is the method of the request the
 * i-th final response answers (HEAD has no body); `closed` says whether the connection ended.
 */
export function parseResponses(data: Buffer, methods: readonly string[] = [], closed = false): Parsed {
  const all: ParsedResponse[] = []
  const finals: ParsedResponse[] = []
  let at = 0
  const fail = (error: string): Parsed => ({ all, finals, error })
  while (at < data.length) {
    const end = data.indexOf('\r\n\r\n', at)
    if (end === -1) return fail(`incomplete or unparsable head at byte ${at}: ${show(data.subarray(at, at + 120))}`)
    const lines = data.subarray(at, end).toString('latin1').split('\r\n')
    const status = /^HTTP\/(\d\.\d) (\d{3})(?: .*)?$/.exec(lines[0] ?? '')
    if (!status) return fail(`not a status line: ${show(Buffer.from(lines[0] ?? '', 'latin1'))}`)
    const rawHeaders = lines.slice(1).flatMap((l) => {
      const colon = l.indexOf(':')
      return [l.slice(0, colon), l.slice(colon + 1).trim()]
    })
    at = end + 4
    const code = Number(status[2])
    const method = methods[finals.length] ?? 'GET'
    const base = { version: status[1]!, status: code, rawHeaders }
    if (code < 200) {
      all.push({ ...base, body: Buffer.alloc(0), rawTrailers: [], framing: 'none', complete: true })
      continue
    }
    let message: ParsedResponse
    const te = fieldValue(rawHeaders, 'transfer-encoding')
    const cl = fieldValue(rawHeaders, 'content-length')
    if (method === 'HEAD' || code === 204 || code === 304) {
      message = { ...base, body: Buffer.alloc(0), rawTrailers: [], framing: 'none', complete: true }
    } else if (te !== undefined && codings(te).at(-1) === 'chunked') {
      const chunked = decodeChunked(data, at)
      if (chunked === undefined) {
        message = { ...base, body: Buffer.alloc(0), rawTrailers: [], framing: 'chunked', complete: false }
        all.push(message)
        finals.push(message)
        return fail('chunked body incomplete')
      }
      message = { ...base, body: chunked.body, rawTrailers: chunked.trailers, framing: 'chunked', complete: true }
      at = chunked.end
    } else if (te === undefined && cl !== undefined) {
      const length = Number(cl)
      const complete = data.length - at >= length
      message = { ...base, body: data.subarray(at, at + length), rawTrailers: [], framing: 'content-length', complete }
      at += length
    } else {
      message = { ...base, body: data.subarray(at), rawTrailers: [], framing: 'close', complete: closed }
      at = data.length
    }
    all.push(message)
    finals.push(message)
    if (!message.complete) return fail('body incomplete')
  }
  return { all, finals, error: undefined }
}

function decodeChunked(data: Buffer, start: number): { body: Buffer; trailers: string[]; end: number } | undefined {
  const parts: Buffer[] = []
  let at = start
  for (;;) {
    const eol = data.indexOf('\r\n', at)
    if (eol === -1) return undefined
    const size = parseInt(data.subarray(at, eol).toString('latin1').split(';')[0]!.trim(), 16)
    if (Number.isNaN(size)) return undefined
    at = eol + 2
    if (size === 0) break
    if (data.length < at + size + 2) return undefined
    parts.push(data.subarray(at, at + size))
    at += size + 2
  }
  const trailers: string[] = []
  for (;;) {
    const eol = data.indexOf('\r\n', at)
    if (eol === -1) return undefined
    const line = data.subarray(at, eol).toString('latin1')
    at = eol + 2
    if (line === '') break
    const colon = line.indexOf(':')
    trailers.push(line.slice(0, colon), line.slice(colon + 1).trim())
  }
  return { body: Buffer.concat(parts), trailers, end: at }
}

/** A client connection on raw bytes: write, then wait for parsed responses or the close. */
export class RawClient {
  readonly chunks: Buffer[] = []
  closed = false
  errorCode: string | undefined
  private readonly listeners = new Set<() => void>()

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk)
      this.notify()
    })
    socket.on('error', (error: NodeJS.ErrnoException) => (this.errorCode ??= error.code))
    const ended = () => {
      this.closed = true
      this.notify()
    }
    socket.on('end', ended)
    socket.on('close', ended)
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.once('connect', () => resolve(new RawClient(socket)))
      socket.once('error', reject)
    })
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks)
  }

  parsed(methods: readonly string[]): Parsed {
    return parseResponses(this.bytes, methods, this.closed)
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data)
  }

  /** Waits (bounded) until `test` holds or the connection closed; returns whether `test` holds. */
  waitFor(test: () => boolean, ms = BOUND_MS): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (test() || this.closed) done()
      }
      const timer = setTimeout(() => done(), ms)
      const done = () => {
        clearTimeout(timer)
        this.listeners.delete(check)
        resolve(test())
      }
      this.listeners.add(check)
      check()
    })
  }

  /** Waits until `n` complete final responses arrived (or the close), bounded. */
  waitForFinals(n: number, methods: readonly string[], ms = BOUND_MS): Promise<boolean> {
    return this.waitFor(() => this.parsed(methods).finals.filter((f) => f.complete).length >= n, ms)
  }

  /** Resolves once the connection closed or IDLE_MS passed without a byte; true if closed. */
  settle(idleMs = IDLE_MS): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.closed) return resolve(true)
      let timer = setTimeout(() => done(), idleMs)
      const onEvent = () => {
        if (this.closed) return done()
        clearTimeout(timer)
        timer = setTimeout(() => done(), idleMs)
      }
      const done = () => {
        clearTimeout(timer)
        this.listeners.delete(onEvent)
        resolve(this.closed)
      }
      this.listeners.add(onEvent)
    })
  }

  destroy(): void {
    this.socket.destroy()
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener()
  }
}

export interface Conversation {
  readonly bytes: Buffer
  readonly parsed: Parsed
  /** The server closed the connection within the idle window after the last expected response. */
  readonly closed: boolean
}

/**
 * Writes `raw` on a fresh connection, waits for `expectFinals` complete final responses (or the
 * close), then for the idle window, and returns all that came back. Never rejects.
 */
export async function converse(port: number, raw: string | Buffer, methods: readonly string[], expectFinals = 1): Promise<Conversation> {
  const client = await RawClient.connect(port)
  try {
    client.write(typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw)
    await client.waitForFinals(expectFinals, methods)
    const closed = await client.settle()
    return { bytes: client.bytes, parsed: client.parsed(methods), closed }
  } finally {
    client.destroy()
  }
}

// ─── fields ─────────────────────────────────────────────────────────────────────────────────

/** [name, value] pairs of a flat raw header list. */
export function pairs(raw: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!])
  return out
}

/** All values of a field, combined as RFC 9110 §5.3 allows (", "); undefined when absent. */
export function fieldValue(raw: readonly string[], name: string): string | undefined {
  const values = pairs(raw)
    .filter(([n]) => n.toLowerCase() === name)
    .map(([, v]) => v)
  return values.length === 0 ? undefined : values.join(', ')
}

/** Transfer codings of a Transfer-Encoding value, lower-cased, parameters dropped. */
export function codings(value: string): string[] {
  return value
    .split(',')
    .map((c) => c.split(';')[0]!.trim().toLowerCase())
    .filter((c) => c !== '')
}

/** The fields RFC 9110 §7.6.1 names hop-by-hop (Trailer is not one: it is end-to-end, §6.6.2). */
export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade'])
/** Never dropped just because a client listed them in Connection (framing and Host). */
export const NEVER_NAMED_AWAY = new Set(['host', 'content-length', 'transfer-encoding'])

/** Names listed in the message's Connection fields (lower-cased). */
export function connectionOptions(raw: readonly string[]): Set<string> {
  const value = fieldValue(raw, 'connection') ?? ''
  return new Set(value.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t !== ''))
}

/** `Via` element devproxy adds: the received version and `devproxy-<instance id>` (DESIGN.md §3). */
export function viaElement(version: '1.0' | '1.1'): RegExp {
  return new RegExp(`^${version.replace('.', '\\.')} devproxy-[A-Za-z0-9._-]+$`)
}

/** Explains, line by line, how two field-line lists differ; empty when identical. */
export function diffFieldLines(expected: Array<[string, string]>, actual: Array<[string, string]>, where: string, valueMatch: Readonly<Record<string, RegExp>> = {}): string[] {
  const same = (e: [string, string], a: [string, string]) => {
    if (e[0] !== a[0]) return false
    const pattern = valueMatch[e[0].toLowerCase()]
    return pattern ? pattern.test(a[1]) : e[1] === a[1]
  }
  if (expected.length === actual.length && expected.every((e, i) => same(e, actual[i]!))) return []
  const problems: string[] = []
  const fmt = (p: [string, string]) => `${p[0]}: ${short(p[1])}`
  const lower = (list: Array<[string, string]>) => list.map(([n, v]) => [n.toLowerCase(), v] as [string, string])
  // Field by field, ignoring case: what is missing, what was added.
  const remaining = lower(actual).map((p, i) => ({ p, i, used: false }))
  const missing: string[] = []
  for (const e of expected) {
    const lowered: [string, string] = [e[0].toLowerCase(), e[1]]
    const hit = remaining.find((r) => !r.used && same(lowered, r.p))
    if (hit) hit.used = true
    else missing.push(fmt(e))
  }
  const extra = remaining.filter((r) => !r.used).map((r) => fmt(actual[r.i]!))
  if (missing.length > 0) problems.push(`${where}: missing ${missing.length} field line(s): ${list(missing)}`)
  if (extra.length > 0) problems.push(`${where}: unexpected ${extra.length} field line(s): ${list(extra)}`)
  if (missing.length === 0 && extra.length === 0) {
    const orderChanged = expected.some((e, i) => actual[i]![0].toLowerCase() !== e[0].toLowerCase())
    if (orderChanged) {
      problems.push(`${where}: field lines reordered: expected ${list(expected.map((e) => e[0]))}, got ${list(actual.map((a) => a[0]))}`)
    } else {
      const caseChanged = expected.flatMap((e, i) => (e[0] !== actual[i]![0] ? [`${e[0]} → ${actual[i]![0]}`] : []))
      if (caseChanged.length > 0) problems.push(`${where}: field name case changed (${caseChanged.length} of ${expected.length}): ${list(caseChanged, 4)}`)
    }
    if (problems.length === 0) problems.push(`${where}: values of same-name field lines reordered: expected ${list(expected.map(fmt))}, got ${list(actual.map(fmt))}`)
  } else {
    // Same values, fewer lines: repeated fields were combined into one (RFC 9110 §5.3 allows a
    // recipient to do that; this suite's transparency oracle does not).
    const combined = (l: Array<[string, string]>) => {
      const m = new Map<string, string[]>()
      for (const [n, v] of l) m.set(n.toLowerCase(), [...(m.get(n.toLowerCase()) ?? []), v])
      return JSON.stringify([...m.entries()].map(([n, v]) => [n, v.join(', ')]).sort())
    }
    if (combined(expected) === combined(actual)) problems.push(`${where}: (same values once repeated field lines are combined: ${expected.length} lines became ${actual.length})`)
    else if (expected.length > 50) {
      const values = (l: Array<[string, string]>) => l.reduce((n, [, v]) => n + v.split(',').length, 0)
      problems.push(`${where}: ${values(expected)} field values sent, ${values(actual)} arrived`)
    }
  }
  return problems
}

function list(items: string[], max = 8): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')}, … (${items.length} in all)`
}

export function short(value: string | Buffer, max = 80): string {
  const text = typeof value === 'string' ? value : value.toString('latin1')
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…(${text.length} bytes)` : text)
}

export function show(data: Buffer, max = 400): string {
  return short(data, max)
}

// ─── the request-side comparator ────────────────────────────────────────────────────────────

export interface ForwardOptions {
  /** Fields whose forwarded value is judged by a pattern (e.g. an obs-fold replaced by spaces). */
  readonly valueMatch?: Readonly<Record<string, RegExp>>
  /** The client address X-Forwarded-For must end with. */
  readonly clientIp?: string
}

/** Origin form of a request target (RFC 9112 §3.2.1); absolute form keeps its path and query. */
export function originForm(target: string): string {
  if (target.startsWith('/')) return target
  const m = /^https?:\/\/[^/?#]*([^#]*)/i.exec(target)
  if (!m) return target
  const rest = m[1] ?? ''
  return rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest
}

/**
 * How the request the upstream got through devproxy (`proxied`) differs from the one it got
 * directly (`direct`), beyond the documented rewrites. Empty when it is conformant.
 */
export function compareForwarded(direct: SeenRequest, proxied: SeenRequest, options: ForwardOptions = {}): string[] {
  const problems: string[] = []
  const clientVersion = direct.httpVersion === '1.0' ? '1.0' : '1.1'
  if (proxied.method !== direct.method) problems.push(`method: expected ${direct.method}, upstream got ${proxied.method}`)
  const target = originForm(direct.url)
  if (proxied.url !== target) problems.push(`request target: expected ${short(target)}, upstream got ${short(proxied.url)}`)
  // RFC 9110 §2.5: an intermediary sends its own HTTP version in forwarded messages.
  if (proxied.httpVersion !== '1.1') problems.push(`version: a forwarded message carries the proxy's own version 1.1 (RFC 9110 §2.5), upstream got ${proxied.httpVersion}`)
  problems.push(...framingProblems(direct, proxied))
  if (!proxied.body.equals(direct.body)) problems.push(`body: expected ${direct.body.length} bytes ${short(direct.body)}, upstream got ${proxied.body.length} bytes ${short(proxied.body)}`)

  // End-to-end fields: identical names (case), values and order.
  const named = connectionOptions(direct.rawHeaders)
  const expected = pairs(direct.rawHeaders).filter(([n]) => {
    const name = n.toLowerCase()
    if (HOP_BY_HOP.has(name) || name === 'content-length' || name === 'x-devproxy-fault') return false
    if (ADDED.has(name)) return false
    return !(named.has(name) && !NEVER_NAMED_AWAY.has(name))
  })
  const actual = pairs(proxied.rawHeaders).filter(([n]) => {
    const name = n.toLowerCase()
    return !(name === 'connection' || name === 'content-length' || name === 'transfer-encoding' || ADDED.has(name))
  })
  problems.push(...diffFieldLines(expected, actual, 'end-to-end fields', options.valueMatch))

  // What the proxy adds.
  const connection = pairs(proxied.rawHeaders).filter(([n]) => n.toLowerCase() === 'connection')
  if (connection.length > 1 || (connection[0] && !/^(keep-alive|close)$/i.test(connection[0][1]))) {
    problems.push(`Connection: only the proxy's own keep-alive/close may be sent, upstream got ${list(connection.map(([, v]) => short(v)))}`)
  }
  const appended = (name: string, added: string) => {
    const before = fieldValue(direct.rawHeaders, name)
    return before === undefined ? added : `${before}, ${added}`
  }
  const xff = fieldValue(proxied.rawHeaders, 'x-forwarded-for')
  const wantXff = appended('x-forwarded-for', options.clientIp ?? '127.0.0.1')
  if (xff !== wantXff) problems.push(`X-Forwarded-For: expected ${short(wantXff)} (appended), upstream got ${xff === undefined ? 'none' : short(xff)}`)
  const proto = fieldValue(proxied.rawHeaders, 'x-forwarded-proto')
  if (proto !== 'http') problems.push(`X-Forwarded-Proto: expected "http", upstream got ${proto === undefined ? 'none' : short(proto)}`)
  const host = pairs(direct.rawHeaders).find(([n]) => n.toLowerCase() === 'host')?.[1]
  const xfh = fieldValue(proxied.rawHeaders, 'x-forwarded-host')
  if (host !== undefined && xfh !== host) problems.push(`X-Forwarded-Host: expected ${short(host)}, upstream got ${xfh === undefined ? 'none' : short(xfh)}`)
  problems.push(...viaProblems(fieldValue(direct.rawHeaders, 'via'), fieldValue(proxied.rawHeaders, 'via'), clientVersion, 'request Via'))
  const attempt = pairs(proxied.rawHeaders).filter(([n]) => n.toLowerCase() === 'x-devproxy-attempt')
  if (attempt.length !== 1 || attempt[0]![1] !== '1') problems.push(`x-devproxy-attempt: expected one "1", upstream got ${list(attempt.map(([, v]) => short(v))) || 'none'}`)

  // Trailers travel as they came (DESIGN.md §3: "Trailers are relayed").
  problems.push(...diffFieldLines(pairs(direct.rawTrailers), pairs(proxied.rawTrailers), 'trailer fields'))
  return problems
}

const ADDED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'via', 'x-devproxy-attempt'])

/**
 * The forwarded request's framing is the proxy's own (DESIGN.md §3): Content-Length equal to the
 * body, or Transfer-Encoding ending in chunked, never both; codings other than chunked survive.
 */
function framingProblems(direct: SeenRequest, proxied: SeenRequest): string[] {
  const problems: string[] = []
  const cls = pairs(proxied.rawHeaders).filter(([n]) => n.toLowerCase() === 'content-length')
  const te = fieldValue(proxied.rawHeaders, 'transfer-encoding')
  if (cls.length > 0 && te !== undefined) problems.push(`framing: both Content-Length (${cls.map(([, v]) => v).join(', ')}) and Transfer-Encoding (${te}) sent upstream (RFC 9112 §6.2)`)
  if (cls.length > 1) problems.push(`framing: ${cls.length} Content-Length lines sent upstream`)
  if (cls.length === 1 && (!/^\d+$/.test(cls[0]![1]) || Number(cls[0]![1]) !== proxied.body.length)) problems.push(`framing: Content-Length ${short(cls[0]![1])} does not match the ${proxied.body.length} body bytes`)
  if (direct.body.length > 0 && cls.length === 1 && cls[0]![1] === '0') problems.push(`framing: a ${direct.body.length}-byte body was forwarded with Content-Length: 0`)
  const directTe = fieldValue(direct.rawHeaders, 'transfer-encoding')
  const wantCodings = directTe === undefined ? [] : codings(directTe).slice(0, -1)
  if (te !== undefined) {
    const got = codings(te)
    if (got.at(-1) !== 'chunked') problems.push(`framing: Transfer-Encoding ${short(te)} sent upstream does not end in chunked`)
    if (JSON.stringify(got.slice(0, -1)) !== JSON.stringify(wantCodings)) problems.push(`framing: transfer codings ${short(got.join(', '))} upstream, expected ${short([...wantCodings, 'chunked'].join(', '))}`)
  } else if (wantCodings.length > 0) {
    problems.push(`framing: the transfer codings ${short(wantCodings.join(', '))} were dropped (only chunked is the proxy's to remove)`)
  }
  return problems
}

export function viaProblems(before: string | undefined, after: string | undefined, version: '1.0' | '1.1', where: string): string[] {
  if (after === undefined) return [`${where}: missing (RFC 9110 §7.6.3: a proxy MUST send Via)`]
  const prefix = before === undefined ? '' : `${before}, `
  const added = after.startsWith(prefix) ? after.slice(prefix.length) : undefined
  if (added === undefined || !viaElement(version).test(added)) {
    return [`${where}: expected ${short(`${prefix}${version} devproxy-<instance id>`)} (appended, with the received version), got ${short(after)}`]
  }
  return []
}

// ─── the response-side comparator ───────────────────────────────────────────────────────────

/**
 * How a response relayed by devproxy differs from the same upstream response received directly,
 * beyond the documented rewrites (hop-by-hop fields removed, Via appended, framing re-done, a
 * Date added when missing — RFC 9110 §6.6.1).
 */
export function compareRelayed(direct: ParsedResponse, proxied: ParsedResponse, options: { method?: string; clientVersion?: '1.0' | '1.1' } = {}): string[] {
  const problems: string[] = []
  const method = options.method ?? 'GET'
  if (proxied.status !== direct.status) problems.push(`status: expected ${direct.status}, client got ${proxied.status}`)
  if (!proxied.complete) problems.push(`the response did not arrive whole (framing ${proxied.framing})`)
  const named = connectionOptions(direct.rawHeaders)
  const expected = pairs(direct.rawHeaders).filter(([n]) => {
    const name = n.toLowerCase()
    if (HOP_BY_HOP.has(name) || name === 'content-length' || name === 'via') return false
    return !(named.has(name) && !NEVER_NAMED_AWAY.has(name))
  })
  const hadDate = fieldValue(direct.rawHeaders, 'date') !== undefined
  const actual = pairs(proxied.rawHeaders).filter(([n]) => {
    const name = n.toLowerCase()
    if (name === 'connection' || name === 'keep-alive' || name === 'content-length' || name === 'transfer-encoding' || name === 'via') return false
    return !(name === 'date' && !hadDate)
  })
  // RFC 9110 §5.1/§5.3: names case-insensitive, same-name lines in order. (The request side
  // keeps case and order too; toward the client devproxy does not, which the RFC allows.)
  problems.push(...diffFieldLines(byName(expected), byName(actual), 'response fields (names compared case-insensitively, grouped by name)'))
  if (!hadDate && fieldValue(proxied.rawHeaders, 'date') === undefined) problems.push('Date: the upstream sent none and the proxy added none (RFC 9110 §6.6.1: a recipient with a clock MUST add one when forwarding)')
  problems.push(...viaProblems(fieldValue(direct.rawHeaders, 'via'), fieldValue(proxied.rawHeaders, 'via'), '1.1', 'response Via'))
  const connection = fieldValue(proxied.rawHeaders, 'connection')
  if (connection !== undefined && !/^(keep-alive|close)$/i.test(connection)) problems.push(`Connection: only the proxy's own keep-alive/close may be sent, client got ${short(connection)}`)

  // Framing.
  const noBody = method === 'HEAD' || direct.status === 204 || direct.status === 304
  const cl = fieldValue(proxied.rawHeaders, 'content-length')
  const te = fieldValue(proxied.rawHeaders, 'transfer-encoding')
  if (cl !== undefined && te !== undefined) problems.push(`framing: both Content-Length and Transfer-Encoding sent to the client`)
  if (direct.status === 204 && (cl !== undefined || te !== undefined)) problems.push(`framing: a 204 carries ${cl !== undefined ? 'Content-Length' : 'Transfer-Encoding'} (RFC 9110 §8.6, RFC 9112 §6.1: MUST NOT)`)
  if (te !== undefined && options.clientVersion === '1.0') problems.push(`framing: Transfer-Encoding sent to an HTTP/1.0 client (RFC 9112 §6.1: MUST NOT)`)
  if (noBody) {
    const directCl = fieldValue(direct.rawHeaders, 'content-length')
    if (cl !== undefined && cl !== directCl) problems.push(`framing: Content-Length ${short(cl)} on a bodiless ${method} ${direct.status}, the upstream said ${directCl === undefined ? 'none' : short(directCl)} (RFC 9110 §8.6)`)
    if (proxied.body.length > 0) problems.push(`body: a ${method} ${direct.status} response must have none, client got ${short(proxied.body)}`)
  } else {
    if (cl !== undefined && Number(cl) !== proxied.body.length) problems.push(`framing: Content-Length ${cl} but ${proxied.body.length} body bytes`)
    if (!proxied.body.equals(direct.body)) problems.push(`body: expected ${direct.body.length} bytes ${short(direct.body)}, client got ${proxied.body.length} bytes ${short(proxied.body)}`)
  }
  if (options.clientVersion !== '1.0') problems.push(...diffFieldLines(pairs(direct.rawTrailers), pairs(proxied.rawTrailers), 'trailer fields'))
  return problems
}

/**
 * The RFC 9110 §5.1/§5.3 view of a field section: names case-insensitive, the order of lines
 * with different names insignificant, the order of lines with the same name kept.
 */
export function byName(lines: Array<[string, string]>): Array<[string, string]> {
  return lines.map(([n, v]) => [n.toLowerCase(), v] as [string, string]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
}

/** Interim (1xx) responses: same codes in the same order, and their end-to-end fields. */
export function compareInterim(direct: ParsedResponse[], proxied: ParsedResponse[]): string[] {
  const codes = (l: ParsedResponse[]) => l.map((r) => r.status).join(', ') || 'none'
  if (codes(direct) !== codes(proxied)) return [`1xx: expected ${codes(direct)}, client got ${codes(proxied)}`]
  const problems: string[] = []
  direct.forEach((d, i) => {
    const keep = ([n]: [string, string]) => !HOP_BY_HOP.has(n.toLowerCase()) && n.toLowerCase() !== 'via' && n.toLowerCase() !== 'content-length'
    problems.push(...diffFieldLines(byName(pairs(d.rawHeaders).filter(keep)), byName(pairs(proxied[i]!.rawHeaders).filter(keep)), `${d.status} fields`))
  })
  return problems
}

export function interimOf(parsed: Parsed): ParsedResponse[] {
  const firstFinal = parsed.all.findIndex((r) => r.status >= 200)
  return parsed.all.slice(0, firstFinal === -1 ? parsed.all.length : firstFinal).filter((r) => r.status < 200)
}
