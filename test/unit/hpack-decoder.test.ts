import { describe, expect, it } from 'vitest'
import { h2FieldProblem } from '../../src/proxy/listen/h2-field-rules.js'
import { decodeHuffman } from '../../src/proxy/listen/hpack-huffman.js'
import { HpackDecoder, HpackError, type TableField } from '../../src/proxy/listen/hpack-decoder.js'

/** RFC 7541 Appendix C: the specification's own examples, decoded in sequence on one decoder. */
const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex')
const decodeAll = (decoder: HpackDecoder, block: Buffer) => {
  const fields: TableField[] = []
  decoder.decode(block, (field) => fields.push(field))
  return fields.map((f) => [f.name, f.value])
}

describe('HPACK decoding (RFC 7541), on the Appendix C examples', () => {
  it('C.3: requests without Huffman coding, the dynamic table carried from one to the next', () => {
    const decoder = new HpackDecoder(4096, h2FieldProblem)
    expect(decodeAll(decoder, hex('8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d'))).toEqual([[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']])
    expect(decodeAll(decoder, hex('8286 84be 5808 6e6f 2d63 6163 6865'))).toEqual([[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache']])
    expect(decodeAll(decoder, hex('8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65'))).toEqual([
      [':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value'],
    ])
  })

  it('C.4: the same requests Huffman-coded', () => {
    const decoder = new HpackDecoder(4096, h2FieldProblem)
    expect(decodeAll(decoder, hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'))).toEqual([[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']])
    expect(decodeAll(decoder, hex('8286 84be 5886 a8eb 1064 9cbf'))).toContainEqual(['cache-control', 'no-cache'])
    expect(decodeAll(decoder, hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'))).toContainEqual(['custom-key', 'custom-value'])
  })

  it('C.5: responses in a 256-byte table: the oldest entries are evicted (§4.4)', () => {
    const decoder = new HpackDecoder(256, h2FieldProblem)
    decodeAll(
      decoder,
      hex('4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d'),
    )
    // 307 enters, ":status 302" (the oldest) leaves: index 63-65 are what remains.
    expect(decodeAll(decoder, hex('4803 3330 37c1 c0bf'))).toEqual([
      [':status', '307'], ['cache-control', 'private'], ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'], ['location', 'https://www.example.com'],
    ])
  })

  it.for([
    { title: 'index 0 (§6.1)', block: '80' },
    { title: 'an index past the table', block: 'be' },
    { title: 'a size update over SETTINGS_HEADER_TABLE_SIZE (§6.3)', block: '3fe2 1f' },
    { title: 'a size update after a field (§4.2)', block: '82 20' },
    { title: 'a string longer than the block', block: '0085 6162' },
    { title: 'an integer cut off', block: '0f' },
    { title: 'Huffman padding that is not EOS (§5.2)', block: '0081 00' },
  ])('refuses $title', ({ block }) => {
    expect(() => new HpackDecoder(4096, h2FieldProblem).decode(hex(block), () => {})).toThrow(HpackError)
  })

  it('each field is judged once, as it enters the table, and carries the judgement when taken again', () => {
    const judged: string[] = []
    const decoder = new HpackDecoder(4096, (name, value) => {
      judged.push(name)
      return value.includes('\r') ? 'bad' : undefined
    })
    const seen: Array<string | undefined> = []
    // "x-bad: a\rb" with incremental indexing, then the same field by index 62.
    decoder.decode(Buffer.concat([hex('40 0578 2d62 6164 0361 0d62'), hex('be')]), (field) => seen.push(field.problem))
    expect(seen).toEqual(['bad', 'bad'])
    expect(judged).toEqual(['x-bad'])
  })
})

describe('the HPACK Huffman code (RFC 7541 Appendix B)', () => {
  it('decodes "www.example.com" (C.4.1) and "no-cache"', () => {
    const www = hex('f1e3 c2e5 f23a 6ba0 ab90 f4ff')
    expect(decodeHuffman(www, 0, www.length)).toBe('www.example.com')
    const noCache = hex('a8eb 1064 9cbf')
    expect(decodeHuffman(noCache, 0, noCache.length)).toBe('no-cache')
  })
  it('refuses padding of 8 bits or more, and padding that is not all ones', () => {
    expect(decodeHuffman(hex('ff'), 0, 1)).toBeUndefined()
    expect(decodeHuffman(hex('00'), 0, 1)).toBeUndefined()
  })
})

describe('RFC 9113 §8.2.1: which HTTP/2 fields are malformed', () => {
  it.for([
    ['x-a', 'value', undefined],
    [':path', '/x?y', undefined],
    ['x-a', 'a b\tc', undefined],
    ['x-a', '', undefined],
    ['x-a', 'caf\xe9', undefined],
    ['X-A', 'v', 'the field name "X-A" has upper case'],
    ['', 'v', 'a field with an empty name'],
    ['x a', 'v', 'the field name "x\\x20a" has a space'],
    ['x:a', 'v', 'the field name "x:a" has a colon'],
    ['x-a', 'a\rb', 'the value of "x-a" has a carriage return'],
    ['x-a', 'a\nb', 'the value of "x-a" has a line feed'],
    ['x-a', 'a\0b', 'the value of "x-a" has a NUL'],
    ['x-a', ' a', 'the value of "x-a" starts with whitespace'],
    ['x-a', 'a\t', 'the value of "x-a" ends with whitespace'],
    ['x-a', 'a\x7f', 'the value of "x-a" has the character 0x7f'],
  ] as const)('%j %j → %s', ([name, value, problem]) => {
    expect(h2FieldProblem(name, value)).toBe(problem)
  })
})
