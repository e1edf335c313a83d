import { afterEach, describe, expect, it } from 'vitest'
import { startProxy, type StartedProxy } from '../../src/index.js'
import { toTransactionJson } from '../../src/log/format-json.js'
import { echoHandler, request, startUpstream, type TestUpstream } from '../helpers/servers.js'

/** proxy.transactions and proxy.nextTransaction(): what a test asserts on, in the shape of a `--json` line. */
describe('startProxy: transactions', () => {
  const open: Array<StartedProxy | TestUpstream> = []
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close()
  })
  const start = async () => {
    const upstream = await startUpstream(echoHandler)
    open.push(upstream)
    const proxy = await startProxy({ routes: [{ name: 'api', path: '/api', target: upstream.url }] })
    open.push(proxy)
    return proxy
  }

  it('each finished transaction is a --json line: the same fields, in finishing order', async () => {
    const proxy = await start()
    await request(`${proxy.url}/api/orders?page=2`, { method: 'POST', body: '{"n":1}', headers: { 'content-type': 'application/json' } })
    await request(`${proxy.url}/nowhere`)
    const [posted, missed] = proxy.transactions
    expect(proxy.transactions).toHaveLength(2)
    expect(posted).toMatchObject({ method: 'POST', url: '/api/orders?page=2', route: 'api', status: 200, requestBytes: 7, ending: 'completed', error: null })
    expect(missed).toMatchObject({ url: '/nowhere', status: 404, route: null, error: { type: 'no_route' } })
    // Exactly the keys format-json.ts writes: the API adds none and drops none.
    expect(Object.keys(posted!).sort()).toEqual(Object.keys(toTransactionJson(fakeTransaction())).sort())
    proxy.clearTransactions()
    expect(proxy.transactions).toEqual([])
  })

  it('nextTransaction resolves with the next one that matches path and method, each waiter with its own, in finishing order', async () => {
    const proxy = await start()
    const order: string[] = []
    const post = proxy.nextTransaction({ path: '/api/orders', method: 'post' }).then((tx) => (order.push('post'), tx))
    const anyGet = proxy.nextTransaction({ method: 'GET' }).then((tx) => (order.push('get'), tx))
    const pattern = proxy.nextTransaction({ path: '/api/orders/*' })
    await request(`${proxy.url}/api/orders?x=1`)
    await request(`${proxy.url}/api/orders/7`, { method: 'DELETE' })
    await request(`${proxy.url}/api/orders`, { method: 'POST', body: 'a' })
    expect((await anyGet).url).toBe('/api/orders?x=1')
    expect((await pattern).method).toBe('DELETE')
    expect((await post).url).toBe('/api/orders')
    expect(order).toEqual(['get', 'post'])
  })

  it('a transaction that finished before the call is not the next one: it waits for a new one', async () => {
    const proxy = await start()
    await request(`${proxy.url}/api/a`)
    const next = proxy.nextTransaction({ path: '/api/a' })
    await request(`${proxy.url}/api/a?second`)
    expect((await next).url).toBe('/api/a?second')
  })

  it('times out with a DevproxyError that says what it waited for and what finished instead', async () => {
    const proxy = await start()
    const next = proxy.nextTransaction({ path: '/api/never', method: 'GET' }, { timeoutMs: 150 })
    await request(`${proxy.url}/api/other`)
    await expect(next).rejects.toMatchObject({ code: 'transaction_timeout', message: expect.stringMatching(/\/api\/never.*150 ms.*1 finished meanwhile: GET \/api\/other 200/) })
  })

  it('a pending nextTransaction is rejected when the proxy closes, and none can be asked for afterwards', async () => {
    const proxy = await start()
    const next = proxy.nextTransaction({ path: '/api/x' }, { timeoutMs: 10_000 })
    await proxy.close()
    await expect(next).rejects.toMatchObject({ code: 'proxy_closed' })
    await expect(proxy.nextTransaction()).rejects.toMatchObject({ code: 'proxy_closed' })
  })

  it('a path that is no path pattern is refused (a rejected promise, never a throw)', async () => {
    const proxy = await start()
    await expect(proxy.nextTransaction({ path: 'api/x' })).rejects.toMatchObject({ code: 'match_invalid' })
  })
})

/** The least transaction format-json.ts can format, for the list of its keys. */
function fakeTransaction(): Parameters<typeof toTransactionJson>[0] {
  return {
    id: 'x', startedAt: 0, kind: 'http', method: 'GET', url: '/', httpVersion: '1.1', scheme: 'http', durationMs: 0, requestBytes: 0, responseBytes: 0,
    attempts: [], faults: [], requestHeaders: {},
  } as unknown as Parameters<typeof toTransactionJson>[0]
}
