import { decodeBody, isEncoded, plainBody, type DecodedBody } from '../log/decode-body.js'
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
  /** Entries waiting on a compressed body to be decoded; later ones wait behind them. */
  let waiting = 0
  const append = (tx: Readonly<Transaction>, request: RecordedBody | undefined, response: RecordedBody | undefined) =>
    writer.append(buildHarEntry(tx, { redact: options.redact, request, response }))

  const sink = (tx: Readonly<Transaction>) => {
    // WebSocket traffic has no HAR 1.2 form; only HTTP exchanges are recorded.
    if (tx.kind !== 'http' || !options.filter(tx)) return
    const { requestBody, responseBody } = tx
    // Most bodies are not compressed: those entries are written now, without a trip through
    // the promise queue (unless an earlier entry is still being decoded: order is kept).
    if (waiting === 0 && !(requestBody && isEncoded(requestBody)) && !(responseBody && isEncoded(responseBody))) {
      try {
        append(tx, requestBody && capped(plainBody(requestBody), options.maxBodyBytes), responseBody && capped(plainBody(responseBody), options.maxBodyBytes))
      } catch (error) {
        options.onError(error)
      }
      return
    }
    waiting++
    queue = queue
      .then(async () => {
        const [request, response] = await Promise.all([recorded(requestBody, options.maxBodyBytes), recorded(responseBody, options.maxBodyBytes)])
        append(tx, request, response)
      })
      .catch(options.onError)
      .finally(() => waiting--)
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
  return body && capped(await decodeBody(body), maxBytes)
}

/** The decoded body cut to the recording's cap. */
function capped(decoded: DecodedBody, maxBytes: number): RecordedBody {
  const bytes = decoded.bytes.length > maxBytes ? decoded.bytes.subarray(0, maxBytes) : decoded.bytes
  return { contentType: decoded.contentType, bytes, truncated: decoded.truncated || bytes.length < decoded.bytes.length, wireBytes: decoded.totalBytes }
}
