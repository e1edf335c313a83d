import { readFile } from 'node:fs/promises'
import { DevproxyError } from '../errors.js'
import { endpointKey } from '../diff/endpoint.js'
import type { DiffableBody } from '../diff/body-diff.js'
import { withoutBom } from './har-read.js'

/**
 * `--baseline file.har`: the recorded response body of each endpoint (the last one recorded
 * wins), to diff live responses against. Any HAR 1.2 file works (devproxy's, a browser's).
 */
interface HarEntry {
  request?: { method?: string; url?: string }
  response?: { content?: { mimeType?: string; text?: string; encoding?: string; size?: number } }
}

export async function loadBaseline(file: string): Promise<Map<string, DiffableBody>> {
  let har: { log?: { entries?: HarEntry[] } }
  try {
    har = JSON.parse(withoutBom(await readFile(file, 'utf8'))) as typeof har
  } catch (error) {
    throw new DevproxyError('baseline_invalid', `cannot read the baseline ${file}: ${(error as Error).message}`, {
      suggestion: 'Pass a HAR file, e.g. one written by `devproxy record`.',
    })
  }
  if (!Array.isArray(har.log?.entries)) {
    throw new DevproxyError('baseline_invalid', `${file} is not a HAR file (no log.entries)`, { suggestion: 'Pass a HAR file, e.g. one written by `devproxy record`.' })
  }
  return baselineFromEntries(har.log.entries)
}

export function baselineFromEntries(entries: readonly HarEntry[]): Map<string, DiffableBody> {
  const bodies = new Map<string, DiffableBody>()
  for (const entry of entries) {
    const method = entry.request?.method
    const url = entry.request?.url
    const content = entry.response?.content
    if (!method || !url || content?.text === undefined) continue
    const bytes = Buffer.from(content.text, content.encoding === 'base64' ? 'base64' : 'utf8')
    bodies.set(baselineKey(method, pathOf(url)), { contentType: content.mimeType, bytes, truncated: false, totalBytes: bytes.length })
  }
  return bodies
}

/** Baselines may come from anywhere, so they are matched without the route name. */
export function baselineKey(method: string, url: string): string {
  return endpointKey(method, undefined, url)
}

function pathOf(url: string): string {
  try {
    const parsed = new URL(url)
    return parsed.pathname + parsed.search
  } catch {
    return url
  }
}
