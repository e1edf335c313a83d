import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createBatchedWriter, FLUSH_DELAY_MS } from '../../src/log/batched-writer.js'

describe('createBatchedWriter: lines gathered, written in one piece', () => {
  beforeEach(() => void vi.useFakeTimers())
  afterEach(() => void vi.useRealTimers())

  it('writes everything gathered within FLUSH_DELAY_MS as one call, in order', () => {
    const writes: string[] = []
    const batch = createBatchedWriter((text) => writes.push(text))
    batch.write('a\n')
    batch.write('b\n')
    vi.advanceTimersByTime(FLUSH_DELAY_MS - 1)
    expect(writes).toEqual([])
    batch.write('c\n')
    vi.advanceTimersByTime(1)
    expect(writes).toEqual(['a\nb\nc\n'])
    batch.write('d\n')
    vi.advanceTimersByTime(FLUSH_DELAY_MS)
    expect(writes).toEqual(['a\nb\nc\n', 'd\n'])
  })

  it('writes at once when 64 KiB are waiting', () => {
    const writes: string[] = []
    const batch = createBatchedWriter((text) => writes.push(text))
    const line = `${'x'.repeat(1023)}\n`
    for (let i = 0; i < 64; i++) batch.write(line)
    expect(writes.map((w) => w.length)).toEqual([64 * 1024])
    vi.advanceTimersByTime(FLUSH_DELAY_MS)
    expect(writes).toHaveLength(1)
  })

  it('flush() writes what is waiting now and nothing twice', () => {
    const writes: string[] = []
    const batch = createBatchedWriter((text) => writes.push(text))
    batch.write('a\n')
    batch.flush()
    batch.flush()
    vi.advanceTimersByTime(FLUSH_DELAY_MS)
    expect(writes).toEqual(['a\n'])
  })

  it('writes what is waiting when the process exits', () => {
    // A real process that exits with a line still waiting (dist/ is built before the tests).
    const script = `const { createBatchedWriter } = await import(${JSON.stringify(pathToFileURL(resolve('dist/log/batched-writer.js')).href)})
const batch = createBatchedWriter((text) => process.stdout.write(text))
batch.write('last words\\n')
process.exit(0)`
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
    expect(child.stderr).toBe('')
    expect(child.stdout).toBe('last words\n')
  })
})
