import { describe, expect, it } from 'vitest'
import { DevproxyError } from '../../src/errors.js'
import { compactJson, diffJson, formatJsonChanges, type JsonChange, parseIgnorePath } from '../../src/diff/json-diff.js'
import { type Palette, plainPalette } from '../../src/terminal/palette.js'

const markers: Palette = {
  ...plainPalette,
  dim: (text) => `<dim>${text}</dim>`,
  ok: (text) => `<ok>${text}</ok>`,
  error: (text) => `<error>${text}</error>`,
  warn: (text) => `<warn>${text}</warn>`,
}

/** Changes as one short string each, to keep the tables readable. */
const brief = (changes: readonly JsonChange[]) =>
  changes.map((c) => `${c.op} ${c.path}${c.op === '+' ? '' : ` ${JSON.stringify(c.before)}`}${c.op === '-' ? '' : ` ${JSON.stringify(c.after)}`}`)

describe('diffJson: structural changes, by JSONPath', () => {
  it.each<{ case: string; before: unknown; after: unknown; changes: string[] }>([
    { case: 'equal values', before: { a: [1, { b: null }] }, after: { a: [1, { b: null }] }, changes: [] },
    { case: 'a scalar at the root', before: 1, after: 2, changes: ['~ $ 1 2'] },
    { case: 'a nested value', before: { user: { name: 'Ann' } }, after: { user: { name: 'Anna' } }, changes: ['~ $.user.name "Ann" "Anna"'] },
    { case: 'key order is ignored', before: { a: 1, b: 2 }, after: { b: 2, a: 1 }, changes: [] },
    { case: 'a key added', before: { a: 1 }, after: { a: 1, b: { c: 2 } }, changes: ['+ $.b {"c":2}'] },
    { case: 'a key removed', before: { a: 1, b: 2 }, after: { a: 1 }, changes: ['- $.b 2'] },
    { case: 'an array grew', before: { items: [1, 2, 3] }, after: { items: [1, 2, 3, { id: 4 }] }, changes: ['+ $.items[3] {"id":4}'] },
    { case: 'an array shrank', before: { tags: ['a', 'x'] }, after: { tags: ['a'] }, changes: ['- $.tags[1] "x"'] },
    { case: 'arrays compare index by index', before: [1, 2], after: [2, 1], changes: ['~ $[0] 1 2', '~ $[1] 2 1'] },
    { case: 'an element of an array of objects', before: [{ id: 1, n: 'a' }], after: [{ id: 1, n: 'b' }], changes: ['~ $[0].n "a" "b"'] },
    { case: 'object → array is one change', before: { a: { x: 1 } }, after: { a: [1] }, changes: ['~ $.a {"x":1} [1]'] },
    { case: 'number → string is one change', before: { n: 1 }, after: { n: '1' }, changes: ['~ $.n 1 "1"'] },
    { case: 'object → null', before: { a: { x: 1 } }, after: { a: null }, changes: ['~ $.a {"x":1} null'] },
    { case: 'null → missing is a removal', before: { a: null }, after: {}, changes: ['- $.a null'] },
    { case: 'missing → null is an addition', before: {}, after: { a: null }, changes: ['+ $.a null'] },
    { case: 'null → a value is a change', before: { a: null }, after: { a: 0 }, changes: ['~ $.a null 0'] },
    { case: 'false and 0 differ', before: [false], after: [0], changes: ['~ $[0] false 0'] },
    { case: 'empty object and empty array differ', before: {}, after: [], changes: ['~ $ {} []'] },
    { case: 'unicode keys use the shorthand', before: { 名前: 'A', café: 1 }, after: { 名前: 'B', café: 2 }, changes: ['~ $.名前 "A" "B"', '~ $.café 1 2'] },
    {
      case: 'other keys use brackets',
      before: { 'weird key': 1, '3': 1, $ref: 1, 'a"b': 1, '': 1 },
      after: { 'weird key': 2, '3': 2, $ref: 2, 'a"b': 2, '': 2 },
      changes: ['~ $["3"] 1 2', '~ $["weird key"] 1 2', '~ $["$ref"] 1 2', '~ $["a\\"b"] 1 2', '~ $[""] 1 2'],
    },
    { case: 'a __proto__ key is data like any other', before: JSON.parse('{"__proto__":{"x":1}}'), after: JSON.parse('{"__proto__":{"x":2}}'), changes: ['~ $.__proto__.x 1 2'] },
  ])('$case', ({ before, after, changes }) => {
    expect(brief(diffJson(before, after))).toEqual(changes)
  })

  it('reports in document order: the old keys first, then the new ones', () => {
    const changes = diffJson({ b: 1, a: { y: 1, x: 1 }, gone: 1 }, { new: 1, a: { x: 2, y: 2 }, b: 2 })
    expect(changes.map((c) => c.path)).toEqual(['$.b', '$.a.y', '$.a.x', '$.gone', '$.new'])
  })

  it('handles nesting deeper than the call stack', () => {
    const nested = (leaf: number) => JSON.parse(`${'['.repeat(50_000)}${leaf}${']'.repeat(50_000)}`) as unknown
    const [change, ...rest] = diffJson(nested(1), nested(2))
    expect(rest).toEqual([])
    expect(change?.path).toBe(`$${'[0]'.repeat(50_000)}`)
  })
})

describe('diffJson: ignore paths', () => {
  const before = { requestId: 'a', user: { id: 1, updatedAt: 't1' }, items: [{ id: 1, at: 't1', meta: { updatedAt: 't1' } }], 'weird key': 1 }
  const after = { requestId: 'b', user: { id: 1, updatedAt: 't2' }, items: [{ id: 2, at: 't2', meta: { updatedAt: 't2' } }], 'weird key': 2 }
  const all = ['$.requestId', '$.user.updatedAt', '$.items[0].id', '$.items[0].at', '$.items[0].meta.updatedAt', '$["weird key"]']

  it.each<{ case: string; ignore: string[]; hides: string[] }>([
    { case: 'nothing ignored', ignore: [], hides: [] },
    { case: 'an exact path', ignore: ['$.requestId'], hides: ['$.requestId'] },
    { case: 'a whole subtree', ignore: ['$.items'], hides: ['$.items[0].id', '$.items[0].at', '$.items[0].meta.updatedAt'] },
    { case: 'an index wildcard', ignore: ['$.items[*].id'], hides: ['$.items[0].id'] },
    { case: 'a key wildcard', ignore: ['$.*.updatedAt'], hides: ['$.user.updatedAt'] },
    { case: 'a key wildcard over an array', ignore: ['$.items.*.at'], hides: ['$.items[0].at'] },
    { case: 'at any depth', ignore: ['$..updatedAt'], hides: ['$.user.updatedAt', '$.items[0].meta.updatedAt'] },
    { case: 'at any depth, in brackets', ignore: ['$..["updatedAt"]'], hides: ['$.user.updatedAt', '$.items[0].meta.updatedAt'] },
    { case: 'any depth below a prefix', ignore: ['$.items..updatedAt'], hides: ['$.items[0].meta.updatedAt'] },
    { case: 'a specific index', ignore: ['$.items[0]'], hides: ['$.items[0].id', '$.items[0].at', '$.items[0].meta.updatedAt'] },
    { case: 'a quoted key', ignore: ['$["weird key"]'], hides: ['$["weird key"]'] },
    { case: 'a single-quoted key', ignore: ["$['weird key']"], hides: ['$["weird key"]'] },
    { case: 'several at once', ignore: ['$.requestId', '$..updatedAt', '$.items[*].id', '$.items[*].at', '$["weird key"]'], hides: all },
    { case: 'a path that matches nothing', ignore: ['$.nope', '$..nope', '$.items[1]'], hides: [] },
  ])('$case: $ignore', ({ ignore, hides }) => {
    expect(diffJson(before, after, { ignore }).map((change) => change.path)).toEqual(all.filter((path) => !hides.includes(path)))
  })

  it('$ ignores everything', () => {
    expect(diffJson(before, after, { ignore: ['$'] })).toEqual([])
  })

  it('an ignored path is skipped even when it was added or removed', () => {
    expect(diffJson({ a: 1 }, { a: 1, requestId: 'x' }, { ignore: ['$.requestId'] })).toEqual([])
  })

  it.each(['requestId', '', '$.', '$..', '$[abc]', '$["unterminated]', '$["bad \\q escape"]', '$.a[*'])('rejects %j with a fix in the message', (pattern) => {
    const error = (() => {
      try {
        parseIgnorePath(pattern)
      } catch (caught) {
        return caught
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(DevproxyError)
    expect(error).toMatchObject({ code: 'ignore_path_invalid', suggestion: expect.stringContaining('$..updatedAt') })
  })
})

describe('formatJsonChanges', () => {
  const changes: JsonChange[] = [
    { op: '~', path: '$.user.name', before: 'Ann', after: 'Anna' },
    { op: '+', path: '$.items[3]', after: { id: 4 } },
    { op: '-', path: '$.tags[1]', before: 'x' },
  ]

  it('one line per change, values as compact JSON', () => {
    expect(formatJsonChanges(changes, plainPalette)).toEqual(['    ~ $.user.name: "Ann" → "Anna"', '    + $.items[3]: {"id":4}', '    - $.tags[1]: "x"'])
  })

  it('added in green, removed in red, changed in yellow, the cap line dim', () => {
    expect(formatJsonChanges(changes, markers, { max: 2, indent: '' })).toEqual([
      '<warn>~ $.user.name: "Ann" → "Anna"</warn>',
      '<ok>+ $.items[3]: {"id":4}</ok>',
      '<dim>… 1 more change</dim>',
    ])
  })

  it('prints at most 20 by default, then how many more', () => {
    const many = Array.from({ length: 25 }, (_, i): JsonChange => ({ op: '+', path: `$[${i}]`, after: i }))
    const lines = formatJsonChanges(many, plainPalette)
    expect(lines).toHaveLength(21)
    expect(lines.at(-2)).toBe('    + $[19]: 19')
    expect(lines.at(-1)).toBe('    … 5 more changes')
  })

  it('no cap line when exactly max', () => {
    const many = Array.from({ length: 3 }, (_, i): JsonChange => ({ op: '+', path: `$[${i}]`, after: i }))
    expect(formatJsonChanges(many, plainPalette, { max: 3 })).toHaveLength(3)
  })
})

describe('compactJson: values shortened to one line', () => {
  it.each<{ value: unknown; shown: string }>([
    { value: 'Ann', shown: '"Ann"' },
    { value: null, shown: 'null' },
    { value: { a: [1, { b: true }], c: 'x' }, shown: '{"a":[1,{"b":true}],"c":"x"}' },
    { value: 'line\nbreak', shown: '"line\\nbreak"' },
    { value: 'x'.repeat(200), shown: `"${'x'.repeat(78)}…` },
    { value: Array.from({ length: 100_000 }, (_, i) => i), shown: `[${Array.from({ length: 29 }, (_, i) => i).join(',')},2…` },
    { value: JSON.parse(`${'['.repeat(10_000)}${']'.repeat(10_000)}`), shown: `${'['.repeat(79)}…` },
  ])('$shown', ({ value, shown }) => {
    expect(compactJson(value)).toBe(shown)
    expect(compactJson(value).length).toBeLessThanOrEqual(80)
  })
})
