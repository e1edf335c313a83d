import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request, startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'
import { deferred, within, type Deferred } from '../helpers/wait.js'

/**
 * Route transforms over real sockets: a text/event-stream body changed event by event
 * (WHATWG HTML §9.2), any other body chunk by chunk, neither ever held back whole. The changed
 * body has a new length, so it goes out chunked (RFC 9112 §7.1), never with the upstream's
 * Content-Length.
 */
describe('transform', () => {
  let upstream: TestUpstream
  let proxy: TestProxy
  let secondEvent: Deferred<void>
  beforeAll(async () => {
    upstream = await startUpstream(async (req, res) => {
      if (req.url?.startsWith('/events')) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
        res.write('data: {"token":"Hel"}\n\n')
        await secondEvent.promise
        res.write(': keepalive\n\nevent: heartbeat\ndata: \n\ndata: {"token":"lo"}\nid: 2\n\n')
        res.end()
      } else if (req.url === '/text') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '11' })
        res.end('hello world')
      } else {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write('data: one\n\n')
        res.end('data: two\n\n')
      }
    })
    proxy = await startTestProxy({
      routes: [
        {
          name: 'events',
          path: '/events',
          target: upstream.url,
          transform: {
            event: (event) => (event.event === 'heartbeat' ? null : { ...event, data: event.data.toUpperCase() }),
            end: () => [{ event: 'done', data: '{"by":"devproxy"}' }],
          },
        },
        { name: 'text', path: '/text', target: upstream.url, transform: { chunk: (chunk) => new TextDecoder().decode(chunk).toUpperCase() } },
        {
          name: 'broken',
          path: '/broken',
          target: upstream.url,
          transform: {
            event: (event) => {
              if (event.data === 'two') throw new Error('cannot handle two')
              return event
            },
          },
        },
      ],
    })
  })
  afterAll(async () => {
    await proxy.close()
    await upstream.close()
  })

  it('changes each server-sent event as it arrives, drops the ones it returns null for, and appends end()\'s events', async () => {
    secondEvent = deferred()
    const received: string[] = []
    const firstSeen = deferred()
    const done = deferred()
    http.get(`${proxy.url}/events`, (res) => {
      expect(res.headers['content-length']).toBeUndefined()
      res.setEncoding('utf8')
      res.on('data', (text: string) => {
        received.push(text)
        if (received.length === 1) firstSeen.resolve()
      })
      res.on('end', () => done.resolve())
    })
    // The first event reaches the client while the upstream still holds the second: nothing is buffered.
    await within(5_000, firstSeen.promise, 'the first transformed event')
    expect(received.join('')).toBe('data: {"TOKEN":"HEL"}\n\n')
    secondEvent.resolve()
    await within(5_000, done.promise, 'the end of the stream')
    expect(received.join('')).toBe('data: {"TOKEN":"HEL"}\n\n: keepalive\n\ndata: {"TOKEN":"LO"}\nid: 2\n\nevent: done\ndata: {"by":"devproxy"}\n\n')
    const tx = await within(5_000, waitFor(proxy, '/events'), 'the transaction')
    expect(tx.hooked).toBe(true)
    expect(tx.ending).toBe('completed')
  })

  it('changes any other body chunk by chunk; the upstream\'s Content-Length is not passed on', async () => {
    const response = await request(`${proxy.url}/text`)
    expect(response.body.toString()).toBe('HELLO WORLD')
    expect(response.headers['content-length']).toBeUndefined()
    expect(response.headers['transfer-encoding']).toBe('chunked')
  })

  it('a transform that throws mid-stream cuts the client connection (a body never passes for complete) and says why', async () => {
    const outcome = await new Promise<{ body: string; aborted: boolean }>((resolve) => {
      http.get(`${proxy.url}/broken`, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (text: string) => (body += text))
        res.on('end', () => resolve({ body, aborted: false }))
        res.on('error', () => resolve({ body, aborted: true }))
        res.on('aborted', () => resolve({ body, aborted: true }))
      })
    })
    expect(outcome).toEqual({ body: 'data: one\n\n', aborted: true })
    const tx = await within(5_000, waitFor(proxy, '/broken'), 'the transaction')
    expect(tx.error?.type).toBe('hook_error')
    expect(tx.error?.message).toContain('cannot handle two')
    expect(tx.ending).toBe('upstream-aborted')
  })
})

async function waitFor(proxy: TestProxy, url: string) {
  for (;;) {
    const tx = proxy.transactions.find((t) => t.url === url)
    if (tx) return tx
    await proxy.nextTransaction()
  }
}
