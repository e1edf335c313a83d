import { readFile } from 'node:fs/promises'
import type { Entry, Har } from 'har-format'
import { DevproxyError } from '../errors.js'

/**
 * Reads a HAR file, including one a recorder never finished (killed with SIGKILL, power
 * loss): devproxy writes one entry per line, so every complete line before the break is kept.
 */

export interface ReadHar {
  readonly har: Har
  /** False when the file was not finalized and was recovered line by line. */
  readonly complete: boolean
  /** Entries dropped because they were cut off mid-write. */
  readonly dropped: number
}

export class HarError extends DevproxyError {
  constructor(message: string, suggestion?: string) {
    super('har_invalid', message, { suggestion })
  }
}

export async function readHarFile(file: string): Promise<ReadHar> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    throw new HarError(
      `cannot read ${file}: ${missing ? 'no such file' : (error as Error).message}`,
      missing ? 'Check the path (relative to the current directory); `devproxy record --out FILE.har` writes a recording.' : 'Check that the file is readable by you.',
    )
  }
  const read = parseHar(text)
  if (!read) throw new HarError(`${file} is not a HAR file`, 'Pass a .har written by `devproxy record` or exported from browser dev tools.')
  return read
}

/**
 * Parses a HAR text; recovers an unfinished devproxy recording; undefined if it is neither. A
 * UTF-8 byte-order mark (Windows tools, some browser exports) is not part of the JSON.
 */
export function parseHar(withBom: string): ReadHar | undefined {
  const text = withoutBom(withBom)
  try {
    const har = JSON.parse(text) as Har
    return isHar(har) ? { har, complete: true, dropped: 0 } : undefined
  } catch {
    return recover(text)
  }
}

export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

function isHar(value: unknown): value is Har {
  const log = (value as Har | null)?.log
  return typeof log === 'object' && log !== null && Array.isArray(log.entries)
}

/** The header line, then one entry per line (after the first, each starts with a comma). */
function recover(text: string): ReadHar | undefined {
  const [head, ...lines] = text.split('\n')
  if (!head?.endsWith('"entries":[')) return undefined
  let har: Har
  try {
    har = JSON.parse(`${head}]}}`) as Har
  } catch {
    return undefined
  }
  if (!isHar(har)) return undefined
  const entries: Entry[] = []
  let dropped = 0
  for (const line of lines) {
    const json = line.replace(/^,/, '').trim()
    if (json === '' || json.startsWith(']')) continue
    try {
      entries.push(JSON.parse(json) as Entry)
    } catch {
      dropped++
    }
  }
  har.log.entries = entries
  return { har, complete: false, dropped }
}
