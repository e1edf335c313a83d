import { ServerResponse } from 'node:http'
import type { Transaction } from '../transaction/transaction.js'

/**
 * A response that says, once, when its last bytes are about to be handed to the socket: the
 * write that completes its Content-Length, or `end()`. The finished transaction comes a few
 * event-loop turns after those bytes, and by then the client may have read them and acted (a
 * test that kills the recorder the moment it has its answer): a sink that must be done before
 * the client sees the response (the recorder) is called from here, and the last bytes (with
 * whatever is written after them) wait until it lets them go.
 *
 * Whichever path sends the body (the pump, a pipe, an error answer) goes through `write` and
 * `end`. A subclass (of ServerResponse, or of the HTTP/2 listener's response), given to the server while a sink watches, rather than wrapping
 * those two on each response: every response keeps one shape, which Node's own hot paths rely
 * on (wrapping them per response cost ~90 µs more proxy CPU per small request than this class,
 * in-turn A/B with `node bench/ab.js` on a loaded machine).
 */
/** What a response class must have for `withLastBytes`: ServerResponse and H2Response both do. */
type Response = new (...args: any[]) => {
  write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean
  end(...args: unknown[]): unknown
}

/** A response that can be told to call back before its last bytes go out (handle-request.ts). */
export interface LastBytesWatch {
  /**
   * `onLastBytes` is called once, before the last bytes are written; they (and any write or
   * `end` after them) are held until it calls `release` — at once, or later in the turn.
   */
  watchLastBytes(tx: Readonly<Transaction>, onLastBytes: (release: () => void) => void): void
}

export function withLastBytes<Base extends Response>(base: Base) {
  return class LastBytesResponse extends base implements LastBytesWatch {
    /** Set by `watchLastBytes`; cleared once called. */
    watch: { readonly tx: Readonly<Transaction>; readonly onLastBytes: (release: () => void) => void } | undefined = undefined
    bodyBytes = 0
    /** Writes and `end` waiting for the release, in order; undefined when nothing is held. */
    held: Array<() => void> | undefined = undefined

    override write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
      if (this.held === undefined && this.watch !== undefined && (typeof chunk === 'string' || chunk instanceof Uint8Array)) {
        this.bodyBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : chunk.length
        // The length as sent (writeHead's headers are not readable back through getHeader).
        if (this.bodyBytes >= Number(this.watch.tx.responseHeadersSent?.['content-length'] ?? NaN)) this.lastBytes()
      }
      if (this.held === undefined) return super.write(chunk, encoding, callback)
      this.held.push(() => super.write(chunk, encoding, callback))
      return true
    }

    override end(...args: unknown[]): ReturnType<InstanceType<Base>['end']> {
      if (this.held === undefined && this.watch !== undefined) this.lastBytes()
      if (this.held === undefined) return super.end(...args) as ReturnType<InstanceType<Base>['end']>
      this.held.push(() => super.end(...args))
      return this as unknown as ReturnType<InstanceType<Base>['end']>
    }

    /** Calls `onLastBytes` before the last bytes of this response are written. */
    watchLastBytes(tx: Readonly<Transaction>, onLastBytes: (release: () => void) => void): void {
      this.watch = { tx, onLastBytes }
    }

    lastBytes(): void {
      const watch = this.watch!
      this.watch = undefined
      const held: Array<() => void> = []
      this.held = held
      watch.onLastBytes(() => {
        this.held = undefined
        for (const call of held) call()
      })
    }
  }
}

/** For HTTP/1.x listeners. */
export const LastBytesResponse = withLastBytes(ServerResponse)
