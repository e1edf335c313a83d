import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { classifyBody, type DiffableBody, diffBodies, formatBodyDiff, summarizeBody } from '../../src/diff/body-diff.js'
import { type Palette, plainPalette } from '../../src/terminal/palette.js'

const markers: Palette = {
  ...plainPalette,
  dim: (text) => `<dim>${text}</dim>`,
  ok: (text) => `<ok>${text}</ok>`,
  error: (text) => `<error>${text}</error>`,
  warn: (text) => `<warn>${text}</warn>`,
}

function body(content: string | Buffer | readonly number[], contentType?: string, cut?: { totalBytes: number }): DiffableBody {
  const bytes = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content as Buffer)
  return { contentType, bytes, truncated: cut !== undefined, totalBytes: cut?.totalBytes ?? bytes.length }
}

const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

describe('classifyBody', () => {
  it.each<{ case: string; body: DiffableBody; kind: string }>([
    { case: 'application/json', body: body('{"a":1}', 'application/json'), kind: 'json' },
    { case: 'application/json with a charset', body: body('[1]', 'application/json; charset=utf-8'), kind: 'json' },
    { case: 'a +json type', body: body('{"title":"x"}', 'application/problem+json'), kind: 'json' },
    { case: 'a JSON scalar under a JSON type', body: body('"ok"', 'application/json'), kind: 'json' },
    { case: 'JSON null under a JSON type', body: body('null', 'application/json'), kind: 'json' },
    { case: 'a JSON type that does not parse', body: body('{"a":', 'application/json'), kind: 'text' },
    { case: 'no type, an object that parses', body: body(' {"a":1}'), kind: 'json' },
    { case: 'text/plain, an array that parses', body: body('[1,2]', 'text/plain'), kind: 'json' },
    { case: 'text/plain, a scalar that parses stays text', body: body('42', 'text/plain'), kind: 'text' },
    { case: 'no type, UTF-8 with a BOM that parses', body: body('\uFEFF{"a":1}'), kind: 'json' },
    { case: 'text/html', body: body('<!doctype html>', 'text/html'), kind: 'text' },
    { case: 'application/xml', body: body('<a/>', 'application/xml'), kind: 'text' },
    { case: 'image/svg+xml', body: body('<svg/>', 'image/svg+xml'), kind: 'text' },
    { case: 'application/javascript', body: body('let a', 'application/javascript'), kind: 'text' },
    { case: 'a form', body: body('a=1&b=2', 'application/x-www-form-urlencoded'), kind: 'text' },
    { case: 'octet-stream that is valid UTF-8', body: body('héllo', 'application/octet-stream'), kind: 'text' },
    { case: 'octet-stream with a NUL', body: body('a\u0000b', 'application/octet-stream'), kind: 'binary' },
    { case: 'a PNG', body: body(png, 'image/png'), kind: 'binary' },
    { case: 'no type, not UTF-8', body: body([0xff, 0xfe, 0x41]), kind: 'binary' },
    { case: 'a declared text type that is not UTF-8', body: body([0x63, 0x61, 0x66, 0xe9], 'text/plain'), kind: 'text' },
    { case: 'empty', body: body(''), kind: 'text' },
    { case: 'cut by the cap in the middle of a character', body: body(Buffer.from('abc€').subarray(0, 5), undefined, { totalBytes: 9_000 }), kind: 'text' },
  ])('$case → $kind', ({ body, kind }) => {
    expect(classifyBody(body).kind).toBe(kind)
  })

  it('decodes with the declared charset', () => {
    expect(classifyBody(body([0x63, 0x61, 0x66, 0xe9], 'text/plain; charset=iso-8859-1'))).toEqual({ kind: 'text', text: 'café' })
  })

  it('falls back to UTF-8 for a charset it does not know', () => {
    expect(classifyBody(body('café', 'text/plain; charset=x-nonsense'))).toEqual({ kind: 'text', text: 'café' })
  })
})

describe('diffBodies', () => {
  const json = (value: unknown) => body(JSON.stringify(value), 'application/json')

  it.each<{ case: string; before: DiffableBody; after: DiffableBody; kind: string }>([
    { case: 'the same bytes', before: body(png), after: body(png), kind: 'same' },
    { case: 'JSON with keys reordered', before: body('{"a":1,"b":2}', 'application/json'), after: body('{"b":2, "a":1}', 'application/json'), kind: 'same' },
    { case: 'JSON that changed', before: json({ a: 1 }), after: json({ a: 2 }), kind: 'json' },
    { case: 'text that changed', before: body('a\n', 'text/plain'), after: body('b\n', 'text/plain'), kind: 'text' },
    { case: 'binary that changed', before: body(png), after: body([...png, 0]), kind: 'binary' },
    { case: 'JSON → text', before: json({ a: 1 }), after: body('Internal Server Error', 'text/plain'), kind: 'kinds-differ' },
    { case: 'text → binary', before: body('ok', 'text/plain'), after: body(png, 'image/png'), kind: 'kinds-differ' },
    { case: 'empty → text is a text diff', before: body('', 'text/plain'), after: body('ok\n', 'text/plain'), kind: 'text' },
  ])('$case → $kind', ({ before, after, kind }) => {
    expect(diffBodies(before, after).kind).toBe(kind)
  })

  it('JSON changes come from the structural diff, with ignore paths', () => {
    const before = json({ id: 1, requestId: 'a', name: 'Ann' })
    const after = json({ id: 1, requestId: 'b', name: 'Anna' })
    expect(diffBodies(before, after, { ignore: ['$.requestId'] })).toEqual({ kind: 'json', changes: [{ op: '~', path: '$.name', before: 'Ann', after: 'Anna' }] })
    expect(diffBodies(before, json({ id: 1, requestId: 'c', name: 'Ann' }), { ignore: ['$.requestId'] })).toEqual({ kind: 'same' })
  })

  it('binary: size and SHA-256 of each side', () => {
    const after = Buffer.from([...png, 1, 2, 3])
    expect(diffBodies(body(png), body(after))).toEqual({
      kind: 'binary',
      before: { bytes: 12, sha256: sha256(Buffer.from(png)) },
      after: { bytes: 15, sha256: sha256(after) },
      same: false,
    })
  })

  it('labels an empty side as empty', () => {
    expect(diffBodies(json({ a: 1 }), body('', 'application/json'))).toEqual({ kind: 'kinds-differ', before: 'json', after: 'empty' })
  })

  it('a body over the cap on either side: compared by whole size and hash of what was captured', () => {
    const cut = body('{"a":1,"b":', 'application/json', { totalBytes: 300_000 })
    const whole = json({ a: 1 })
    const diff = diffBodies(whole, cut)
    expect(diff).toMatchObject({
      kind: 'truncated',
      note: expect.stringContaining('capture cap'),
      before: { bytes: 7, sha256: sha256(whole.bytes) },
      after: { bytes: 300_000, sha256: sha256(cut.bytes) },
      same: false,
    })
  })

  it('two captures cut at the same place, of the same size, count as the same', () => {
    const cut = () => body('x'.repeat(100), 'text/plain', { totalBytes: 300_000 })
    expect(diffBodies(cut(), cut())).toMatchObject({ kind: 'truncated', same: true })
    expect(diffBodies(cut(), body('x'.repeat(100), 'text/plain', { totalBytes: 300_001 }))).toMatchObject({ kind: 'truncated', same: false })
  })
})

describe('summarizeBody: one line for a body seen the first time', () => {
  it.each<{ case: string; body: DiffableBody; summary: string }>([
    { case: 'a JSON object', body: body('{"id":1,"name":"Ann","email":"ann@example.com"}', 'application/json'), summary: '{"id":1,"name":"Ann","email":"ann@examp… (object, 3 keys, 47 B)' },
    { case: 'a JSON array', body: body(JSON.stringify(Array.from({ length: 12 }, (_, id) => ({ id })))), summary: '[{"id":0},{"id":1},{"id":2},{"id":3},{"… (array of 12 items, 111 B)' },
    { case: 'one key, one item', body: body('{"a":[1]}', 'application/json'), summary: '{"a":[1]} (object, 1 key, 9 B)' },
    { case: 'a JSON scalar', body: body('"ok"', 'application/json'), summary: '"ok" (json string, 4 B)' },
    { case: 'an HTML page', body: body('\n<!doctype html>\r\n<html>\n</html>\n', 'text/html; charset=utf-8'), summary: '<!doctype html> (text/html, 4 lines, 33 B)' },
    { case: 'text without a type', body: body('hello'), summary: 'hello (text, 1 line, 5 B)' },
    { case: 'a long first line', body: body(`${'z'.repeat(100)}\n`, 'text/plain'), summary: `${'z'.repeat(59)}… (text/plain, 1 line, 101 B)` },
    { case: 'binary', body: body(Buffer.alloc(34_100, 0xff), 'image/png'), summary: `binary image/png, 33 KiB, sha256 ${sha256(Buffer.alloc(34_100, 0xff)).slice(0, 8)}…` },
    { case: 'binary without a type', body: body(png), summary: `binary, 12 B, sha256 ${sha256(Buffer.from(png)).slice(0, 8)}…` },
    { case: 'empty', body: body(''), summary: '(empty)' },
    { case: 'over the cap', body: body('<html>\n', 'text/html', { totalBytes: 1_200_000 }), summary: '<html> (text/html, 1 line, 1.1 MiB, first 7 B captured)' },
    { case: 'binary over the cap: no hash of a part', body: body(png, 'image/png', { totalBytes: 3_000_000 }), summary: 'binary image/png, 2.9 MiB, first 12 B captured' },
  ])('$case', ({ body, summary }) => {
    expect(summarizeBody(body)).toBe(summary)
  })
})

describe('formatBodyDiff', () => {
  const json = (value: unknown) => body(JSON.stringify(value), 'application/json')
  const format = (before: DiffableBody, after: DiffableBody, palette = plainPalette) => formatBodyDiff(diffBodies(before, after), palette, { indent: '' })

  it.each<{ case: string; before: DiffableBody; after: DiffableBody; lines: string[] }>([
    { case: 'the same', before: json({ a: 1 }), after: json({ a: 1 }), lines: ['(no body changes)'] },
    { case: 'JSON', before: json({ user: { name: 'Ann' } }), after: json({ user: { name: 'Anna' } }), lines: ['~ $.user.name: "Ann" → "Anna"'] },
    { case: 'text', before: body('a\nb\n', 'text/plain'), after: body('a\nc\n', 'text/plain'), lines: ['@@ -1 +1 @@', '  a', '- b', '+ c'] },
    { case: 'line endings only', before: body('a\r\n', 'text/plain'), after: body('a\n', 'text/plain'), lines: ['(bodies differ only in line endings or byte-order mark)'] },
    { case: 'kinds', before: json({ a: 1 }), after: body(png, 'image/png'), lines: ['~ body: json → binary'] },
    {
      case: 'binary',
      before: body(png),
      after: body(Buffer.alloc(2_000, 0xff)),
      lines: [`~ body: 12 B sha256 ${sha256(Buffer.from(png)).slice(0, 8)}… → 2.0 KiB sha256 ${sha256(Buffer.alloc(2_000, 0xff)).slice(0, 8)}…`],
    },
    {
      case: 'over the cap',
      before: body('xx', 'text/plain', { totalBytes: 300_000 }),
      after: body('xy', 'text/plain', { totalBytes: 300_000 }),
      lines: ['(body over the capture cap: compared by size and hash of the captured part only)', `~ body: 293 KiB sha256 ${sha256(Buffer.from('xx')).slice(0, 8)}… → 293 KiB sha256 ${sha256(Buffer.from('xy')).slice(0, 8)}…`],
    },
  ])('$case', ({ before, after, lines }) => {
    expect(format(before, after)).toEqual(lines)
  })

  it('passes max on to the change formatters', () => {
    const lines = formatBodyDiff(diffBodies(json([1, 2, 3]), json([4, 5, 6])), plainPalette, { max: 1 })
    expect(lines).toEqual(['    ~ $[0]: 1 → 4', '    … 2 more changes'])
  })

  it('colors: no changes dim, a changed body yellow', () => {
    expect(format(json({ a: 1 }), json({ a: 1 }), markers)).toEqual(['<dim>(no body changes)</dim>'])
    expect(format(json({ a: 1 }), body(png), markers)).toEqual(['<warn>~ body: json → binary</warn>'])
  })
})
