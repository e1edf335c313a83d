/**
 * Tells an HTTP/0.9 request line (`GET /path`, no version: RFC 9112 Appendix C.1) from
 * everything else, reading as few bytes as it can. Node's parser takes such a line for a
 * request whose headers are still to come and waits for them until the headers timeout; the
 * front door answers it 505 instead (RFC 9110 §15.6.6).
 *
 * Pure and incremental: each chunk is scanned once, so a client sending a byte at a time
 * costs no more than one sending the line whole.
 */

/** What the bytes read so far say about the first request line. */
export type LineVerdict =
  /** `method SP target` then the end of the line: no HTTP version. */
  | 'http09'
  /** Anything else (a version follows the target, or not a request line at all): Node's parser decides. */
  | 'other'
  /** Still a possible HTTP/0.9 line; read on. */
  | 'undecided'

type Phase = 'leading' | 'method' | 'target-start' | 'target' | 'cr'

/** Where a scan stands between chunks. */
export interface LineScan {
  readonly verdict: LineVerdict
  readonly phase: Phase
}

export const START_SCAN: LineScan = { verdict: 'undecided', phase: 'leading' }

const CR = 0x0d
const LF = 0x0a
const SP = 0x20

/** tchar (RFC 9110 §5.6.2): what a method token is made of. */
const TCHAR = new Uint8Array(256)
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1

/** A byte a request target may hold: anything visible (the parser judges it later). */
function isTargetByte(byte: number): boolean {
  return byte > SP && byte !== 0x7f
}

/** Scans `chunk` on from `scan`; stops at the first byte that decides. */
export function scanRequestLine(scan: LineScan, chunk: Uint8Array): LineScan {
  let phase = scan.phase
  if (scan.verdict !== 'undecided') return scan
  for (const byte of chunk) {
    switch (phase) {
      case 'leading':
        // RFC 9112 §2.2: empty lines before the request line are ignored.
        if (byte === CR || byte === LF) continue
        if (!TCHAR[byte]) return { verdict: 'other', phase }
        phase = 'method'
        continue
      case 'method':
        if (TCHAR[byte]) continue
        if (byte !== SP) return { verdict: 'other', phase }
        phase = 'target-start'
        continue
      case 'target-start':
        if (!isTargetByte(byte)) return { verdict: 'other', phase }
        phase = 'target'
        continue
      case 'target':
        if (isTargetByte(byte)) continue
        if (byte === LF) return { verdict: 'http09', phase }
        if (byte !== CR) return { verdict: 'other', phase }
        phase = 'cr'
        continue
      case 'cr':
        return { verdict: byte === LF ? 'http09' : 'other', phase }
    }
  }
  return { verdict: 'undecided', phase }
}

/** The method and target of an HTTP/0.9 line, for the log. */
export function parseHttp09Line(bytes: Buffer): { method: string; target: string } {
  const [method = 'GET', target = '/'] = bytes.toString('latin1').replace(/^[\r\n]+/, '').split(/[ \r\n]/, 2)
  return { method, target }
}
