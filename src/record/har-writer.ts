import { closeSync, openSync, truncateSync, writeSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { RecordingError } from '../errors.js'
import { findResumePoint } from './har-resume.js'

/**
 * Writes a HAR file as transactions finish: the header line first, then one entry per line,
 * and the closing brackets on close. Whatever happens to the process, every entry already
 * written is a complete line that `readHarFile` recovers.
 *
 * Writes are synchronous: an entry is in the file (the kernel's page cache) when `append`
 * returns, so a process killed right after loses nothing, and no thread hand-off is paid per
 * entry (the asynchronous stream's cost measured the same as a write per entry). `queue` holds
 * an entry for the next `flush` instead: the recorder writes the entries of one event-loop
 * turn's responses in one call (a write is ~10 µs; bench/RESULTS.md).
 */
export interface HarWriter {
  /**
   * One entry, a single line of JSON: whole (`harEntryJson`, one write) or in pieces
   * (`harEntryPieces`, a large body's slices). Throws if a write fails; later calls do nothing.
   */
  append(entry: string | Iterable<string>): void
  /** One whole entry, written by the next `flush` (or `append`, or `close`), in order. */
  queue(entry: string): void
  /** Writes what is queued. Throws if the write fails; later calls do nothing. */
  flush(): void
  /** Entries written so far. */
  count(): number
  /** Finishes the file (valid JSON from then on); throws if that write fails. */
  close(): void
}

export const CREATOR_NAME = 'devproxy'

/**
 * With `resume`, a file devproxy began and did not finish (its process was killed) is gone on
 * with: its whole entries kept, a half-written last one cut (har-resume.ts).
 */
export async function openHarWriter(file: string, creatorVersion: string, options: { resume?: boolean } = {}): Promise<HarWriter> {
  const header = { log: { version: '1.2', creator: { name: CREATOR_NAME, version: creatorVersion }, pages: [], entries: [] } }
  const resume = options.resume ? await findResumePoint(file, CREATOR_NAME) : undefined
  let fd: number
  try {
    await mkdir(dirname(file), { recursive: true })
    if (resume !== undefined) truncateSync(file, resume.bytes)
    fd = openSync(file, resume === undefined ? 'w' : 'a')
  } catch (error) {
    throw new RecordingError(file, error)
  }
  try {
    if (resume === undefined) writeAll(fd, `${JSON.stringify(header).slice(0, -'[]}}'.length)}[\n`)
  } catch (error) {
    closeSync(fd)
    throw new RecordingError(file, error)
  }
  let count = resume?.entries ?? 0
  let failed = false
  let closed = false
  let queued = ''
  const guarded = (write: () => void) => {
    try {
      write()
    } catch (error) {
      failed = true
      throw new RecordingError(file, error)
    }
  }
  const flush = () => {
    if (queued === '' || failed) return
    const text = queued
    queued = ''
    guarded(() => writeAll(fd, text))
  }
  return {
    append(entry) {
      if (failed || closed) return
      flush()
      const separator = count === 0 ? '' : ','
      guarded(() => (typeof entry === 'string' ? writeAll(fd, `${separator}${entry}\n`) : writePieces(fd, separator, entry)))
      count++
    },
    queue(entry) {
      if (failed || closed) return
      queued += `${count === 0 ? '' : ','}${entry}\n`
      count++
    },
    flush,
    count: () => count,
    close() {
      if (closed) return
      try {
        flush()
      } finally {
        closed = true
      }
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

/** Pieces gathered up to this many characters per write. */
const WRITE_CHARS = 256 * 1024

function writePieces(fd: number, separator: string, pieces: Iterable<string>): void {
  let pending = separator
  for (const piece of pieces) {
    pending += piece
    if (pending.length < WRITE_CHARS) continue
    writeAll(fd, pending)
    pending = ''
  }
  writeAll(fd, `${pending}\n`)
}

/** `writeSync` may write part of what it is given (a full disk, a signal): write the rest. */
function writeAll(fd: number, text: string): void {
  // A string is written without a Buffer made for it first (~3 µs less per entry); the rest of
  // a partial write goes as bytes.
  const written = writeSync(fd, text)
  const total = Buffer.byteLength(text)
  if (written === total) return
  const bytes = Buffer.from(text)
  for (let offset = written; offset < total; ) offset += writeSync(fd, bytes, offset)
}
