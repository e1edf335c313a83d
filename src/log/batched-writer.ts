/** How long a line may wait to be written: under a frame, so a watching developer never sees it late. */
export const FLUSH_DELAY_MS = 16
/** Written at once when this much is waiting, whatever the delay. */
const FLUSH_BYTES = 64 * 1024

/** The flushes of batches holding items, run if the process exits first. */
const holding = new Set<() => void>()
let exitHooked = false

export interface Batch<T> {
  add(item: T): void
  /** Hands on what is waiting now (nothing twice). */
  flush(): void
}

/**
 * Holds items for up to FLUSH_DELAY_MS (or until `maxItems` wait) and hands them on together:
 * under load, the work per item (formatting a log line, the write call) is done for a batch of
 * ~70 in one tight loop instead of interleaved with the proxying (bench/RESULTS.md). Whatever
 * is waiting is handed on when the process exits. (The recorder does not batch: an entry must
 * be in its file before the client has the response.)
 */
export function createBatch<T>(handle: (items: T[]) => void, maxItems = Infinity): Batch<T> {
  let items: T[] = []
  let timer: NodeJS.Timeout | undefined
  const flush = () => {
    clearTimeout(timer)
    timer = undefined
    holding.delete(flush)
    if (items.length === 0) return
    const batch = items
    items = []
    handle(batch)
  }
  return {
    add(item) {
      items.push(item)
      if (items.length >= maxItems) return flush()
      if (timer !== undefined) return
      timer = setTimeout(flush, FLUSH_DELAY_MS)
      holding.add(flush)
      hookExit()
    },
    flush,
  }
}

/** Text gathered for up to FLUSH_DELAY_MS (or 64 KiB) and written in one call. */
export function createBatchedWriter(write: (text: string) => void): { write(text: string): void; flush(): void } {
  let bytes = 0
  const batch = createBatch<string>((texts) => {
    bytes = 0
    write(texts.join(''))
  })
  return {
    write(text) {
      batch.add(text)
      bytes += text.length
      if (bytes >= FLUSH_BYTES) batch.flush()
    },
    flush: batch.flush,
  }
}

function hookExit(): void {
  if (exitHooked) return
  exitHooked = true
  process.once('exit', () => {
    for (const flush of [...holding]) flush()
  })
}
