/**
 * Clients that vanish mid-stream, a thousand times over: every abandoned download and upload
 * must release its upstream connection, finish its transaction and leave memory flat.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import v8 from 'node:v8'
import vm from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningProxy } from '../../src/start-proxy.js'
import { startTestProxy, startUpstream, type TestUpstream } from '../helpers/servers.js'
import { deferred, within, type Deferred } from '../helpers/wait.js'

const CONCURRENCY = 50
const COUNT = 1_000
const WARM_UP = 500
const READ_BEFORE_ABORT = 64 * 1024
const CHUNK = Buffer.alloc(16 * 1024, 'devproxy vanishing client\n')

/**
 * The GC, to measure live memory rather than garbage not yet collected: `global.gc` when node
 * runs with --expose-gc, else the same function exposed at run time. Undefined if neither works.
 */
function garbageCollector(): (() => void) | undefined {
  if (typeof globalThis.gc === 'function') return () => globalThis.gc!()
  try {
    v8.setFlagsFromString('--expose-gc')
    const gc = vm.runInNewContext('gc') as unknown
    return typeof gc === 'function' ? (gc as () => void) : undefined
  } catch {
    return undefined
  }
}

function settledRss(gc: (() => void) | undefined): number {
  if (gc) for (let i = 0; i < 3; i++) gc()
  return process.memoryUsage.rss()
}

/** Runs `task(i)` for i in [0, total) with at most `concurrency` at a time. */
async function pooled(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < total) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker))
}

let upstream: TestUpstream
let proxy: RunningProxy
/** How each transaction ended, counted: keeping thousands of transactions would itself grow the heap. */
const endings = new Map<string, number>()
const finished = () => [...endings.values()].reduce((a, b) => a + b, 0)
const uploadStarted = new Map<string, Deferred<void>>()

/** Streams `size` bytes with backpressure, until done or the reader goes away. */
function download(res: ServerResponse, size: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size })
  let sent = 0
  const pump = () => {
    while (sent < size && !res.destroyed) {
      sent += CHUNK.length
      if (!res.write(CHUNK)) return void res.once('drain', pump)
    }
    if (sent >= size) res.end()
  }
  pump()
}

beforeAll(async () => {
  upstream = await startUpstream((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/api/download') return download(res, 1024 * CHUNK.length) // 16 MiB: far more than any client reads
    const id = req.url!.slice('/api/upload/'.length)
    req.once('data', () => uploadStarted.get(id)?.resolve())
    req.on('error', () => {})
    req.resume()
    req.on('end', () => res.end('stored'))
  })
  proxy = await startTestProxy({ routes: [{ name: 'api', path: '/api', target: upstream.url }] }, {
    sinks: [(tx) => endings.set(String(tx.ending), (endings.get(String(tx.ending)) ?? 0) + 1)],
  })
})
afterAll(async () => {
  await proxy?.close(0)
  await upstream?.close()
})

/** Reads the first 64 KiB of a large download, then destroys the connection. Resolves with the bytes read. */
function abortedDownload(): Promise<number> {
  return new Promise((resolve) => {
    let received = 0
    const req = http.get({ host: '127.0.0.1', port: proxy.port, path: '/api/download', agent: false }, (res) => {
      res.on('data', (chunk: Buffer) => {
        received += chunk.length
        if (received >= READ_BEFORE_ABORT) req.destroy()
      })
    })
    req.on('error', () => {})
    req.on('close', () => resolve(received))
  })
}

/**
 * Starts a chunked upload and destroys it mid-way: once the upstream has seen its first bytes
 * (so the proxy is mid-stream), or, every tenth time, as soon as the first write is flushed.
 */
function abortedUpload(i: number): Promise<boolean> {
  const id = String(i)
  const started = deferred()
  uploadStarted.set(id, started)
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: proxy.port, path: `/api/upload/${id}`, method: 'POST', agent: false, headers: { 'transfer-encoding': 'chunked' } })
    let reachedUpstream = false
    req.on('error', () => {})
    req.on('close', () => {
      uploadStarted.delete(id)
      resolve(reachedUpstream)
    })
    if (i % 10 === 0) {
      // Head and first chunk handed to the kernel, then gone: the proxy may not have
      // connected upstream yet.
      req.write(CHUNK, () => req.destroy())
      return
    }
    req.write(CHUNK)
    within(5_000, started.promise, `upload ${id} reaching the upstream`).then(
      () => {
        reachedUpstream = true
        req.write(CHUNK, () => req.destroy())
      },
      () => req.destroy(),
    )
  })
}

async function expectAllReleased(expectedTransactions: number): Promise<void> {
  await expect.poll(() => upstream.openSockets(), { timeout: 10_000, interval: 50, message: 'upstream sockets still open' }).toBe(0)
  await expect.poll(() => proxy.inFlight(), { timeout: 5_000, interval: 50, message: 'requests still in flight' }).toBe(0)
  await expect.poll(finished, { timeout: 5_000, interval: 50, message: 'transactions not finished' }).toBe(expectedTransactions)
}

describe('clients that vanish', () => {
  it(`${COUNT} aborted streaming downloads and ${COUNT} aborted uploads: no upstream socket left, memory flat`, async () => {
    const gc = garbageCollector()
    // Warm up (JIT, pools, the allocator's high-water mark at this concurrency) before the
    // baseline, so that what gets measured is growth, not the first run's setup.
    await pooled(WARM_UP, CONCURRENCY, async () => void (await abortedDownload()))
    await pooled(WARM_UP, CONCURRENCY, async (i) => void (await abortedUpload(COUNT + i)))
    await expectAllReleased(2 * WARM_UP)
    const baselineRss = settledRss(gc)
    const baselineHeap = process.memoryUsage().heapUsed

    const downloadBytes: number[] = []
    await within(40_000, pooled(COUNT, CONCURRENCY, async () => void downloadBytes.push(await abortedDownload())), `${COUNT} aborted downloads`)
    expect(downloadBytes.filter((n) => n >= READ_BEFORE_ABORT)).toHaveLength(COUNT)
    await expectAllReleased(2 * WARM_UP + COUNT)

    let midStream = 0
    await within(40_000, pooled(COUNT, CONCURRENCY, async (i) => void ((await abortedUpload(i)) && midStream++)), `${COUNT} aborted uploads`)
    expect(midStream).toBe(COUNT - COUNT / 10)
    await expectAllReleased(2 * WARM_UP + 2 * COUNT)

    // Every one of them ended as the client going away, none as a completed exchange.
    expect(Object.fromEntries(endings)).toEqual({ 'client-aborted': 2 * WARM_UP + 2 * COUNT })

    const grownMb = (settledRss(gc) - baselineRss) / 1024 / 1024
    expect(grownMb, `RSS grew ${grownMb.toFixed(1)} MB (gc ${gc ? 'on' : 'unavailable'})`).toBeLessThan(50)
    // The live heap is the sharper leak signal (RSS also moves with the allocator's whims).
    if (gc) {
      const heapGrownMb = (process.memoryUsage().heapUsed - baselineHeap) / 1024 / 1024
      expect(heapGrownMb, `heap grew ${heapGrownMb.toFixed(1)} MB`).toBeLessThan(10)
    }

    // And the proxy still serves.
    const after = await within(5_000, abortedDownload(), 'a download after the storm')
    expect(after).toBeGreaterThanOrEqual(READ_BEFORE_ABORT)
  }, 120_000)
})
