/** Collects text written during one event-loop turn and hands it on in one piece. */
export function createBatchedWriter(write: (text: string) => void): { write(text: string): void; flush(): void } {
  let pending: string[] = []
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending.length === 0) return
    const text = pending.join('')
    pending = []
    write(text)
  }
  return {
    write(text) {
      pending.push(text)
      if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
    },
    flush,
  }
}
