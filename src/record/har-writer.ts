import { createWriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Entry } from 'har-format'
import { createBatchedWriter } from '../log/batched-writer.js'

/**
 * Writes a HAR file as transactions finish: the header line first, then one entry per line,
 * and the closing brackets on close. Whatever happens to the process, every entry already
 * written is a complete line that `readHarFile` recovers.
 */
export interface HarWriter {
  append(entry: Entry): void
  /** Entries appended so far. */
  count(): number
  /** Finishes the file (valid JSON from then on). */
  close(): Promise<void>
}

export const CREATOR_NAME = 'devproxy'

export async function openHarWriter(file: string, creatorVersion: string): Promise<HarWriter> {
  await mkdir(dirname(file), { recursive: true })
  const out = createWriteStream(file, { flags: 'w' })
  await new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve())
    out.once('error', reject)
  })
  let failure: Error | undefined
  out.on('error', (error) => (failure = error))
  const header = { log: { version: '1.2', creator: { name: CREATOR_NAME, version: creatorVersion }, pages: [], entries: [] } }
  out.write(`${JSON.stringify(header).slice(0, -'[]}}'.length)}[\n`)
  let count = 0
  let closed = false
  // One write per batch (up to 16 ms), however many entries finished in it.
  const batch = createBatchedWriter((text) => out.write(text))
  return {
    append(entry) {
      if (closed) return
      batch.write(`${count === 0 ? '' : ','}${JSON.stringify(entry)}\n`)
      count++
    },
    count: () => count,
    close() {
      if (closed) return Promise.resolve()
      closed = true
      batch.flush()
      return new Promise<void>((resolve, reject) => {
        out.end(']}}\n', () => (failure ? reject(failure) : resolve()))
      })
    },
  }
}
