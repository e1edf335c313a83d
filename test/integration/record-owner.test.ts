/**
 * One owner per record (issue 29 item 3): the exchange writes a transaction through the named
 * events of src/proxy/transaction/record.ts; once finished, the sinks receive it sealed — frozen
 * while tests run, so a sink (or a late event) that writes to it fails where it writes instead
 * of changing what the other sinks already read. Off tests the seal costs nothing and the type
 * (every field readonly) keeps writers out at compile time.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Transaction } from '../../src/proxy/index.js'
import { echoHandler, request, startTestProxy, startUpstream, type TestProxy } from '../helpers/servers.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('the finished record is the sinks’ to read, no one’s to write', () => {
  it('a sink receives it frozen: the transaction, its attempts, their phases and its faults', async () => {
    const upstream = await startUpstream(echoHandler)
    cleanups.push(() => upstream.close())
    const attempts: string[] = []
    const writer = (tx: Readonly<Transaction>) => {
      // What a careless sink might do: each write must throw, not land.
      for (const write of [
        () => ((tx as { status: number }).status = 599),
        () => (tx.attempts as unknown as unknown[]).push({}),
        () => ((tx.attempts[0]!.phases as { wait: number }).wait = -1),
        () => (tx.faults as unknown as string[]).push('made up'),
      ]) {
        try {
          write()
          attempts.push('landed')
        } catch (error) {
          attempts.push((error as Error).name)
        }
      }
    }
    const proxy: TestProxy = await startTestProxy({ routes: [{ name: 'api', path: '/', target: upstream.url }] }, { sinks: [writer] })
    cleanups.push(() => proxy.close())
    const response = await request(`${proxy.url}/hello`)
    expect(response.status).toBe(200)
    const tx = await proxy.nextTransaction()
    expect(attempts).toEqual(['TypeError', 'TypeError', 'TypeError', 'TypeError'])
    // The next sink read what the exchange wrote, untouched.
    expect(tx.status).toBe(200)
    expect(tx.attempts).toHaveLength(1)
    expect(tx.attempts[0]!.phases.wait).toBeGreaterThanOrEqual(0)
    expect(tx.faults).toEqual([])
    expect(Object.isFrozen(tx)).toBe(true)
  })

  it('route code reports what it did and the exchange records it: [hook] and the head as received', async () => {
    const upstream = await startUpstream(echoHandler)
    cleanups.push(() => upstream.close())
    const proxy = await startTestProxy({
      routes: [
        {
          name: 'api',
          path: '/',
          target: upstream.url,
          onResponse: (ctx) => {
            ctx.headers['x-added'] = 'yes'
          },
        },
      ],
    })
    cleanups.push(() => proxy.close())
    const response = await request(`${proxy.url}/hooked`)
    expect(response.headers['x-added']).toBe('yes')
    const tx = await proxy.nextTransaction()
    expect(tx.hooked).toBe(true)
    expect(tx.responseHeadersReceived?.['x-added']).toBeUndefined()
    expect(tx.responseHeadersSent?.['x-added']).toBe('yes')
  })
})
