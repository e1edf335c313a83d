import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inRouteCode } from '../../src/hooks/route-code-watch.js'
import { request, startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'

/**
 * Every way into route code is marked for the watchdog (issue 27 item 9): a synchronous call
 * that never returned from any of them would freeze the proxy unnoticed. Each function below
 * records whether it runs inside a mark; after an `await` it no longer does (the watchdog's
 * stall rule covers that part: the CLI test test/cli/stuck-route-code.test.ts).
 */
describe('the marks around route code', () => {
  let upstream: TestUpstream
  let proxy: TestProxy
  const seen: Array<[string, boolean]> = []
  const note = (where: string) => seen.push([where, inRouteCode()])

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      if (req.url === '/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.end('data: one\n\n')
      } else res.end('plain body')
    })
    proxy = await startTestProxy({
      routes: [
        {
          name: 'all',
          path: '/all',
          target: () => {
            note('target')
            return upstream.url
          },
          retry: () => {
            note('retry')
            return { attempts: 1 }
          },
          stripPrefix: true,
          onRequest() {
            note('onRequest')
          },
          async onResponse() {
            note('onResponse')
            await null
            note('onResponse after await')
          },
          transform: {
            chunk: (chunk) => {
              note('transform.chunk')
              return chunk
            },
            end: () => {
              note('transform.end')
            },
          },
        },
        {
          name: 'events',
          path: '/events',
          target: upstream.url,
          transform: {
            event: (event) => {
              note('transform.event')
              return event
            },
          },
        },
        {
          name: 'mocked',
          path: '/mocked',
          mock: {
            respond: () => {
              note('mock[0].respond')
              return { json: { ok: true } }
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

  it('onRequest, onResponse, target, retry, transform.chunk/end, transform.event and a mock\'s respond each run inside a mark', async () => {
    expect((await request(`${proxy.url}/all/x`)).body.toString()).toBe('plain body')
    expect((await request(`${proxy.url}/events`)).body.toString()).toBe('data: one\n\n')
    expect((await request(`${proxy.url}/mocked`)).json()).toEqual({ ok: true })
    expect(Object.fromEntries(seen)).toEqual({
      target: true,
      retry: true,
      onRequest: true,
      onResponse: true,
      'onResponse after await': false,
      'transform.chunk': true,
      'transform.end': true,
      'transform.event': true,
      'mock[0].respond': true,
    })
    expect(inRouteCode()).toBe(false)
  })
})
