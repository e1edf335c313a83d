import { describe, expect, it } from 'vitest'
import { countChanges, diffTextLines, foldUnchanged, prettyForDiff } from '../../inspector/src/lib/line-diff.js'

const ops = (before: string, after: string) => diffTextLines(before, after).map((line) => `${line.op}${line.text}`)

describe('diffTextLines: the body against the previous one', () => {
  it.each([
    { case: 'identical', before: 'a\nb\n', after: 'a\nb\n', lines: [' a', ' b'] },
    { case: 'a changed line', before: 'a\nb\nc\n', after: 'a\nB\nc\n', lines: [' a', '-b', '+B', ' c'] },
    { case: 'an added line', before: 'a\nc', after: 'a\nb\nc', lines: [' a', '+b', ' c'] },
    { case: 'from nothing', before: '', after: 'a\n', lines: ['+a'] },
    { case: 'CRLF equals LF', before: 'a\r\nb\r\n', after: 'a\nb\n', lines: [' a', ' b'] },
    { case: 'a final newline does not count', before: 'a', after: 'a\n', lines: [' a'] },
  ])('$case', ({ before, after, lines }) => {
    expect(ops(before, after)).toEqual(lines)
  })

  it('numbers lines on each side', () => {
    expect(diffTextLines('a\nb\n', 'a\nc\n')).toEqual([
      { op: ' ', text: 'a', beforeLine: 1, afterLine: 1 },
      { op: '-', text: 'b', beforeLine: 2, afterLine: null },
      { op: '+', text: 'c', beforeLine: null, afterLine: 2 },
    ])
  })

  it('two large unrelated bodies still diff, and quickly (the coarse fallback)', () => {
    const before = Array.from({ length: 20_000 }, (_, i) => `old ${i}`).join('\n')
    const after = Array.from({ length: 20_000 }, (_, i) => `new ${i}`).join('\n')
    const started = performance.now()
    const { added, removed } = countChanges(diffTextLines(`same\n${before}\nend`, `same\n${after}\nend`))
    expect({ added, removed }).toEqual({ added: 20_000, removed: 20_000 })
    expect(performance.now() - started).toBeLessThan(2_000)
  })
})

describe('prettyForDiff', () => {
  it('indents JSON so a changed field is a changed line', () => {
    expect(ops(prettyForDiff('{"a":1,"b":2}', true), prettyForDiff('{"a":1,"b":3}', true))).toEqual([' {', '   "a": 1,', '-  "b": 2', '+  "b": 3', ' }'])
  })

  it('leaves text and broken JSON alone', () => {
    expect(prettyForDiff('{"a":', true)).toBe('{"a":')
    expect(prettyForDiff('{"a":1}', false)).toBe('{"a":1}')
  })
})

describe('foldUnchanged: long unchanged runs folded', () => {
  const lines = diffTextLines(Array.from({ length: 20 }, (_, i) => `${i}`).join('\n'), Array.from({ length: 20 }, (_, i) => (i === 10 ? 'ten' : `${i}`)).join('\n'))
  const shape = (rows: ReturnType<typeof foldUnchanged>) => rows.map((row) => (row.op === 'fold' ? `…${row.count}` : `${row.op}${row.text}`))

  it('keeps three lines of context either side', () => {
    expect(shape(foldUnchanged(lines))).toEqual(['…7', ' 7', ' 8', ' 9', '-10', '+ten', ' 11', ' 12', ' 13', '…6'])
  })

  it('with no change, one fold', () => {
    expect(shape(foldUnchanged(diffTextLines('a\nb\n', 'a\nb\n')))).toEqual(['…2'])
  })

  it('context 0: only the changes', () => {
    expect(shape(foldUnchanged(lines, 0))).toEqual(['…10', '-10', '+ten', '…9'])
  })
})
