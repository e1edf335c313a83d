import { describe, expect, it } from 'vitest'
import { H2HeadScanner, type HeadRefusal } from '../../src/proxy/listen/h2-head-scanner.js'
import { FLAG, FRAME, frame, headerBlock, literal, requestFields } from '../conformance/h2-raw.js'

/**
 * The scanner hands on exactly the bytes it was given, however they were cut into chunks — but
 * for a refused block, which gains one field in front (RFC 9113 §8.1.1 via nghttp2's own check).
 */

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')
const OPTIONS = { maxHeaderListBytes: 16_384, headerTableBytes: 4_096, maxFrameBytes: 16_384 }
const POISON = Buffer.from([0x00, 0x01, 0x58, 0x00])

const settings = (pairs: Array<[number, number]>) => {
  const payload = Buffer.alloc(pairs.length * 6)
  pairs.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, i * 6)
    payload.writeUInt32BE(value, i * 6 + 2)
  })
  return frame(FRAME.SETTINGS, 0, 0, payload)
}

const good = headerBlock([...requestFields('/a'), ['x-ok', 'yes']])
const bad = headerBlock([...requestFields('/b'), ['x-bad', 'a\rb']])
const split = Buffer.concat([headerBlock(requestFields('/c')), literal('x-long', 'v'.repeat(300), 'incremental')])

/** A connection's bytes, and what must come out of them. */
const conversation = [
  PREFACE,
  settings([[1, 1024], [4, 65_535]]),
  frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 1, good),
  frame(FRAME.HEADERS, FLAG.END_HEADERS, 3, good),
  frame(FRAME.DATA, FLAG.END_STREAM, 3, Buffer.from('body bytes')),
  frame(FRAME.HEADERS, 0, 5, split.subarray(0, 100)),
  frame(FRAME.CONTINUATION, FLAG.END_HEADERS | 0, 5, split.subarray(100)),
  frame(FRAME.PING, 0, 0, Buffer.alloc(8, 7)),
  frame(FRAME.SETTINGS, 1, 0),
]
const badFrame = frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 7, bad)
const input = Buffer.concat([...conversation, badFrame, frame(FRAME.WINDOW_UPDATE, 0, 0, Buffer.from([0, 0, 1, 0]))])
const expected = Buffer.concat([...conversation, frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 7, Buffer.concat([POISON, bad])), frame(FRAME.WINDOW_UPDATE, 0, 0, Buffer.from([0, 0, 1, 0]))])

function run(chunks: readonly Buffer[]): { out: Buffer; refusals: HeadRefusal[] } {
  const out: Buffer[] = []
  const refusals: HeadRefusal[] = []
  const scanner = new H2HeadScanner(OPTIONS, (bytes) => out.push(Buffer.from(bytes)), (refusal) => refusals.push(refusal))
  for (const chunk of chunks) scanner.scan(chunk)
  return { out: Buffer.concat(out), refusals }
}

function cut(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = []
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size))
  return chunks
}

describe('the HTTP/2 head scanner', () => {
  it('in one chunk: every byte handed on, the malformed block poisoned, the client table size read', () => {
    const { out, refusals } = run([input])
    expect(out.equals(expected)).toBe(true)
    expect(refusals).toEqual([{ stream: 7, status: undefined, reason: 'malformed request head: the value of "x-bad" has a carriage return (RFC 9113 §8.2.1)', clientTableBytes: 1024 }])
  })

  it.for([1, 2, 3, 5, 8, 9, 10, 13, 64, 100, 333])('cut into %i-byte chunks: the same bytes out, the same refusal', (size) => {
    const { out, refusals } = run(cut(input, size))
    expect(out.equals(expected)).toBe(true)
    expect(refusals.map((r) => r.stream)).toEqual([7])
  })

  it('in the usual case hands on the very chunk it got (no copy)', () => {
    const scanner = new H2HeadScanner(OPTIONS, (bytes) => delivered.push(bytes), () => {})
    const delivered: Buffer[] = []
    const chunk = Buffer.concat(conversation.slice(0, 5))
    scanner.scan(chunk)
    expect(delivered).toHaveLength(1)
    expect(delivered[0]).toBe(chunk)
  })

  it('a head over the limit is refused as 431 (a request) and its block poisoned', () => {
    const big = Buffer.concat([headerBlock(requestFields('/big')), literal('x-big', 'b'.repeat(17_000))])
    const frames: Buffer[] = []
    for (let at = 0, first = true; at < big.length; at += 16_384, first = false) {
      const last = at + 16_384 >= big.length
      frames.push(frame(first ? FRAME.HEADERS : FRAME.CONTINUATION, last ? FLAG.END_HEADERS : 0, 9, big.subarray(at, at + 16_384)))
    }
    const { refusals } = run([PREFACE, ...frames])
    expect(refusals).toHaveLength(1)
    expect(refusals[0]).toMatchObject({ stream: 9, status: 431 })
  })
})
