import { closeSync, openSync, writeSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { RecordingError } from '../errors.js'

/**
 * Writes a HAR file as transactions finish: the header line first, then one entry per line,
 * and the closing brackets on close. Whatever happens to the process, every entry already
 * written is a complete line that `readHarFile` recovers.
 *
 * Writes are synchronous: the recorder hands over a batch at a time (one write per ~16 ms
 * under load, the cost of the asynchronous stream's thread hand-off measured the same), and a
 * batch handed over while the process exits still reaches the file.
 */
export interface HarWriter {
  /** Entries, each a single line of JSON (`harEntryJson`), in one write. Throws if the write fails; later calls do nothing. */
  append(entryJsons: readonly string[]): void
  /** Entries written so far. */
  count(): number
  /** Finishes the file (valid JSON from then on); throws if that write fails. */
  close(): void
}

export const CREATOR_NAME = 'devproxy'

export async function openHarWriter(file: string, creatorVersion: string): Promise<HarWriter> {
  const header = { log: { version: '1.2', creator: { name: CREATOR_NAME, version: creatorVersion }, pages: [], entries: [] } }
  let fd: number
  try {
    await mkdir(dirname(file), { recursive: true })
    fd = openSync(file, 'w')
  } catch (error) {
    throw new RecordingError(file, error)
  }
  try {
    writeAll(fd, `${JSON.stringify(header).slice(0, -'[]}}'.length)}[\n`)
  } catch (error) {
    closeSync(fd)
    throw new RecordingError(file, error)
  }
  let count = 0
  let failed = false
  let closed = false
  return {
    append(entryJsons) {
      if (failed || closed || entryJsons.length === 0) return
      const text = `${count === 0 ? '' : ','}${entryJsons.join('\n,')}\n`
      try {
        writeAll(fd, text)
      } catch (error) {
        failed = true
        throw new RecordingError(file, error)
      }
      count += entryJsons.length
    },
    count: () => count,
    close() {
      if (closed) return
      closed = true
      try {
        if (!failed) writeAll(fd, ']}}\n')
      } catch (error) {
        throw new RecordingError(file, error)
      } finally {
        closeSync(fd)
      }
    },
  }
}

/** `writeSync` may write part of what it is given (a full disk, a signal): write the rest. */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text)
  for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset)
}
