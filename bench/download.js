// A 1 GiB download through each subject: throughput, and the proxy's peak resident memory
// (VmHWM of a fresh process, so the peak is this download's).
import http from 'node:http'
import { alternate, LABELS } from './lib/subjects.js'
import { compareRows, fmt } from './lib/table.js'

const MiB = 1024 * 1024
const MAX_PEAK_RSS_BYTES = 150e6

function download(url, expectedBytes) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    http
      .get(url, { agent: false }, (res) => {
        let bytes = 0
        res.on('data', (chunk) => (bytes += chunk.length))
        res.on('end', () => {
          const seconds = (performance.now() - started) / 1000
          resolve({ mibPerSecond: bytes / MiB / seconds, failures: res.statusCode === 200 && bytes === expectedBytes ? 0 : 1 })
        })
        res.on('error', reject)
      })
      .on('error', reject)
  })
}

export async function benchDownload({ upstreamUrl, subjects, rounds, bytes }) {
  const results = await alternate(subjects, rounds, upstreamUrl, async (subject) => {
    const result = await download(`${subject.url}/download?bytes=${bytes}`, bytes)
    return { ...result, peakRssBytes: subject.memory()?.peakRssBytes }
  })
  const size = bytes >= 1024 * MiB ? `${bytes / (1024 * MiB)} GiB` : `${bytes / MiB} MiB`
  const memory = Object.fromEntries(Object.entries(results).filter(([name]) => name !== 'direct'))
  // An absolute target, every round: the peak is what a user's machine has to have free.
  const underCap = { text: '< 150 MB, every round', ok: (_ratio, values) => Math.max(...values) < MAX_PEAK_RSS_BYTES }
  const peakRows = compareRows(`${size} download, proxy peak RSS`, memory, {
    labels: LABELS,
    value: (sample) => sample.peakRssBytes,
    format: fmt.mb,
    targets: { devproxy: underCap, bodyDiffs: underCap, recording: underCap },
  })
  return [
    ...compareRows(`${size} download`, results, {
      labels: LABELS,
      value: (sample) => sample.mibPerSecond,
      format: fmt.mibPerSecond,
      targets: { devproxy: { text: '≥ 0.90×', ok: (ratio) => ratio >= 0.9 } },
    }),
    ...peakRows,
  ]
}
