// `npm run bench` (full) or `npm run bench -- --quick`. Runs against the built dist/ (npm ci
// builds it). Prints a table; copy it into bench/RESULTS.md with the command that made it.
import { benchReload } from './reload.js'

const quick = process.argv.includes('--quick')
const ms = (value) => `${value.toFixed(1)} ms`

const reload = await benchReload({ iterations: quick ? 10 : 40 })
console.log(`devproxy benchmarks (${quick ? 'quick' : 'full'}), node ${process.version}, ${new Date().toISOString()}`)
console.log('')
console.log('| benchmark | n | median | p95 | max | target |')
console.log('|---|---|---|---|---|---|')
console.log(`| ${reload.name} (debounce ${reload.debounceMs} ms) | ${reload.reload.n} | ${ms(reload.reload.median)} | ${ms(reload.reload.p95)} | ${ms(reload.reload.max)} | < 300 ms |`)
console.log(`| … of which: loading + validating the config | ${reload.load.n} | ${ms(reload.load.median)} | ${ms(reload.load.p95)} | ${ms(reload.load.max)} | |`)
