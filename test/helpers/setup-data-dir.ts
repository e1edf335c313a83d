import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'

/**
 * Every test file runs with a data directory of its own (the localhost and intercept CAs), never
 * the user's: a test that makes or replaces a CA must not touch the one their browser trusts.
 * The devproxy processes a test starts inherit it. A test that wants another sets its own.
 */
if (process.env.DEVPROXY_DATA_DIR === undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'devproxy-test-data-'))
  process.env.DEVPROXY_DATA_DIR = dir
  afterAll(() => {
    if (process.env.DEVPROXY_DATA_DIR === dir) delete process.env.DEVPROXY_DATA_DIR
    rmSync(dir, { recursive: true, force: true })
  })
}
