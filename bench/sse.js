// Server-sent events: how long after the upstream wrote an event it reaches the client. The
// upstream stamps each event with its clock (performance.timeOrigin + performance.now(),
// epoch ms); the client compares with its own on the same machine.
import http from 'node:http'
import { quantile } from './lib/stats.js'
import { alternate, LABELS } from './lib/subjects.js'
import { compareRows, fmt } from './lib/table.js'

const EVERY_MS = 10

function receiveEvents(url, durationMs) {
  return new Promise((resolve) => {
    const delaysMs = []
    let status
    const req = http.get(url, { agent: false }, (res) => {
      status = res.statusCode
      let pending = ''
      res.setEncoding('utf8')
      res.on('data', (text) => {
        const now = performance.timeOrigin + performance.now()
        pending += text
        const events = pending.split('\n\n')
        pending = events.pop()
        for (const event of events) {
          const stamp = /^data: (.+)$/m.exec(event)?.[1]
          if (stamp !== undefined) delaysMs.push(now - Number(stamp))
        }
      })
      res.on('error', () => {})
    })
    req.on('error', () => {})
    setTimeout(() => {
      req.destroy()
      resolve({ delaysMs, failures: status === 200 && delaysMs.length > 0 ? 0 : 1 })
    }, durationMs)
  })
}

export async function benchSse({ upstreamUrl, subjects, rounds, durationS }) {
  const results = await alternate(subjects, rounds, upstreamUrl, async (subject) => {
    const { delaysMs, failures } = await receiveEvents(`${subject.url}/events?everyMs=${EVERY_MS}`, durationS * 1000)
    const sorted = delaysMs.sort((a, b) => a - b)
    return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), failures }
  })
  const within5 = { text: '< 5 ms, every round', ok: (_delta, values) => Math.max(...values) < 5 }
  return compareRows(`SSE event delay p99, 1 event / ${EVERY_MS} ms`, results, {
    labels: LABELS,
    value: (sample) => sample.p99,
    format: fmt.ms,
    compare: 'delta',
    targets: { devproxy: within5, recording: within5 },
  })
}
