#!/usr/bin/env -S node --import tsx
// Runs the TypeScript sources directly (no build step) for development.
import { flush, run, settings } from '@oclif/core'

// As bin/run.js, from the sources (what `execute({ development: true })` sets up).
process.env.NODE_ENV = 'development'
settings.debug = true
await run(process.argv.slice(2), import.meta.url).then(
  () => flush(),
  async (error) => {
    const { reportFailure } = await import('../src/cli/report-failure.ts')
    process.exit(reportFailure(error, process.argv.slice(2)))
  },
)
