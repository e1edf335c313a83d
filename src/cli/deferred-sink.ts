import type { Transaction, TransactionSink } from '../proxy/index.js'

/**
 * A sink handed to the proxy before the sink that does the work exists: what arrives meanwhile
 * is kept, in order, and passed on once `attach` gives it somewhere to go. `devproxy record`
 * opens its file only once the proxy listens (a port in use must leave no file behind, nor
 * clobber one), yet records from the first request.
 */
export interface DeferredSink {
  readonly sink: TransactionSink
  attach(target: TransactionSink): void
}

export function createDeferredSink(): DeferredSink {
  let target: TransactionSink | undefined
  const waiting: Array<{ readonly delivery: boolean; readonly tx: Readonly<Transaction> }> = []
  const sink: TransactionSink = Object.assign((tx: Readonly<Transaction>) => (target ? target(tx) : void waiting.push({ delivery: false, tx })), {
    beforeDelivery(tx: Readonly<Transaction>) {
      if (target) target.beforeDelivery?.(tx)
      else waiting.push({ delivery: true, tx })
    },
    flushDelivered() {
      target?.flushDelivered?.()
    },
  })
  return {
    sink,
    attach(next) {
      target = next
      for (const { delivery, tx } of waiting.splice(0)) {
        if (delivery) next.beforeDelivery?.(tx)
        else next(tx)
      }
      next.flushDelivered?.()
    },
  }
}
