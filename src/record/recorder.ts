import { decodeBody } from '../log/decode-body.js'
import type { CapturedBody } from '../proxy/body-capture.js'
import type { Transaction, TransactionSink } from '../proxy/transaction.js'
import type { RecordFilter } from './filter.js'
import { buildHarEntry, type RecordedBody } from './har-entry.js'
import { openHarWriter } from './har-writer.js'

/**
 * `devproxy record`: a transaction sink that appends each finished HTTP transaction to a HAR
 * file, bodies decoded and capped, secrets redacted. Entries are written in finishing order.
 */
export interface RecorderOptions {
  readonly file: string
  readonly creatorVersion: string
  /** Lower-case header names to redact (empty with --no-redact). */
  readonly redact: ReadonlySet<string>
  readonly maxBodyBytes: number
  readonly filter: RecordFilter
  onError(error: unknown): void
}

export interface Recorder {
  readonly sink: TransactionSink
  /** Writes what is queued and finishes the file; resolves with the number of entries. */
  close(): Promise<number>
}

export async function startRecorder(options: RecorderOptions): Promise<Recorder> {
  const writer = await openHarWriter(options.file, options.creatorVersion)
  let queue: Promise<void> = Promise.resolve()
  const sink = (tx: Readonly<Transaction>) => {
    // WebSocket traffic has no HAR 1.2 form; only HTTP exchanges are recorded.
    if (tx.kind !== 'http' || !options.filter(tx)) return
    queue = queue
      .then(async () => {
        const [request, response] = await Promise.all([recorded(tx.requestBody, options.maxBodyBytes), recorded(tx.responseBody, options.maxBodyBytes)])
        writer.append(buildHarEntry(tx, { redact: options.redact, request, response }))
      })
      .catch(options.onError)
  }
  return {
    sink,
    async close() {
      await queue
      await writer.close()
      return writer.count()
    },
  }
}

async function recorded(body: CapturedBody | undefined, maxBytes: number): Promise<RecordedBody | undefined> {
  if (!body) return undefined
  const decoded = await decodeBody(body)
  const bytes = decoded.bytes.length > maxBytes ? decoded.bytes.subarray(0, maxBytes) : decoded.bytes
  return { contentType: body.contentType, bytes, truncated: body.truncated || bytes.length < decoded.bytes.length, wireBytes: body.totalBytes }
}
