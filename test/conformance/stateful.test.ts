/**
 * The cases that need a conversation rather than one write: a smuggling payload followed by a
 * second request on the same connection, an upstream that answers before it has read the body,
 * and `Expect: 100-continue` decided by the upstream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { describe, it } from 'vitest'
import { startTestProxy } from '../helpers/servers.js'
import {
  IDLE_MS,
  RawClient,
  answerForTarget,
  fieldValue,
  interimOf,
  short,
  show,
  startRawUpstream,
  startRecordingUpstream,
  type RawExchange,
  type RecordingUpstream,
  type SeenRequest,
} from './kit.js'

const H = 'Host: example.test\r\n'
const SMUGGLED = `GET /smuggled HTTP/1.1\r\n${H}\r\n`

// ─── a request inside a body, then a second request ─────────────────────────────────────────
/**
 * An upstream that answers `/first` only after IDLE_MS and notes, for each request, which
 * others were still unanswered when it arrived: a proxy that works on pipelined requests in
 * parallel shows it deterministically.
 */
async function holdingUpstream() {
  const unanswered = new Set<string>()
  const concurrent = new Map<string, string[]>()
  const upstream = await startRecordingUpstream((req, res) => {
    const url = req.url ?? ''
    concurrent.set(url, [...unanswered])
    unanswered.add(url)
    req.on('end', () => {
      const answer = () => {
        unanswered.delete(url)
        const body = `answer for ${url}`
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(body.length) })
        res.end(body)
      }
      if (url === '/first') setTimeout(answer, IDLE_MS)
      else answer()
    })
  })
  return Object.assign(upstream, { concurrent })
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

describe.concurrent('RFC 9112 §6.3 (6) + §9.3.2: a Content-Length body that is itself a request is data, never a request', () => {
  const cases = ['DELETE', 'OPTIONS', 'GET', 'HEAD'].flatMap((method) =>
    (['after the first answer', 'pipelined'] as const).map((mode) => ({ method, mode })),
  )
  it.for(cases)('RFC 9112 §6.3 (6): $method whose Content-Length body is "GET /smuggled …", then GET /second on the same connection ($mode)', async ({ method, mode }, { expect, onTestFinished }) => {
    const first = `${method} /first HTTP/1.1\r\n${H}Content-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`
    const second = `GET /second HTTP/1.1\r\n${H}\r\n`
    const methods = [method, 'GET']

    const talk = async (port: number) => {
      const client = await RawClient.connect(port)
      try {
        if (mode === 'pipelined') {
          client.write(first + second)
        } else {
          client.write(first)
          await client.waitForFinals(1, methods)
          client.write(second)
        }
        await client.waitForFinals(2, methods)
        await client.settle()
        return client.parsed(methods)
      } finally {
        client.destroy()
      }
    }

    const direct = await holdingUpstream()
    const behind = await holdingUpstream()
    const proxy = await startTestProxy({ routes: [{ path: '/', target: behind.url }] })
    onTestFinished(async () => {
      await proxy.close(0)
      await Promise.all([direct.close(), behind.close()])
    })

    // Safe methods may be worked on in parallel, so they may reach the upstream in either order.
    const inOrder = (list: string[]) => (SAFE.has(method) ? [...list].sort() : list)
    const want = inOrder([`${method} /first ${JSON.stringify(SMUGGLED)}`, 'GET /second ""'])
    const seen = (u: RecordingUpstream) => inOrder(u.requests.map((r) => `${r.method} ${r.url} ${JSON.stringify(r.body.toString('latin1'))}`))
    // The oracle: straight to the upstream, the client framed exactly these two requests.
    const straight = await talk(direct.port)
    expect([...seen(direct)].sort(), 'oracle: the upstream parsing the bytes directly').toEqual([...want].sort())
    expect(straight.finals.map((f) => f.status)).toEqual([200, 200])

    const relayed = await talk(proxy.port)
    const answers = relayed.finals.map((f) => `${f.status} ${f.body.toString('latin1')}`)
    const wantAnswers = [`200 ${method === 'HEAD' ? '' : 'answer for /first'}`, '200 answer for /second']
    // Responses in request order always; requests worked on in parallel only when all are safe.
    const overlapped = behind.concurrent.get('/second') ?? []
    expect({
      upstream: seen(behind),
      client: answers,
      '/second forwarded while these were unanswered': SAFE.has(method) ? [] : overlapped,
    }).toEqual({ upstream: want, client: wantAnswers, '/second forwarded while these were unanswered': [] })
  })
})

// ─── early responses (RFC 9110 §10.1.1 / §15.5.14, RFC 9112 §9.6) ───────────────────────────
describe('an upstream that answers before reading the whole body', () => {
  const SIZE = 2 * 1024 * 1024

  /** 401/413 at once for /upload (not reading the body), a normal answer for anything else. */
  function earlyHandler(status: number, close: boolean) {
    return (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => {
      if (req.url !== '/upload') return answerForTarget(req, res, seen)
      const body = status === 401 ? 'log in first' : 'too large'
      res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': String(body.length), ...(close ? { Connection: 'close' } : {}) })
      res.end(body)
    }
  }

  async function rig(status: number, close: boolean) {
    const upstream = await startRecordingUpstream(earlyHandler(status, close))
    const proxy = await startTestProxy({ routes: [{ path: '/', target: upstream.url, maxRequestBodyBytes: 8 * SIZE }] })
    return { upstream, proxy, close: async () => (await proxy.close(0), await upstream.close()) }
  }

  it('RFC 9110 §15.5.2 + RFC 9112 §9.6: an early 401 reaches the client; the client leaves mid-body; the upstream socket is released (zero open)', async ({ expect, onTestFinished }) => {
    const { upstream, proxy, close } = await rig(401, false)
    onTestFinished(close)
    const client = await RawClient.connect(proxy.port)
    client.write(`POST /upload HTTP/1.1\r\n${H}Content-Type: application/octet-stream\r\nContent-Length: ${SIZE}\r\n\r\n`)
    client.write(Buffer.alloc(64 * 1024, 'x'))
    await client.waitForFinals(1, ['POST'])
    const answer = client.parsed(['POST']).finals[0]
    expect(answer ? `${answer.status} ${answer.body.toString('latin1')}` : `no response: ${show(client.bytes)} ${client.errorCode ?? ''}`).toBe('401 log in first')

    client.destroy()
    const released = await upstream.waitForOpenSockets(0)
    expect(released ? 0 : upstream.openSockets(), 'upstream sockets still open after the client left').toBe(0)
  })

  for (const [status, close] of [
    [413, true],
    [401, false],
  ] as const) {
    it(`RFC 9110 §10.1.1 + RFC 9112 §9.6: an early ${status}${close ? ' with Connection: close' : ' (keep-alive)'} while the client sends all ${SIZE / 1024 / 1024} MiB: it gets the answer, then its connection is closed or drained; no upstream socket hangs mid-body`, async ({ expect, onTestFinished }) => {
      const { upstream, proxy, close: stop } = await rig(status, close)
      onTestFinished(stop)
      const client = await RawClient.connect(proxy.port)
      // Everything at once, as curl would: the head, then the body as fast as the socket takes it.
      client.write(`POST /upload HTTP/1.1\r\n${H}Content-Type: application/octet-stream\r\nContent-Length: ${SIZE}\r\n\r\n`)
      client.write(Buffer.alloc(SIZE, 'y'))
      await client.waitForFinals(1, ['POST'])
      const answer = client.parsed(['POST']).finals[0]
      expect(answer ? answer.status : `no response (${client.errorCode ?? 'closed'}): ${show(client.bytes)}`).toBe(status)

      // Closed, or still usable: the rest of the body is read and discarded, the next request is answered.
      const closed = await client.settle()
      if (!closed) {
        client.write(`GET /after HTTP/1.1\r\n${H}\r\n`)
        await client.waitForFinals(2, ['POST', 'GET'])
        const after = client.parsed(['POST', 'GET']).finals[1]
        expect(after ? `${after.status} ${after.body.toString('latin1')}` : `neither closed nor answering: ${client.closed ? 'closed later' : 'still open'}, got ${show(client.bytes.subarray(-200))}`, 'the connection stayed open, so it must have been drained').toBe(
          '200 answer for /after',
        )
      }
      client.destroy()
      // No upstream connection may be left holding an upload that will never complete.
      const freed = await upstream.waitForNoStuckSockets()
      expect(freed ? 0 : upstream.stuckSockets(), 'upstream sockets left waiting for the rest of a body').toBe(0)
    })
  }
})

// ─── Expect: 100-continue decided by the upstream (RFC 9110 §10.1.1, §15.2.1) ───────────────
describe('Expect: 100-continue goes to the upstream, which decides', () => {
  const head = `POST /expect HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\n`

  it('RFC 9110 §10.1.1 + §15.2.1: the upstream gets Expect; its 100 is relayed, and only then does the client send the body', async ({ expect, onTestFinished }) => {
    const exchanges: RawExchange[] = []
    const upstream = await startRawUpstream((exchange) => exchanges.push(exchange))
    const proxy = await startTestProxy({ routes: [{ path: '/', target: upstream.url }] })
    onTestFinished(async () => (await proxy.close(0), await upstream.close()))

    const client = await RawClient.connect(proxy.port)
    client.write(head)
    expect(await upstream.waitFor(() => exchanges.length > 0), 'the request head reaching the upstream').toBe(true)
    const { socket, request } = exchanges[0]!
    expect(fieldValue(request.rawHeaders, 'expect'), `upstream got: ${short(request.head, 400)}`).toBe('100-continue')
    // Nothing may reach the client before the upstream decided (a proxy's own 100 would).
    await client.settle(IDLE_MS)
    expect(show(client.bytes), 'the client got something before the upstream answered the expectation').toBe('""')

    socket.write('HTTP/1.1 100 Continue\r\n\r\n')
    expect(await client.waitFor(() => client.bytes.includes('\r\n\r\n')), 'the relayed 100').toBe(true)
    expect(interimOf(client.parsed(['POST'])).map((r) => r.status)).toEqual([100])

    client.write('hello world')
    expect(await upstream.waitFor(() => request.body.length >= 11), 'the body reaching the upstream').toBe(true)
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\naccepted')
    await client.waitForFinals(1, ['POST'])
    const parsed = client.parsed(['POST'])
    expect({
      interim: interimOf(parsed).map((r) => r.status),
      final: parsed.finals.map((f) => `${f.status} ${f.body.toString('latin1')}`),
      upstreamBody: request.body.toString('latin1'),
    }).toEqual({ interim: [100], final: ['200 accepted'], upstreamBody: 'hello world' })
    client.destroy()
  })

  for (const close of [true, false]) {
    it(`RFC 9110 §10.1.1: the upstream refuses the expectation with 401${close ? ' and closes' : ' (keep-alive)'}: the client gets the 401, no 100, and the body is never forwarded`, async ({ expect, onTestFinished }) => {
      const exchanges: RawExchange[] = []
      const upstream = await startRawUpstream((exchange) => {
        exchanges.push(exchange)
        exchange.socket.write(`HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\n${close ? 'Connection: close\r\n' : ''}Content-Length: 4\r\n\r\nnope`)
        if (close) exchange.socket.end()
      })
      const proxy = await startTestProxy({ routes: [{ path: '/', target: upstream.url }] })
      onTestFinished(async () => (await proxy.close(0), await upstream.close()))

      // A real client: sends the body only if told to continue.
      const client = await RawClient.connect(proxy.port)
      client.write(head)
      await client.waitFor(() => client.parsed(['POST']).all.length > 0)
      const firstResponse = client.parsed(['POST']).all[0]
      if (firstResponse?.status === 100) client.write('hello world')
      await client.waitForFinals(1, ['POST'])
      await client.settle()
      const parsed = client.parsed(['POST'])
      const bodyBytes = exchanges.reduce((n, e) => n + e.request.body.length, 0)
      expect({
        expectForwarded: exchanges[0] ? fieldValue(exchanges[0].request.rawHeaders, 'expect') : 'no request upstream',
        interim: interimOf(parsed).map((r) => r.status),
        final: parsed.finals.map((f) => `${f.status} ${f.body.toString('latin1')}`),
        bodyBytesUpstream: bodyBytes,
      }).toEqual({ expectForwarded: '100-continue', interim: [], final: ['401 nope'], bodyBytesUpstream: 0 })
      client.destroy()
    })
  }
})

// ─── a head that never completes (RFC 9110 §15.5.9) ─────────────────────────────────────────
describe('a request head that never completes', () => {
  it('RFC 9110 §15.5.9: a head still incomplete after the headers timeout → 408, connection closed, nothing forwarded', async ({ expect, onTestFinished }) => {
    const upstream = await startRecordingUpstream()
    const proxy = await startTestProxy({ routes: [{ path: '/', target: upstream.url }] }, { headersTimeoutMs: 400 })
    onTestFinished(async () => (await proxy.close(0), await upstream.close()))

    const client = await RawClient.connect(proxy.port)
    client.write(`GET /slow HTTP/1.1\r\n${H}X-Partial: 1\r\n`)
    await client.waitForFinals(1, ['GET'])
    await client.settle()
    const parsed = client.parsed(['GET'])
    expect({
      statuses: parsed.finals.map((f) => f.status),
      closed: client.closed,
      upstreamBytes: upstream.raw().length,
    }, `client got ${show(client.bytes)}`).toEqual({ statuses: [408], closed: true, upstreamBytes: 0 })
    client.destroy()
  })
})
