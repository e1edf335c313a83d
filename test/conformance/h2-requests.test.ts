/**
 * HTTP/2 requests written frame by frame (h2-raw.ts), as strict as HTTP/1.1 (RFC 9113).
 *
 * Judged by the RFC and compared where a comparison means something: a Node `http2` server
 * reached directly (the reference for what an HTTP/2 origin receives: method and path as sent),
 * and the recording HTTP/1.1 upstream behind devproxy (what was forwarded). For malformed fields
 * the direct Node server is no reference — nghttp2, as Node drives it, drops them silently — so
 * RFC 9113 §8.1.1 is: a malformed request is a stream error PROTOCOL_ERROR and is never forwarded.
 *
 * After each refusal the same connection serves a valid request: refusing must keep both sides'
 * HPACK tables in step (RFC 7541 §2.2).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import http2 from 'node:http2'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestProxy, type TestProxy } from '../helpers/servers.js'
import { connectH2, FRAME, FLAG, frame, headerBlock, indexed, literal, requestFields, SETTING, type H2Connection } from './h2-raw.js'
import { show, startRecordingUpstream, type RecordingUpstream } from './kit.js'

let caDir: string
let ca: Buffer
let upstream: RecordingUpstream
let proxy: TestProxy
/** What the proxy would print about refused streams (start prints these notices). */
const notices: string[] = []
/** A Node http2 server reached directly: what an HTTP/2 origin receives. */
let direct: { port: number; seen: Array<Record<string, string | string[] | undefined>>; close(): Promise<void> }
let directCa: Buffer

beforeAll(async () => {
  caDir = await mkdtemp(path.join(tmpdir(), 'devproxy-h2-ca-'))
  upstream = await startRecordingUpstream()
  proxy = await startTestProxy(
    {
      https: true,
      routes: [
        { path: '/only-get', target: upstream.url, methods: ['GET'] },
        { path: '/', target: upstream.url },
      ],
    },
    { caDir, onNotice: (notice) => notices.push(`${notice.message} | ${notice.hint}`) },
  )
  ca = await readFile(path.join(caDir, 'ca.pem'))
  const fixtures = new URL('../fixtures/tls/', import.meta.url)
  const [key, cert] = await Promise.all([readFile(new URL('localhost-key.pem', fixtures)), readFile(new URL('localhost.pem', fixtures))])
  directCa = await readFile(new URL('ca.pem', fixtures))
  const seen: Array<Record<string, string | string[] | undefined>> = []
  const server = http2.createSecureServer({ key, cert })
  server.on('stream', (stream, headers) => {
    seen.push({ ...headers })
    stream.respond({ ':status': 200 })
    stream.end('direct')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  direct = { port: (server.address() as { port: number }).port, seen, close: () => new Promise((resolve) => server.close(() => resolve())) }
})

afterAll(async () => {
  await proxy.close(0)
  await upstream.close()
  await direct.close()
  await rm(caDir, { recursive: true, force: true })
})

let nextStream = 1
/** Stream ids go up by two on a connection (RFC 9113 §5.1.1); each test opens its own connection. */
const open = async (settings?: ReadonlyArray<readonly [number, number]>) => {
  nextStream = 1
  return connectH2(proxy.port, { ca, settings })
}
const send = (connection: H2Connection, block: Buffer, options?: Parameters<H2Connection['request']>[2]) => {
  const id = nextStream
  nextStream += 2
  connection.request(id, block, options)
  return connection.outcome(id)
}
/** A valid request on the same connection still gets through, with its field intact. */
const stillServes = async (connection: H2Connection) => {
  const before = upstream.requests.length
  const outcome = await send(connection, headerBlock([...requestFields('/after'), ['x-after', 'ok']]))
  expect(outcome.status, `after the refusal: ${outcome.reset ?? outcome.connectionError ?? ''}`).toBe(200)
  expect(upstream.requests.slice(before).map((r) => r.url)).toEqual(['/after'])
}

describe('RFC 9113 §8.2.1 + §8.1.1: a malformed field refuses the stream (PROTOCOL_ERROR); nothing is forwarded, nothing dropped', () => {
  const malformed: Array<{ title: string; field: [string, string] }> = [
    { title: 'a CR in a value', field: ['x-a', 'a\rb'] },
    { title: 'a LF in a value', field: ['x-a', 'a\nb'] },
    { title: 'a NUL in a value', field: ['x-a', 'a\0b'] },
    { title: 'a value with leading whitespace', field: ['x-a', ' ab'] },
    { title: 'a value with trailing whitespace', field: ['x-a', 'ab '] },
    { title: 'a value with a leading HTAB', field: ['x-a', '\tab'] },
    { title: 'a value with a control character (0x01)', field: ['x-a', 'a\x01b'] },
    { title: 'a value with DEL (0x7f)', field: ['x-a', 'a\x7fb'] },
    { title: 'a name with a colon', field: ['x:a', 'v'] },
    { title: 'a name with a space', field: ['x a', 'v'] },
    { title: 'a name in upper case', field: ['X-A', 'v'] },
    { title: 'an empty name', field: ['', 'v'] },
    { title: 'a name that is no token ("x(a)")', field: ['x(a)', 'v'] },
    { title: 'a name with a byte over 0x7f', field: ['x\xffa', 'v'] },
  ]
  it.for(malformed)('$title', async ({ field }) => {
    const connection = await open()
    try {
      const before = upstream.raw().length
      const outcome = await send(connection, headerBlock([...requestFields('/malformed'), field]))
      expect(outcome.reset, `status ${outcome.status}; upstream got ${show(upstream.raw().subarray(before), 300)}`).toBe('PROTOCOL_ERROR')
      expect(upstream.raw().length - before).toBe(0)
      await stillServes(connection)
    } finally {
      connection.close()
    }
  })

  it('the terminal is told why, naming the field and never its value', async () => {
    const connection = await open()
    try {
      await send(connection, headerBlock([...requestFields('/told'), ['authorization', 'Bearer s3cret\r\n']]))
      const told = notices.find((n) => n.includes('"authorization"'))
      expect(told).toMatch(/HTTP\/2: refused a request from a client at 127\.0\.0\.1: malformed request head: the value of "authorization" has a carriage return \(RFC 9113 §8\.2\.1\)/)
      expect(notices.join('\n')).not.toContain('s3cret')
    } finally {
      connection.close()
    }
  })

  it('RFC 7541 §2.3.2: a refused request that added fields to the table leaves both tables in step; a malformed field taken from the table again is refused again', async () => {
    const connection = await open()
    try {
      // Newest entry first: 62 = x-bad (malformed), 63 = x-kept.
      const refused = await send(connection, Buffer.concat([headerBlock(requestFields('/adds')), literal('x-kept', 'yes', 'incremental'), literal('x-bad', 'a\rb', 'incremental')]))
      expect(refused.reset).toBe('PROTOCOL_ERROR')
      const before = upstream.requests.length
      const kept = await send(connection, Buffer.concat([headerBlock(requestFields('/indexed-good')), indexed(63)]))
      expect(kept.status).toBe(200)
      const forwarded = upstream.requests.slice(before)
      expect(forwarded.map((r) => r.url)).toEqual(['/indexed-good'])
      expect(forwarded[0]!.rawHeaders).toContain('x-kept')
      const again = await send(connection, Buffer.concat([headerBlock(requestFields('/indexed-bad')), indexed(62)]))
      expect(again.reset).toBe('PROTOCOL_ERROR')
      await stillServes(connection)
    } finally {
      connection.close()
    }
  })

  it('a malformed field in a HEADERS frame already at the maximum frame size is still refused (the block is split, not overflowed)', async () => {
    const connection = await open()
    try {
      // Pad with a valid field so the block fills the 16,384-byte frame exactly.
      const blockWith = (filler: number) => Buffer.concat([headerBlock(requestFields('/full-frame')), literal('x-fill', 'f'.repeat(filler)), literal('x-a', 'a\rb')])
      let filler = 16_000
      filler -= blockWith(filler).length - 16_384
      const block = blockWith(filler)
      expect(block.length).toBe(16_384)
      const outcome = await send(connection, block)
      expect(outcome.reset).toBe('PROTOCOL_ERROR')
      expect(connection.goaway()).toBeUndefined()
      await stillServes(connection)
    } finally {
      connection.close()
    }
  })
})

describe('RFC 9113 §6.5.2 + §10.5.1: the head limit (16 KiB, as HTTP/1.1) and the stream limit, advertised and kept', () => {
  it('SETTINGS advertise MAX_HEADER_LIST_SIZE 16384 and MAX_CONCURRENT_STREAMS 100', async () => {
    const connection = await open()
    try {
      expect(connection.settings.get(SETTING.MAX_HEADER_LIST_SIZE)).toBe(16_384)
      expect(connection.settings.get(SETTING.MAX_CONCURRENT_STREAMS)).toBe(100)
    } finally {
      connection.close()
    }
  })

  it('HPACK amplification — one 4,000-byte field referenced 2,000 times (8 MB from 6 KB) — is answered 431 and nothing reaches the upstream', async () => {
    const connection = await open()
    try {
      const before = upstream.raw().length
      const block = Buffer.concat([headerBlock(requestFields('/amplified')), literal('x-big', 'x'.repeat(4_000), 'incremental'), ...Array.from({ length: 2_000 }, () => indexed(62))])
      expect(block.length).toBeLessThan(7_000)
      const outcome = await send(connection, block)
      expect(outcome.status).toBe(431)
      expect(outcome.headers).toContainEqual({ name: 'x-devproxy-error', value: 'request_header_fields_too_large' })
      expect(upstream.raw().length - before).toBe(0)
      await stillServes(connection)
    } finally {
      connection.close()
    }
  })

  it('a head just under 16 KiB is forwarded whole; one just over is 431', async () => {
    const connection = await open()
    try {
      const pseudo = requestFields('/near-limit')
      const pseudoBytes = pseudo.reduce((sum, [name, value]) => sum + name.length + value.length + 32, 0)
      const fits = 16_384 - pseudoBytes - ('x-fill'.length + 32)
      const before = upstream.requests.length
      const under = await send(connection, headerBlock([...pseudo, ['x-fill', 'f'.repeat(fits)]]))
      expect(under.status).toBe(200)
      const forwarded = upstream.requests.slice(before)
      expect(forwarded[0]!.rawHeaders[forwarded[0]!.rawHeaders.indexOf('x-fill') + 1]).toHaveLength(fits)
      const over = await send(connection, headerBlock([...pseudo, ['x-fill', 'f'.repeat(fits + 1)]]))
      expect(over.status).toBe(431)
      expect(upstream.requests.length - before).toBe(1)
    } finally {
      connection.close()
    }
  })

  it('a raw client that opens a 101st stream after acknowledging the limit loses the connection (nghttp2 makes the stream error a connection error, §5.4.1); nothing of stream 101 reaches the upstream', async () => {
    const connection = await open()
    try {
      const ids: number[] = []
      for (let i = 0; i < 101; i++) {
        ids.push(nextStream)
        connection.request(nextStream, headerBlock(requestFields(`/concurrent/${i}`, 'localhost', 'POST')), { endStream: false })
        nextStream += 2
      }
      const refused = await connection.outcome(ids[100]!)
      expect(refused.status).toBeUndefined()
      expect(refused.reset ?? refused.connectionError).toBeDefined()
      expect(upstream.requests.map((r) => r.url)).not.toContain('/concurrent/100')
    } finally {
      connection.close()
    }
  })

  it('a raw client that keeps to 100 open streams gets all 100 answered', async () => {
    const connection = await open()
    try {
      const ids: number[] = []
      for (let i = 0; i < 100; i++) {
        ids.push(nextStream)
        connection.request(nextStream, headerBlock(requestFields(`/within/${i}`, 'localhost', 'POST')), { endStream: false })
        nextStream += 2
      }
      for (const id of ids) connection.send(frame(FRAME.DATA, FLAG.END_STREAM, id))
      const outcomes = await Promise.all(ids.map((id) => connection.outcome(id)))
      expect(outcomes.map((o) => o.status)).toEqual(Array.from({ length: 100 }, () => 200))
    } finally {
      connection.close()
    }
  })

  it("Node's http2 client opening 150 requests at once on one session gets 150 answers (it queues at the advertised limit)", async () => {
    const session = http2.connect(`https://localhost:${proxy.port}`, { ca })
    try {
      const statuses = await Promise.all(
        Array.from(
          { length: 150 },
          (_, i) =>
            new Promise<number | string>((resolve) => {
              const req = session.request({ ':path': `/node-client/${i}` })
              req.on('response', (headers) => resolve(headers[':status'] as number))
              req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
              req.resume()
              req.end()
            }),
        ),
      )
      expect(statuses.filter((s) => s !== 200)).toEqual([])
    } finally {
      session.close()
    }
  })
})

describe('RFC 9113 §8.3.1 + RFC 9110: translating the request to HTTP/1.1', () => {
  it('§8.3.1: :authority and Host that differ → 400, nothing forwarded', async () => {
    const connection = await open()
    try {
      const before = upstream.raw().length
      const outcome = await send(connection, headerBlock([...requestFields('/two-authorities'), ['host', 'other.localhost']]))
      expect(outcome.status).toBe(400)
      expect(JSON.parse(outcome.body.toString()).error.message).toMatch(/differs from its :authority/)
      expect(upstream.raw().length - before).toBe(0)
    } finally {
      connection.close()
    }
  })

  it('§8.3.1: :authority and Host that agree (whatever the case) are one host', async () => {
    const connection = await open()
    try {
      const outcome = await send(connection, headerBlock([...requestFields('/same-authority'), ['host', 'LocalHost']]))
      expect(outcome.status).toBe(200)
    } finally {
      connection.close()
    }
  })

  it('RFC 9110 §4.2.4: an :authority with userinfo (evil@localhost) → 400, nothing forwarded', async () => {
    const connection = await open()
    try {
      const before = upstream.raw().length
      const outcome = await send(connection, headerBlock(requestFields('/userinfo', 'evil@localhost')))
      expect(outcome.status).toBe(400)
      expect(upstream.raw().length - before).toBe(0)
    } finally {
      connection.close()
    }
  })

  it('RFC 3986 §3.2.2: a Host (no :authority) that is no host name → 400, nothing forwarded', async () => {
    const connection = await open()
    try {
      const before = upstream.raw().length
      const fields: Array<[string, string]> = [[':method', 'GET'], [':scheme', 'https'], [':path', '/bad-host'], ['host', 'evil"><img src=x>']]
      const outcome = await send(connection, headerBlock(fields))
      // nghttp2 refuses some such characters itself (RST_STREAM PROTOCOL_ERROR); the rest get 400.
      expect(outcome.status === 400 || outcome.reset === 'PROTOCOL_ERROR', `status ${outcome.status}, reset ${outcome.reset}`).toBe(true)
      expect(upstream.raw().length - before).toBe(0)
    } finally {
      connection.close()
    }
  })

  it('§8.3.1: a :path with a fragment → 400, nothing forwarded', async () => {
    const connection = await open()
    try {
      const before = upstream.raw().length
      const outcome = await send(connection, headerBlock(requestFields('/page#section')))
      expect(outcome.status).toBe(400)
      expect(upstream.raw().length - before).toBe(0)
    } finally {
      connection.close()
    }
  })

  it('RFC 9110 §9.1: the method is case-sensitive: `get` is forwarded as `get`, as an HTTP/2 origin reached directly receives it', async () => {
    const straight = await connectH2(direct.port, { ca: directCa })
    try {
      straight.request(1, headerBlock(requestFields('/lower', 'localhost', 'get')))
      expect((await straight.outcome(1)).status).toBe(200)
    } finally {
      straight.close()
    }
    const connection = await open()
    try {
      await send(connection, headerBlock(requestFields('/lower', 'localhost', 'get')))
      expect(direct.seen.at(-1)![':method']).toBe('get')
      // (The recording upstream's own parser refuses a method it does not know; its bytes show what came.)
      expect(upstream.raw().toString('latin1')).toContain('get /lower HTTP/1.1\r\n')
    } finally {
      connection.close()
    }
  })

  it("RFC 9110 §9.1: a route's methods match exactly: `get` is not taken by a GET-only route", async () => {
    const connection = await open()
    try {
      const outcome = await send(connection, headerBlock(requestFields('/only-get/x', 'localhost', 'get')))
      // The catch-all route takes it (and its upstream refuses a method it does not know).
      expect(outcome.status).not.toBe(200)
      const tx = proxy.transactions.findLast((t) => t.url === '/only-get/x')
      expect(tx?.route).toBe('root')
    } finally {
      connection.close()
    }
  })
})
