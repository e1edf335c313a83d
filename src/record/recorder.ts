import { createBatch } from '../log/batched-writer.js'
import { decodeBody, isEncoded, plainBody, type DecodedBody } from '../log/decode-body.js'
import type { CapturedBody } from '../proxy/body-capture.js'
import type { Transaction, TransactionSink } from '../proxy/transaction.js'
import type { RecordFilter } from './filter.js'
import { harEntryJson, type RecordedBody } from './har-entry.js'
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

/** A batch is written at once when this many transactions are waiting. */
const MAX_BATCH = 256

export async function startRecorder(options: RecorderOptions): Promise<Recorder> {
  const writer = await openHarWriter(options.file, options.creatorVersion)
  let failed = false
  const write = (entryJsons: string[]) => {
    try {
      writer.append(entryJsons)
    } catch (error) {
      // The first failure (a full disk, a removed directory) is reported; the writer stops.
      if (!failed) options.onError(error)
      failed = true
    }
  }
  const entry = (tx: Readonly<Transaction>, request: RecordedBody | undefined, response: RecordedBody | undefined) =>
    harEntryJson(tx, { redact: options.redact, request, response })

  // Entries whose compressed bodies are being decoded; everything after them waits its turn.
  let queue: Promise<void> = Promise.resolve()
  let waiting = 0
  const later = (txs: Readonly<Transaction>[]) => {
    waiting++
    queue = queue
      .then(async () => {
        for (const tx of txs) {
          const [request, response] = await Promise.all([recorded(tx.requestBody, options.maxBodyBytes), recorded(tx.responseBody, options.maxBodyBytes)])
          write([entry(tx, request, response)])
        }
      })
      .catch(options.onError)
      .finally(() => waiting--)
  }

  // Finished transactions are serialized a batch at a time (up to 16 ms apart): in one loop,
  // away from the proxying, that costs a fraction of doing it as each one finishes.
  const batch = createBatch<Readonly<Transaction>>((txs) => {
    const lines: string[] = []
    let i = 0
    // Most bodies are not compressed: those entries are written now, without a trip through
    // the promise queue (unless an earlier entry is still being decoded: order is kept).
    for (; waiting === 0 && i < txs.length && !needsDecoding(txs[i]!); i++) {
      const tx = txs[i]!
      try {
        lines.push(entry(tx, plainRecorded(tx.requestBody, options.maxBodyBytes), plainRecorded(tx.responseBody, options.maxBodyBytes)))
      } catch (error) {
        options.onError(error)
      }
    }
    write(lines)
    if (i < txs.length) later(txs.slice(i))
  }, MAX_BATCH)
  const sink = (tx: Readonly<Transaction>) => {
    // WebSocket traffic has no HAR 1.2 form; only HTTP exchanges are recorded.
    if (tx.kind !== 'http' || !options.filter(tx)) return
    batch.add(tx)
  }
  return {
    sink,
    async close() {
      batch.flush()
      await queue
      try {
        writer.close()
      } catch (error) {
        if (!failed) options.onError(error)
      }
      return writer.count()
    },
  }
}

function needsDecoding(tx: Readonly<Transaction>): boolean {
  return (tx.requestBody !== undefined && isEncoded(tx.requestBody)) || (tx.responseBody !== undefined && isEncoded(tx.responseBody))
}

async function recorded(body: CapturedBody | undefined, maxBytes: number): Promise<RecordedBody | undefined> {
  return body && capped(await decodeBody(body), maxBytes)
}

function plainRecorded(body: CapturedBody | undefined, maxBytes: number): RecordedBody | undefined {
  return body && capped(plainBody(body), maxBytes)
}

/** The decoded body cut to the recording's cap. */
function capped(decoded: DecodedBody, maxBytes: number): RecordedBody {
  const bytes = decoded.bytes.length > maxBytes ? decoded.bytes.subarray(0, maxBytes) : decoded.bytes
  return { contentType: decoded.contentType, bytes, truncated: decoded.truncated || bytes.length < decoded.bytes.length, wireBytes: decoded.totalBytes }
}
