import { describe, expect, it } from 'vitest'
import type { BodyView } from '../../src/inspector/api.js'
import { classifyBody, decodeBase64, decodeText, mediaTypeOf, sniffImageType } from '../../inspector/src/lib/body.js'
import { formatHexDump } from '../../inspector/src/lib/hex-dump.js'

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]

function body(contentType: string | null, content: string | number[]): BodyView {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content)
  return { contentType, base64: bytes.toString('base64'), size: bytes.length, truncated: false }
}

describe('classifyBody: how a body is shown', () => {
  it.each<{ case: string; body: BodyView; kind: string }>([
    { case: 'no bytes', body: body('application/json', ''), kind: 'empty' },
    { case: 'JSON by type', body: body('application/json; charset=utf-8', '{"a":1}'), kind: 'json' },
    { case: 'JSON by +json suffix', body: body('application/problem+json', '{"title":"x"}'), kind: 'json' },
    { case: 'untyped JSON', body: body(null, ' [1,2]'), kind: 'json' },
    { case: 'JSON type, not JSON (truncated): text', body: body('application/json', '{"a":'), kind: 'text' },
    { case: 'text/plain that looks like JSON stays text', body: body('text/plain', '{"a":1}'), kind: 'text' },
    { case: 'HTML is text, never markup', body: body('text/html', '<script>alert(1)</script>'), kind: 'text' },
    { case: 'an event stream', body: body('text/event-stream', 'data: 1\n\n'), kind: 'event-stream' },
    { case: 'a PNG by type and signature', body: body('image/png', PNG), kind: 'image' },
    { case: 'a PNG sent as octet-stream', body: body('application/octet-stream', PNG), kind: 'image' },
    { case: 'image/png that is really HTML: text', body: body('image/png', '<html><script>x</script>'), kind: 'text' },
    { case: 'SVG is text (it can hold script)', body: body('image/svg+xml', '<svg><script>x</script></svg>'), kind: 'text' },
    { case: 'bytes with NULs: binary', body: body('application/octet-stream', [1, 0, 2, 255]), kind: 'binary' },
    { case: 'invalid UTF-8: binary', body: body(null, [0xc3, 0x28, 0x41]), kind: 'binary' },
    { case: 'a latin-1 text in its charset', body: body('text/plain; charset=iso-8859-1', [0x63, 0x61, 0x66, 0xe9]), kind: 'text' },
  ])('$case → $kind', ({ body: view, kind }) => {
    expect(classifyBody(view).kind).toBe(kind)
  })

  it('keeps the text of an HTML body exactly, for the UI to show as text', () => {
    expect(classifyBody(body('text/html', '<script>alert(1)</script>'))).toEqual({ kind: 'text', text: '<script>alert(1)</script>' })
  })

  it('decodes a declared charset', () => {
    expect(classifyBody(body('text/plain; charset="ISO-8859-1"', [0x63, 0x61, 0x66, 0xe9]))).toEqual({ kind: 'text', text: 'café' })
  })

  it('an unknown charset label falls back to UTF-8', () => {
    expect(classifyBody(body('text/plain; charset=x-nonsense', 'héllo'))).toEqual({ kind: 'text', text: 'héllo' })
  })
})

describe('decodeText', () => {
  it.each([
    { case: 'UTF-8', bytes: [0x68, 0xc3, 0xa9], text: 'hé' },
    { case: 'a multi-byte character cut at the end is dropped, not binary', bytes: [0x68, 0xc3], text: 'h' },
    { case: 'tabs, newlines and ESC (terminal colours) are text', bytes: [0x09, 0x0a, 0x0d, 0x1b, 0x41], text: '\t\n\r\u001bA' },
    { case: 'NUL is not', bytes: [0x41, 0x00], text: null },
  ])('$case', ({ bytes, text }) => {
    expect(decodeText(new Uint8Array(bytes))).toBe(text)
  })
})

describe('sniffImageType: by signature only', () => {
  const ascii = (text: string) => [...Buffer.from(text, 'latin1')]
  it.each([
    { case: 'PNG', bytes: PNG, type: 'image/png' },
    { case: 'JPEG', bytes: [0xff, 0xd8, 0xff, 0xe0], type: 'image/jpeg' },
    { case: 'GIF89a', bytes: ascii('GIF89a..'), type: 'image/gif' },
    { case: 'WebP', bytes: ascii('RIFF\u0000\u0000\u0000\u0000WEBPVP8 '), type: 'image/webp' },
    { case: 'AVIF', bytes: ascii('\u0000\u0000\u0000\u001cftypavif'), type: 'image/avif' },
    { case: 'SVG', bytes: ascii('<svg xmlns="http://www.w3.org/2000/svg"/>'), type: null },
    { case: 'too short', bytes: [0x89, 0x50], type: null },
  ])('$case', ({ bytes, type }) => {
    expect(sniffImageType(new Uint8Array(bytes))).toBe(type)
  })
})

describe('small helpers', () => {
  it('mediaTypeOf drops parameters and case', () => {
    expect(mediaTypeOf('Application/JSON; charset=UTF-8')).toBe('application/json')
    expect(mediaTypeOf(null)).toBe('')
  })

  it('decodeBase64 gives the bytes', () => {
    expect([...decodeBase64(Buffer.from([0, 255, 16]).toString('base64'))]).toEqual([0, 255, 16])
  })
})

describe('formatHexDump: byte for byte what hexdump -C prints', () => {
  it('prints offset, two groups of eight and the ASCII column', () => {
    const bytes = new Uint8Array(Buffer.from('Hello, world!\n\u0000\u0001ABCD', 'latin1'))
    expect(formatHexDump(bytes)).toBe(
      [
        '00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 0a 00 01  |Hello, world!...|',
        '00000010  41 42 43 44                                       |ABCD|',
      ].join('\n'),
    )
  })

  it('stops at maxBytes', () => {
    expect(formatHexDump(new Uint8Array(100), 32).split('\n')).toHaveLength(2)
  })

  it('prints nothing for no bytes', () => {
    expect(formatHexDump(new Uint8Array(0))).toBe('')
  })
})
