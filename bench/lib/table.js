// The results table: one row per benchmark, devproxy against the baseline of the same run.
import { median } from './stats.js'

/**
 * A row. `pass`: true or false against the target, undefined for rows without one
 * (references, breakdowns), or a string for rows that could not be measured.
 */
export function row(benchmark, devproxy, baseline, comparison, target, pass) {
  return { benchmark, devproxy, baseline, comparison, target, pass }
}

export function formatTable(rows) {
  const verdict = (pass) => (pass === true ? 'pass' : pass === false ? '**FAIL**' : (pass ?? ''))
  return [
    '| benchmark | devproxy | baseline | ratio/delta | target | pass/fail |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.benchmark} | ${r.devproxy} | ${r.baseline} | ${r.comparison} | ${r.target} | ${verdict(r.pass)} |`),
  ].join('\n')
}

export const fmt = {
  ms: (value) => `${value.toFixed(2)} ms`,
  wholeMs: (value) => `${Math.round(value)} ms`,
  perSecond: (value) => `${Math.round(value).toLocaleString('en-US')} req/s`,
  mibPerSecond: (value) => `${Math.round(value).toLocaleString('en-US')} MiB/s`,
  mb: (bytes) => `${(bytes / 1e6).toFixed(0)} MB`,
  ratio: (value) => `${value.toFixed(2)}×`,
  delta: (value, unit = 'ms') => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(2)} ${unit}`,
}

/**
 * Rows comparing each measured subject with the baseline, on the median over rounds of
 * `value(sample)`: as a ratio (throughput) or a difference (latency). A subject whose samples
 * saw failures fails its row whatever its numbers. `targets[name]`:
 * `{ text, ok(comparison, values) }`, values being the subject's, one per round. `note(samples)`
 * adds detail to the subject's cell.
 */
export function compareRows(title, results, { value, format, compare = 'ratio', targets = {}, labels, note }) {
  const baseline = median(results.baseline.map(value))
  return Object.keys(results)
    .filter((name) => name !== 'baseline')
    .map((name) => {
      const samples = results[name]
      const label = `${title} — ${labels[name]}`
      if (typeof samples === 'string') return row(label, '—', format(baseline), '', targets[name]?.text ?? '', samples)
      const values = samples.map(value)
      const mine = median(values)
      const comparison = compare === 'ratio' ? mine / baseline : mine - baseline
      const failures = samples.reduce((sum, sample) => sum + (sample.failures ?? 0), 0)
      const target = targets[name]
      const pass = failures > 0 ? false : target ? target.ok(comparison, values) : undefined
      return row(
        label + (target ? '' : ' (reference)'),
        format(mine) + (note ? ` (${note(samples)})` : '') + (failures > 0 ? ` (${failures} failures)` : ''),
        format(baseline),
        compare === 'ratio' ? fmt.ratio(comparison) : fmt.delta(comparison),
        target?.text ?? '',
        pass,
      )
    })
}
