#!/usr/bin/env -S node --initial-heap-size=64 --max-semi-space-size=32 --no-allocation-site-pretenuring
// --initial-heap-size: the CLI's long-lived heap (oclif, the commands) sits just above the size
// at which V8 keeps re-marking the old generation while large bodies stream through; a larger
// initial heap removes ~16 full GCs per 256 MiB download (bench/RESULTS.md).
// --max-semi-space-size: with Node's 16 MB young generation, a proxy under load promotes ~6 KB
// of every request's short-lived objects (scavenges come every ~400 requests, while 32 are in
// flight); at 32 MB it promotes ~1.2 KB, and GC per request falls from ~29 µs to ~9 µs
// (bench/RESULTS.md, issue 19's section).
// --no-allocation-site-pretenuring: in about one start in four, V8 decided during the first
// seconds of load (a small young generation, most transactions still held by the log's batch and
// the inspector's ring) to allocate some of the record's objects in the old generation from
// then on; the dead ones there keep each newer request's objects alive through scavenges, and
// the process promoted ~1-5 KB a request for good (--trace-pretenuring-statistics: "=> tenure"
// only in those runs). Off, 8 starts in 8 promote ~5 B a request (bench/RESULTS.md, issue 29).
import { fileURLToPath } from 'node:url'
import { shouldSupervise } from '../dist/cli/supervisor-rules.js'

const args = process.argv.slice(2)
if (shouldSupervise(args, process.execArgv, process.env)) {
  // start, record, replay with a config: this process only supervises the proxy, a child that
  // runs this file again (dist/cli/supervise.js says why). No oclif here.
  const { supervise } = await import('../dist/cli/supervise.js')
  process.exitCode = await supervise(fileURLToPath(import.meta.url), args, process.execArgv)
} else {
  const { flush, run } = await import('@oclif/core')
  // oclif's `execute`, except that what no command caught (an unknown command, oclif failing)
  // is reported as devproxy reports every failure (`error:` / `hint:`), not as oclif's `› Error`.
  await run(args, import.meta.url).then(
    () => flush(),
    async (error) => {
      const { reportFailure } = await import('../dist/cli/report-failure.js')
      process.exit(reportFailure(error, args))
    },
  )
}
