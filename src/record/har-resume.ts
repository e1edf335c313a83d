import { open } from 'node:fs/promises'

/**
 * Where a recording that har-writer.ts began and could not finish (its process was killed:
 * `devproxy record` restarted after route code got stuck) can go on: after its last whole
 * entry line. A half-written entry after it is cut; a closing line, if the file was finished
 * after all, is cut too and written again at the end.
 */
export interface ResumePoint {
  /** Bytes to keep. */
  readonly bytes: number
  /** Whole entries in them. */
  readonly entries: number
}

const CHUNK_BYTES = 1024 * 1024
const LF = 0x0a

/** undefined: no such file, or not one devproxy wrote (start it afresh). */
export async function findResumePoint(file: string, creatorName: string): Promise<ResumePoint | undefined> {
  let handle
  try {
    handle = await open(file, 'r')
  } catch {
    return undefined
  }
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES)
    let position = 0
    let header: string | undefined
    let headerBytes = ''
    /** Ends (offset just past the LF) of the last two lines read. */
    let lastEnd = -1
    let previousEnd = -1
    let lines = 0
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, position)
      if (bytesRead === 0) break
      for (let at = buffer.indexOf(LF, 0); at !== -1 && at < bytesRead; at = buffer.indexOf(LF, at + 1)) {
        if (header === undefined) header = headerBytes + buffer.toString('utf8', 0, at)
        previousEnd = lastEnd
        lastEnd = position + at + 1
        lines++
      }
      // The header is the first line: a few hundred bytes, read once.
      if (header === undefined) headerBytes += buffer.toString('utf8', 0, bytesRead)
      position += bytesRead
      if (header === undefined && position > CHUNK_BYTES) return undefined
    }
    if (header === undefined || !header.startsWith(`{"log":{"version":"1.2","creator":{"name":${JSON.stringify(creatorName)}`) || !header.endsWith('"entries":[')) return undefined
    const entries = lines - 1
    if (entries > 0 && previousEnd !== -1) {
      const last = Buffer.alloc(lastEnd - previousEnd)
      await handle.read(last, 0, last.length, previousEnd)
      if (last.toString('utf8') === ']}}\n') return { bytes: previousEnd, entries: entries - 1 }
    }
    return { bytes: lastEnd, entries }
  } finally {
    await handle.close()
  }
}
