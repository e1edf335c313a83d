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
 * Rows comparing each measured subject with the baseline, on `value(sample)`: as a ratio
 * (throughput) or a difference (latency). Without `perRound`, of the medians over rounds; with
 * it (samples measured in rounds side by side, sample i of each from round i: in-turn.js), the
 * median of the per-round ratios or differences, their range added to the cell. A subject whose
 * samples saw failures fails its row whatever its numbers. `targets[name]`:
 * `{ text, ok(comparison, values) }`, values being the subject's, one per round. `note(samples)`
 * adds detail to the subject's cell, `baselineNote(samples)` to the baseline's.
 */
export function compareRows(title, results, { value, format, compare = 'ratio', perRound = false, targets = {}, labels, note, baselineNote }) {
  const baselineValues = results.baseline.map(value)
  const baseline = median(baselineValues)
  const against = compare === 'ratio' ? (mine, theirs) => mine / theirs : (mine, theirs) => mine - theirs
  const show = compare === 'ratio' ? fmt.ratio : (value) => fmt.delta(value)
  const baselineCell = format(baseline) + (baselineNote ? ` (${baselineNote(results.baseline)})` : '')
  return Object.keys(results)
    .filter((name) => name !== 'baseline')
    .map((name) => {
      const samples = results[name]
      const label = `${title} — ${labels[name]}`
      if (typeof samples === 'string') return row(label, '—', baselineCell, '', targets[name]?.text ?? '', samples)
      const values = samples.map(value)
      const mine = median(values)
      const rounds = perRound ? values.map((v, i) => against(v, baselineValues[i])) : []
      const comparison = perRound ? median(rounds) : against(mine, baseline)
      const failures = samples.reduce((sum, sample) => sum + (sample.failures ?? 0), 0)
      const target = targets[name]
      const pass = failures > 0 ? false : target ? target.ok(comparison, values) : undefined
      const details = [note?.(samples), perRound ? `per round ${show(Math.min(...rounds))} to ${show(Math.max(...rounds))}` : undefined].filter(Boolean)
      return row(
        label + (target ? '' : ' (reference)'),
        format(mine) + (details.length > 0 ? ` (${details.join('; ')})` : '') + (failures > 0 ? ` (${failures} failures)` : ''),
        baselineCell,
        show(comparison),
        target?.text ?? '',
        pass,
      )
    })
}
