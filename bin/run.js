#!/usr/bin/env -S node --initial-heap-size=64
// --initial-heap-size: the CLI's long-lived heap (oclif, the commands) sits just above the size
// at which V8 keeps re-marking the old generation while large bodies stream through; a larger
// initial heap removes ~16 full GCs per 256 MiB download (bench/RESULTS.md).
import { flush, run } from '@oclif/core'

// oclif's `execute`, except that what no command caught (an unknown command, oclif failing)
// is reported as devproxy reports every failure (`error:` / `hint:`), not as oclif's `› Error`.
await run(process.argv.slice(2), import.meta.url).then(
  () => flush(),
  async (error) => {
    const { reportFailure } = await import('../dist/cli/report-failure.js')
    process.exit(reportFailure(error, process.argv.slice(2)))
  },
)
