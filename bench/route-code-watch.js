// What the route-code watchdog costs a call of route code (issue 27 item 9): the marks around
// each synchronous call (src/hooks/route-code-watch.ts, two atomic stores and a label lookup),
// measured in one process on the built code, the watchdog thread running. `node
// bench/route-code-watch.js [rounds=7] [calls=2000000]`; each round on stderr, the medians on
// stdout. The proxy's own cost per request is ~200 µs of CPU (bench/RESULTS.md), so what
// matters is the order of magnitude: nanoseconds, not microseconds.
import { pathToFileURL } from 'node:url'
import { median } from './lib/stats.js'
import { ROOT } from './lib/subjects.js'

const [rounds = 7, calls = 2_000_000] = process.argv.slice(2, 4).map(Number)
const { enterRouteCode, leaveRouteCode, watchRouteCode } = await import(pathToFileURL(`${ROOT}/dist/hooks/route-code-watch.js`).href)
const { callHookNow } = await import(pathToFileURL(`${ROOT}/dist/hooks/call.js`).href)

const route = { name: 'api', hookTimeoutMs: 5_000 }
let sink = 0
const hook = () => {
  sink++
}

watchRouteCode({})
// The first mark registers the label and starts the watchdog thread.
enterRouteCode(route, 'onRequest')
leaveRouteCode()

/** ns per iteration of `body`, over `calls` iterations. */
function timed(body) {
  const started = process.hrtime.bigint()
  for (let i = 0; i < calls; i++) body()
  return Number(process.hrtime.bigint() - started) / calls
}

const samples = { bare: [], marks: [], callHookNow: [] }
for (let round = 0; round < rounds; round++) {
  // Back to the event loop between timings, as a proxy is between requests: a loop held for
  // seconds is what the watchdog ends (this file is not devproxy's, so it counts as route code).
  await new Promise((resolve) => setImmediate(resolve))
  samples.bare.push(timed(() => hook()))
  await new Promise((resolve) => setImmediate(resolve))
  samples.marks.push(
    timed(() => {
      enterRouteCode(route, 'onRequest')
      try {
        hook()
      } finally {
        leaveRouteCode()
      }
    }),
  )
  await new Promise((resolve) => setImmediate(resolve))
  samples.callHookNow.push(timed(() => callHookNow(route, 'onRequest', hook)))
  process.stderr.write(`round ${round + 1}: ${Object.entries(samples).map(([name, list]) => `${name} ${list.at(-1).toFixed(1)} ns`).join(', ')}\n`)
}
if (sink !== rounds * calls * 3 + 0) throw new Error(`the hook ran ${sink} times`)
console.log(`route-code marks: \`node bench/route-code-watch.js ${rounds} ${calls}\`, ${new Date().toISOString()}, node ${process.version}`)
console.log(`  a trivial hook called bare:        ${median(samples.bare).toFixed(1)} ns/call`)
console.log(`  inside enter/leave marks:          ${median(samples.marks).toFixed(1)} ns/call (the marks: ${(median(samples.marks) - median(samples.bare)).toFixed(1)} ns)`)
console.log(`  through callHookNow (as a proxy):  ${median(samples.callHookNow).toFixed(1)} ns/call`)
