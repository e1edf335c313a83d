import { readFileSync } from 'node:fs'
import type { Transaction } from '../proxy/index.js'
import { harEntryJson } from '../record/har-entry.js'
import { CREATOR_NAME } from '../record/har-writer.js'
import { recordedBody } from '../record/recorder.js'

/**
 * Transactions of the inspector's history as one HAR 1.2 file, with the entries
 * `devproxy record` writes (har-entry.ts): bodies decoded and capped, secrets redacted.
 * WebSocket connections are left out, as the recorder leaves them out (HAR has no form for them).
 */

export interface HarFileOptions {
  /** Lower-case header names to redact. */
  readonly redact: ReadonlySet<string>
  /** Bodies are kept up to this many bytes each, decoded. */
  readonly maxBodyBytes: number
}

export async function buildHarFile(transactions: Iterable<Readonly<Transaction>>, options: HarFileOptions): Promise<string> {
  const entries: string[] = []
  for (const tx of transactions) {
    if (tx.kind !== 'http') continue
    // Finished: each capture knows whether it saw its body end.
    const [request, response] = await Promise.all([recordedBody(tx.requestBody, options.maxBodyBytes, false), recordedBody(tx.responseBody, options.maxBodyBytes, false)])
    entries.push(harEntryJson(tx, { redact: options.redact, request, response }))
  }
  const creator = JSON.stringify({ name: CREATOR_NAME, version: packageVersion() })
  return `{"log":{"version":"1.2","creator":${creator},"pages":[],"entries":[\n${entries.join(',\n')}\n]}}\n`
}

let version: string | undefined

/** devproxy's own version, from its package.json (two levels up, from src/ and from dist/ alike). */
function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
  return version
}
