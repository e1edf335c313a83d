// A large download through each subject, curl as the client (as ../shared/peers/paired.sh):
// throughput, and the proxy's peak resident memory (VmHWM of a fresh process, so the peak is
// this download's). Each subject in turn on a fresh process (subjects.js `alternate`); the
// throughput row is the median of the per-round ratios.
import { runTool } from './lib/children.js'
import { alternate, LABELS } from './lib/subjects.js'
import { compareRows, fmt } from './lib/table.js'
import { tool } from './lib/tools.js'

const MiB = 1024 * 1024
const MAX_PEAK_RSS_BYTES = 150e6

async function download(url, expectedBytes) {
  const { stdout } = await runTool(tool('curl'), ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{time_total}', url])
  const [status, bytes, seconds] = stdout.trim().split(' ').map(Number)
  return { mibPerSecond: bytes / MiB / seconds, failures: status === 200 && bytes === expectedBytes ? 0 : 1 }
}

/** `path`: where the upstream serves `bytes` bytes (lib/nginx.js `file(bytes)`). */
export async function benchDownload({ upstreamUrl, subjects, rounds, bytes, path }) {
  const results = await alternate(subjects, rounds, upstreamUrl, async (subject) => {
    const result = await download(`${subject.url}${path}`, bytes)
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
      perRound: true,
      targets: { devproxy: { text: '≥ 0.90×', ok: (ratio) => ratio >= 0.9 } },
    }),
    ...peakRows,
  ]
}
