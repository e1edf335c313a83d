import type { ServerResponse } from 'node:http'
import type { MetricsSnapshot } from '../metrics/route-metrics.js'
import type { Transaction } from '../proxy/index.js'
import type { ActiveFaultView, RecordingState, Snapshot } from './api.js'
import { summarizeTransaction } from './summary.js'

/**
 * The inspector's server-sent events (WHATWG HTML §9.2): a `snapshot` when a browser
 * connects, then finished transactions in batches, the metrics every second, the faults and
 * the recording state when they change, and a comment now and then so idle connections stay
 * open. With no browser connected nothing is kept and no timer runs.
 */

export interface EventStreamOptions {
  snapshot(): Snapshot
  metrics(): MetricsSnapshot
  faults(): readonly ActiveFaultView[]
  recording(): RecordingState
  /** Told when the number of connected browsers goes from 0 to 1 or back. */
  onWatched?(watched: boolean): void
  /** Finished transactions are sent at most this often, in one write per browser. Default: 100. */
  readonly batchMs?: number
  /** `metrics` (and a look for fault changes) this often. Default: 1000. */
  readonly metricsMs?: number
  /** A comment line this often. Default: 15000. */
  readonly keepAliveMs?: number
  /** A browser that has this much unread is dropped (its EventSource reconnects to a fresh snapshot). Default: 8 MiB. */
  readonly maxBufferedBytes?: number
}

export interface EventStream {
  /** Browsers connected now. */
  readonly clients: number
  /** Answers a `GET` with the stream; the response stays open until the browser goes. */
  connect(res: ServerResponse): void
  /** A finished transaction for the next batch. Only call it while `clients > 0`. */
  publish(tx: Readonly<Transaction>): void
  /** The faults may have changed: sent now if they did. */
  faultsChanged(): void
  /** Recording was started or stopped: sent now. (Its count goes out with each batch.) */
  recordingChanged(): void
  /** Ends every stream. */
  close(): void
}

export function createEventStream(options: EventStreamOptions): EventStream {
  const batchMs = options.batchMs ?? 100
  const metricsMs = options.metricsMs ?? 1_000
  const keepAliveMs = options.keepAliveMs ?? 15_000
  const maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024
  const clients = new Set<ServerResponse>()
  let pending: Array<Readonly<Transaction>> = []
  let batchTimer: NodeJS.Timeout | undefined
  let metricsTimer: NodeJS.Timeout | undefined
  let keepAliveTimer: NodeJS.Timeout | undefined
  let faultsSent = ''
  let recordingSent = ''

  const send = (res: ServerResponse, text: string) => {
    if (res.writableLength > maxBufferedBytes) return void res.destroy()
    res.write(text)
  }
  const broadcast = (text: string) => {
    for (const res of clients) send(res, text)
  }
  const flush = () => {
    clearTimeout(batchTimer)
    batchTimer = undefined
    if (pending.length === 0) return
    const batch = pending
    pending = []
    broadcast(event('transactions', batch.map(summarizeTransaction)) + recordingEvent())
  }
  /** The recording state when it changed since last sent (its count grows with each batch kept), else nothing. */
  const recordingEvent = () => {
    const json = JSON.stringify(options.recording())
    if (json === recordingSent) return ''
    recordingSent = json
    return `event: recording\ndata: ${json}\n\n`
  }
  // Fault counts change with traffic, and faults expire or come with a config reload: compared
  // with what was last sent, every second, rather than told by each of those.
  const checkFaults = () => {
    const json = JSON.stringify(options.faults())
    if (json === faultsSent) return
    faultsSent = json
    broadcast(`event: faults\ndata: ${json}\n\n`)
  }
  const tick = () => {
    broadcast(event('metrics', options.metrics()))
    checkFaults()
  }
  let watched = false
  const start = () => {
    watched = true
    metricsTimer = setInterval(tick, metricsMs).unref()
    keepAliveTimer = setInterval(() => broadcast(': keep-alive\n\n'), keepAliveMs).unref()
    options.onWatched?.(true)
  }
  const stop = () => {
    if (!watched) return
    watched = false
    clearInterval(metricsTimer)
    clearInterval(keepAliveTimer)
    clearTimeout(batchTimer)
    batchTimer = undefined
    pending = []
    options.onWatched?.(false)
  }

  return {
    get clients() {
      return clients.size
    },
    connect(res) {
      // What finished or changed before this browser came is in its snapshot: the others get it first.
      flush()
      checkFaults()
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      })
      const snapshot = options.snapshot()
      recordingSent = JSON.stringify(snapshot.recording)
      res.write(event('snapshot', snapshot) + event('metrics', options.metrics()))
      clients.add(res)
      if (clients.size === 1) start()
      res.once('close', () => {
        clients.delete(res)
        if (clients.size === 0) stop()
      })
    },
    publish(tx) {
      pending.push(tx)
      batchTimer ??= setTimeout(flush, batchMs)
    },
    faultsChanged: checkFaults,
    recordingChanged: () => broadcast(recordingEvent()),
    close() {
      for (const res of clients) res.end()
      clients.clear()
      stop()
    },
  }
}

/** One event; JSON has no line breaks, so `data` is one line. */
function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`
}
