import type { CapturedBody } from '../proxy/index.js'
import type { Transaction, TransactionSink } from '../proxy/index.js'
import type { RecordFilter } from './filter.js'
import { harEntryJson, harEntryPieces, LARGE_BODY_BYTES, type RecordedBody } from './har-entry.js'
import { openHarWriter } from './har-writer.js'
import { decodeRecordedBody, DECODE_LATER, recordedBodyNow } from './recorded-body.js'

/**
 * `devproxy record`: a transaction sink that appends each HTTP transaction to a HAR file,
 * bodies decoded and capped, secrets redacted. An entry is written, synchronously, before the
 * last bytes of its response reach the client (`beforeDelivery` queues it, `flushDelivered`
 * writes the turn's entries in one call, and the engine holds the last bytes until then), so
 * once a client has its answer the entry is in the file, whatever happens to the process next; a transaction that
 * never delivers a whole response (the client left, the upstream broke, the proxy stopped) is
 * written when it finishes, marked with how it ended. Entries are in that order; one whose
 * compressed body decodes to more than the cap waits for its streaming decode (milliseconds),
 * and the entries after it wait their turn behind it.
 */
export interface RecorderOptions {
  readonly file: string
  readonly creatorVersion: string
  /** Lower-case header names to redact (empty with --no-redact). */
  readonly redact: ReadonlySet<string>
  readonly maxBodyBytes: number
  readonly filter: RecordFilter
  /** Go on with `file` if an earlier run began it and was killed (a restart); default: start it afresh. */
  readonly resume?: boolean | undefined
  onError(error: unknown): void
}

export interface Recorder {
  readonly sink: TransactionSink
  /** Writes what is queued and finishes the file; resolves with the number of entries. */
  close(): Promise<number>
}

export async function startRecorder(options: RecorderOptions): Promise<Recorder> {
  const writer = await openHarWriter(options.file, options.creatorVersion, { resume: options.resume })
  let failed = false
  const guarded = (work: () => void) => {
    try {
      work()
    } catch (error) {
      // The first failure (a full disk, a removed directory) is reported; the writer stops.
      if (!failed) options.onError(error)
      failed = true
    }
  }
  // `queue`: a delivered response's entry, written by `flushDelivered` at the end of the turn.
  const write = (tx: Readonly<Transaction>, request: RecordedBody | undefined, response: RecordedBody | undefined, ending: string | undefined, queue = false) =>
    guarded(() => {
      const entry = { redact: options.redact, request, response, ending }
      if (isLarge(request) || isLarge(response)) writer.append(harEntryPieces(tx, entry))
      else if (queue) writer.queue(harEntryJson(tx, entry))
      else writer.append(harEntryJson(tx, entry))
    })

  // Entries behind a body being decoded by the stream decoder, in finishing order.
  let queue: Promise<void> = Promise.resolve()
  let waiting = 0
  const later = (tx: Readonly<Transaction>, delivered: boolean, ending: string | undefined) => {
    waiting++
    queue = queue
      .then(async () => {
        const [request, response] = await Promise.all([recordedBody(tx.requestBody, options.maxBodyBytes, false), recordedBody(tx.responseBody, options.maxBodyBytes, delivered)])
        write(tx, request, response, ending)
      })
      .catch(options.onError)
      .finally(() => waiting--)
  }
  const record = (tx: Readonly<Transaction>, delivered: boolean) => {
    // Delivered: the transaction has not ended yet, and will end `completed` unless the
    // connection breaks in the instant the last bytes are on their way.
    const ending = delivered ? (tx.ending ?? 'completed') : undefined
    if (waiting > 0) return later(tx, delivered, ending)
    const request = recordedBodyNow(tx.requestBody, options.maxBodyBytes)
    const response = recordedBodyNow(tx.responseBody, options.maxBodyBytes, delivered)
    if (request === DECODE_LATER || response === DECODE_LATER) return later(tx, delivered, ending)
    write(tx, request, response, ending, delivered)
  }

  // WebSocket traffic has no HAR 1.2 form; only HTTP exchanges are recorded.
  const wanted = (tx: Readonly<Transaction>) => tx.kind === 'http' && options.filter(tx)
  const delivered = new WeakSet<Readonly<Transaction>>()
  const sink: TransactionSink = Object.assign((tx: Readonly<Transaction>) => void (!delivered.has(tx) && wanted(tx) && record(tx, false)), {
    beforeDelivery(tx: Readonly<Transaction>) {
      if (!wanted(tx)) return
      delivered.add(tx)
      record(tx, true)
    },
    flushDelivered: () => guarded(() => writer.flush()),
  })
  return {
    sink,
    async close() {
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

function isLarge(body: RecordedBody | undefined): boolean {
  return body !== undefined && body.bytes.length > LARGE_BODY_BYTES
}

/** A captured body as a recording keeps it (recorded-body.ts), decoding it by stream when it must. */
export async function recordedBody(body: CapturedBody | undefined, maxBytes: number, complete: boolean): Promise<RecordedBody | undefined> {
  const now = recordedBodyNow(body, maxBytes, complete)
  return now === DECODE_LATER ? decodeRecordedBody(body!, maxBytes) : now
}
