import type { Socket } from 'node:net'

/**
 * Node hands the proxy every pipelined request of a connection at once. RFC 9112 §9.3.2 lets a
 * server work on pipelined requests in parallel only when they all have safe methods: a POST
 * behind a DELETE must reach the upstream after it, as the client sent them. So a request
 * whose method is not safe waits for the ones before it on its connection, and nothing
 * overtakes it. The common case — one request at a time — starts at once.
 */

/** RFC 9110 §9.2.1. */
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

interface Entry {
  readonly safe: boolean
  readonly start: () => void
  started: boolean
  left: boolean
}

interface Lane {
  running: number
  unsafeRunning: number
  readonly queue: Entry[]
}

const LANE = Symbol('devproxy.pipeline')

type LaneSocket = Socket & { [LANE]?: Lane }

/** Runs `start` when the request may go upstream; call the returned function when it is done. */
export function enterPipeline(socket: Socket, method: string, start: () => void): () => void {
  const laneSocket = socket as LaneSocket
  const lane = (laneSocket[LANE] ??= { running: 0, unsafeRunning: 0, queue: [] })
  const entry: Entry = { safe: SAFE.has(method), start, started: false, left: false }
  if (lane.queue.length === 0 && mayStart(lane, entry)) run(lane, entry)
  else lane.queue.push(entry)
  return () => {
    if (entry.left) return
    entry.left = true
    if (entry.started) {
      lane.running--
      if (!entry.safe) lane.unsafeRunning--
    } else {
      lane.queue.splice(lane.queue.indexOf(entry), 1)
    }
    while (lane.queue.length > 0 && mayStart(lane, lane.queue[0]!)) run(lane, lane.queue.shift()!)
  }
}

function mayStart(lane: Lane, entry: Entry): boolean {
  return lane.running === 0 || (entry.safe && lane.unsafeRunning === 0)
}

function run(lane: Lane, entry: Entry): void {
  entry.started = true
  lane.running++
  if (!entry.safe) lane.unsafeRunning++
  entry.start()
}
