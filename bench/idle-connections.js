// 5,000 idle keep-alive client connections: each opened (in batches, as a crowd of clients
// would) and used for one request, then left idle; after a hold, every one must still be
// open and a sample of them must still answer. Reports the proxy's memory while holding them.
import net from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { alternate, LABELS } from './lib/subjects.js'
import { compareRows, fmt } from './lib/table.js'

// Under the listen backlog (511 in Node), so a batch never overflows the accept queue.
const BATCH = 500
const SAMPLE = 100

/** A request or connection that takes longer than this counts as failed (the run never hangs). */
const GIVE_UP_MS = 10_000

/** One GET /small on an open socket; resolves with the status (or undefined on failure). */
function request(socket) {
  // A socket that failed to connect (or was closed) has already emitted 'close'.
  if (socket.destroyed) return Promise.resolve(undefined)
  return new Promise((resolve) => {
    let received = ''
    const timer = setTimeout(() => done(undefined), GIVE_UP_MS)
    const done = (status) => {
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('close', onClose)
      resolve(status)
    }
    const onData = (text) => {
      received += text
      const end = received.indexOf('\r\n\r\n')
      if (end === -1) return
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(received.slice(0, end))?.[1] ?? 0)
      if (received.length >= end + 4 + length) done(Number(received.slice(9, 12)))
    }
    const onClose = () => done(undefined)
    socket.on('data', onData)
    socket.once('close', onClose)
    socket.write('GET /small HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: keep-alive\r\n\r\n')
  })
}

function connect(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.setEncoding('latin1')
    const timer = setTimeout(() => socket.destroy(), GIVE_UP_MS)
    socket.once('connect', () => {
      clearTimeout(timer)
      resolve(socket)
    })
    // A failed connection counts as not held (request() answers undefined for it).
    socket.once('close', () => {
      clearTimeout(timer)
      resolve(socket)
    })
    socket.on('error', () => {})
  })
}

async function holdIdle(subject, { count, holdMs }) {
  const port = Number(new URL(subject.url).port)
  const sockets = []
  let failedRequests = 0
  for (let opened = 0; opened < count; opened += BATCH) {
    const batch = await Promise.all(Array.from({ length: Math.min(BATCH, count - opened) }, () => connect(port)))
    const statuses = await Promise.all(batch.map(request))
    failedRequests += statuses.filter((s) => s !== 200).length
    sockets.push(...batch)
  }
  await sleep(holdMs)
  const rssBytes = subject.memory()?.rssBytes
  const stillOpen = sockets.filter((socket) => !socket.destroyed).length
  const sample = sockets.filter((_, i) => i % Math.floor(count / SAMPLE) === 0).slice(0, SAMPLE)
  const sampleStatuses = await Promise.all(sample.map(request))
  const sampleOk = sampleStatuses.filter((s) => s === 200).length
  for (const socket of sockets) socket.destroy()
  return { rssBytes, stillOpen, sampleOk, failures: failedRequests + (count - stillOpen) + (SAMPLE - sampleOk) }
}

export async function benchIdleConnections({ upstreamUrl, subjects, rounds, count, holdMs }) {
  const results = await alternate(subjects, rounds, upstreamUrl, (subject) => holdIdle(subject, { count, holdMs }))
  return compareRows(`${count.toLocaleString('en-US')} idle keep-alive conns held ${holdMs / 1000} s, proxy RSS`, results, {
    labels: LABELS,
    value: (sample) => sample.rssBytes,
    format: fmt.mb,
    note: (samples) => `fewest open ${Math.min(...samples.map((s) => s.stillOpen))}/${count}, sample ${Math.min(...samples.map((s) => s.sampleOk))}/${SAMPLE} ok`,
    // Pass means no failure in any round: every connection held, every sampled request 200.
    targets: { devproxy: { text: `all open, sampled ${SAMPLE} answer 200`, ok: () => true } },
  })
}
