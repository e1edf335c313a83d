import { afterEach, describe, expect, it } from 'vitest'
import { DevproxyError, startProxy, type StartedProxy } from '../../src/index.js'
import { echoHandler, request, startUpstream, type TestUpstream } from '../helpers/servers.js'

/** proxy.fault(): the `devproxy start --fault` vocabulary, or a config fault object; each proxy its own. */
describe('startProxy: faults, and two proxies in one process', () => {
  const open: Array<StartedProxy | TestUpstream> = []
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close()
  })
  const upstream = async () => {
    const started = await startUpstream(echoHandler)
    open.push(started)
    return started
  }
  const proxyTo = async (target: string) => {
    const proxy = await startProxy({ routes: [{ name: 'api', path: '/api', target }, { name: 'web', path: '/', target }] })
    open.push(proxy)
    return proxy
  }

  it("a string fault means what devproxy start --fault means: '5xx 100% --first 2 --route api' fails the first two api requests, then they pass", async () => {
    const proxy = await proxyTo((await upstream()).url)
    const fault = await proxy.fault('5xx 100% --first 2 --route api')
    expect(fault).toMatchObject({ kind: '5xx', rate: 1, first: 2, route: 'api', source: 'api' })
    const web = await request(`${proxy.url}/page`)
    expect(web.status).toBe(200)
    const statuses: number[] = []
    for (let i = 0; i < 3; i++) statuses.push((await request(`${proxy.url}/api/x`)).status)
    expect(statuses.slice(0, 2).every((s) => s >= 500)).toBe(true)
    expect(statuses[2]).toBe(200)
    // The --json line names the fault, as the CLI's log does.
    expect(proxy.transactions.map((tx) => tx.faults)).toEqual([[], [expect.stringMatching(/^5xx 5\d\d$/)], [expect.stringMatching(/^5xx 5\d\d$/)], []])
  })

  it('an object fault, then removeFault and clearFaults take effect on the next request', async () => {
    const proxy = await proxyTo((await upstream()).url)
    const fault = await proxy.fault({ kind: 'status', statuses: [429], route: 'api' })
    expect((await request(`${proxy.url}/api/a`)).status).toBe(429)
    expect(await proxy.removeFault(fault)).toBe(true)
    expect(await proxy.removeFault(fault)).toBe(false)
    expect((await request(`${proxy.url}/api/a`)).status).toBe(200)
    await proxy.fault('status 503')
    await proxy.fault('status 418 --route web')
    expect(proxy.faults).toHaveLength(2)
    expect((await request(`${proxy.url}/api/a`)).status).toBe(503)
    expect(await proxy.clearFaults()).toBe(2)
    expect(proxy.faults).toEqual([])
    expect((await request(`${proxy.url}/api/a`)).status).toBe(200)
  })

  it('a fault that can never fire, or is misspelt, is refused with a DevproxyError naming what is wrong', async () => {
    const proxy = await proxyTo((await upstream()).url)
    await expect(proxy.fault('5xx 30% --route apii')).rejects.toMatchObject({ code: 'fault_invalid', message: expect.stringContaining('did you mean "api"') })
    await expect(proxy.fault('5xxx 30%')).rejects.toBeInstanceOf(DevproxyError)
    await expect(proxy.fault({ kind: 'latency', rate: 2 } as never)).rejects.toMatchObject({
      code: 'config_invalid',
      issues: [expect.objectContaining({ path: 'fault.rate', message: expect.stringContaining('(got 2)') })],
    })
    expect(proxy.faults).toEqual([])
  })

  it('two proxies in one process: their own ports, faults and transactions', async () => {
    const target = (await upstream()).url
    const [a, b] = [await proxyTo(target), await proxyTo(target)]
    expect(a.port).not.toBe(b.port)
    await a.fault('status 503')
    expect((await request(`${a.url}/api/x`)).status).toBe(503)
    expect((await request(`${b.url}/api/y`)).status).toBe(200)
    expect(b.faults).toEqual([])
    expect(a.transactions.map((tx) => tx.url)).toEqual(['/api/x'])
    expect(b.transactions.map((tx) => tx.url)).toEqual(['/api/y'])
    await a.close()
    // One closing leaves the other serving.
    expect((await request(`${b.url}/api/z`)).status).toBe(200)
  })

  it('faults given in the options are in force from the first request, as a config file\'s are', async () => {
    const proxy = await startProxy({ routes: [{ name: 'api', path: '/', target: (await upstream()).url }], faults: ['status 502 --first 1'] })
    open.push(proxy)
    expect((await request(`${proxy.url}/a`)).status).toBe(502)
    expect((await request(`${proxy.url}/a`)).status).toBe(200)
  })
})
