import { mkdtemp, readFile, rm } from 'node:fs/promises'
import http from 'node:http'
import http2 from 'node:http2'
import https from 'node:https'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatTransactionLine } from '../../src/log/format-line.js'
import { createMetrics } from '../../src/metrics/route-metrics.js'
import { plainPalette } from '../../src/terminal/palette.js'
import { startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'
import { deferred, within, type Deferred } from '../helpers/wait.js'

/**
 * A client that gives up while a latency fault holds its request is reported the same way on
 * every listener: ending `client-aborted`, no status, no error, `[client aborted]` in the log,
 * status class `none` in the metrics. Over HTTP/1.1 it closes the connection; over HTTP/2 it
 * cancels the stream with RST_STREAM CANCEL (RFC 9113 §8.7), which must not read as a response
 * completed.
 */
let upstream: TestUpstream
let caDir: string
let ca: Buffer
let proxy: TestProxy
let arrived: Deferred<void>
const metrics = createMetrics()

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => res.end('never reached'))
  caDir = await mkdtemp(path.join(tmpdir(), 'devproxy-abort-ca-'))
  arrived = deferred()
  // `https: { port }` serves HTTPS (h2 and http/1.1 by ALPN) beside plain HTTP: every listener, one proxy.
  proxy = await startTestProxy(
    {
      https: { port: 0 },
      // onRequest tells the test the request is in the proxy; the latency fault then holds it.
      routes: [{ path: '/', target: upstream.url, onRequest: () => arrived.resolve() }],
      faults: [{ kind: 'latency', latencyMs: [10_000, 10_000] }],
    },
    { caDir, sinks: [metrics.sink] },
  )
  ca = await readFile(path.join(caDir, 'ca.pem'))
})

afterAll(async () => {
  await proxy.close(0)
  await upstream.close()
  await rm(caDir, { recursive: true, force: true })
})

/** Sends a request, and once the proxy holds it, gives up on it the way `abandon` says. */
async function abandonHeld(send: () => () => void): Promise<void> {
  arrived = deferred()
  const abandon = send()
  await within(5_000, arrived.promise, 'the request reaching the proxy')
  abandon()
}

const ABANDON: Record<string, () => () => void> = {
  'HTTP/1.1': () => {
    const req = http.get(`http://127.0.0.1:${proxy.port}/held`, { agent: false })
    req.on('error', () => {})
    return () => req.destroy()
  },
  'HTTP/1.1 over TLS': () => {
    const req = https.get({ host: '127.0.0.1', port: proxy.httpsPort, servername: 'localhost', path: '/held', ca, agent: false, ALPNProtocols: ['http/1.1'] } as https.RequestOptions)
    req.on('error', () => {})
    return () => req.destroy()
  },
  'HTTP/2 (RST_STREAM CANCEL)': () => {
    const session = http2.connect(`https://localhost:${proxy.httpsPort}`, { ca })
    session.on('error', () => {})
    const stream = session.request({ ':path': '/held' })
    stream.on('error', () => {})
    stream.end()
    return () => {
      stream.close(http2.constants.NGHTTP2_CANCEL)
      stream.once('close', () => session.close())
    }
  },
}

describe('a client that abandons a request a latency fault holds', () => {
  it.each(Object.keys(ABANDON))('%s: client-aborted, no status, no error; logged and counted so', async (listener) => {
    const finished = proxy.nextTransaction()
    await abandonHeld(ABANDON[listener]!)
    const tx = await within(5_000, finished, 'the abandoned transaction')
    expect({ ending: tx.ending, status: tx.status, error: tx.error, faults: tx.faults }).toEqual({ ending: 'client-aborted', status: undefined, error: undefined, faults: ['latency 10000ms'] })
    expect(formatTransactionLine(tx, plainPalette)).toMatch(/ --- \d+(\.\d)?ms 0 B( h2)? .*\[client aborted\]$/)
  })

  it('every one counted under status class none, none as completed', () => {
    expect(metrics.snapshot().routes[0]!.statusClasses).toEqual({ none: 3 })
  })
})
