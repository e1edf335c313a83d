import { describe, expect, it } from 'vitest'
import { type Palette, plainPalette } from '../../src/terminal/palette.js'
import { diffText, formatTextChanges, type TextChange, toDisplay } from '../../src/diff/text-diff.js'

const markers: Palette = {
  ...plainPalette,
  dim: (text) => `<dim>${text}</dim>`,
  ok: (text) => `<ok>${text}</ok>`,
  error: (text) => `<error>${text}</error>`,
  warn: (text) => `<warn>${text}</warn>`,
}

const lines = (...texts: string[]) => texts.map((text) => `${text}\n`).join('')
/** `op text` per change, to keep the tables readable. */
const brief = (changes: readonly TextChange[]) => changes.map((change) => `${change.op}${change.text}`)

describe('diffText: changed lines with one line of context', () => {
  it.each<{ case: string; before: string; after: string; changes: string[] }>([
    { case: 'identical texts', before: lines('a', 'b'), after: lines('a', 'b'), changes: [] },
    { case: 'one line changed', before: lines('a', 'b', 'c'), after: lines('a', 'B', 'c'), changes: [' a', '-b', '+B', ' c'] },
    { case: 'context is one line either side', before: lines('1', '2', '3', '4', '5'), after: lines('1', '2', 'x', '4', '5'), changes: [' 2', '-3', '+x', ' 4'] },
    { case: 'a line added at the end', before: lines('a', 'b'), after: lines('a', 'b', 'c'), changes: [' b', '+c'] },
    { case: 'a line removed at the start', before: lines('a', 'b', 'c'), after: lines('b', 'c'), changes: ['-a', ' b'] },
    { case: 'from empty', before: '', after: lines('a', 'b'), changes: ['+a', '+b'] },
    { case: 'to empty', before: lines('a'), after: '', changes: ['-a'] },
    { case: 'two separate runs', before: lines('a', 'b', 'c', 'd', 'e', 'f'), after: lines('A', 'b', 'c', 'd', 'e', 'F'), changes: ['-a', '+A', ' b', ' e', '-f', '+F'] },
    { case: 'CRLF against LF is not a change', before: 'a\r\nb\r\n', after: 'a\nb\n', changes: [] },
    { case: 'a missing newline at the end is not a change', before: 'a\nb', after: 'a\nb\n', changes: [] },
    { case: 'blank lines count', before: lines('a', '', 'b'), after: lines('a', 'b'), changes: [' a', '-', ' b'] },
  ])('$case', ({ before, after, changes }) => {
    expect(brief(diffText(before, after))).toEqual(changes)
  })

  it('numbers the lines on each side', () => {
    expect(diffText(lines('a', 'b', 'c'), lines('x', 'a', 'c'))).toEqual([
      { op: '+', text: 'x', beforeLine: 1, afterLine: 1 },
      { op: ' ', text: 'a', beforeLine: 1, afterLine: 2 },
      { op: '-', text: 'b', beforeLine: 2, afterLine: 3 },
      { op: ' ', text: 'c', beforeLine: 3, afterLine: 3 },
    ])
  })

  it('two unrelated large texts still give a correct diff, quickly', () => {
    const before = lines(...Array.from({ length: 5_000 }, (_, i) => `old ${i} ${i * 7}`), 'same end')
    const after = lines(...Array.from({ length: 5_000 }, (_, i) => `new ${i} ${i * 13}`), 'same end')
    const started = performance.now()
    const changes = diffText(before, after)
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(changes.filter((c) => c.op === '-')).toHaveLength(5_000)
    expect(changes.filter((c) => c.op === '+')).toHaveLength(5_000)
    expect(changes.at(-1)).toMatchObject({ op: ' ', text: 'same end' })
  })
})

describe('formatTextChanges', () => {
  it('a hunk header per run, then - + and context lines', () => {
    const changes = diffText(lines('a', 'b', 'c', 'd', 'e', 'f', 'g'), lines('a', 'B', 'c', 'd', 'e', 'f', 'G'))
    expect(formatTextChanges(changes, plainPalette)).toEqual([
      '    @@ -1 +1 @@',
      '      a',
      '    - b',
      '    + B',
      '      c',
      '    @@ -6 +6 @@',
      '      f',
      '    - g',
      '    + G',
    ])
  })

  it('removed in red, added in green, context and headers dim', () => {
    expect(formatTextChanges(diffText(lines('a', 'b'), lines('a', 'c')), markers, { indent: '' })).toEqual([
      '<dim>@@ -1 +1 @@</dim>',
      '<dim>  a</dim>',
      '<error>- b</error>',
      '<ok>+ c</ok>',
    ])
  })

  it('caps the changed lines, not the context, then says how many more', () => {
    const before = lines(...Array.from({ length: 30 }, (_, i) => `line ${i}`))
    const after = lines(...Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? `LINE ${i}` : `line ${i}`)))
    const formatted = formatTextChanges(diffText(before, after), plainPalette, { max: 4, indent: '' })
    expect(formatted).toEqual(['@@ -1 +1 @@', '- line 0', '+ LINE 0', '  line 1', '- line 2', '+ LINE 2', '  line 3', '… 26 more changes'])
  })

  it('stops before the context of a run it will not show', () => {
    const changes = diffText(lines('a', 'b', 'c', 'd', 'e'), lines('A', 'b', 'c', 'd', 'E'))
    expect(formatTextChanges(changes, plainPalette, { max: 2, indent: '' })).toEqual(['@@ -1 +1 @@', '- a', '+ A', '  b', '… 2 more changes'])
  })

  it('shortens long lines and escapes control characters', () => {
    const [, line] = formatTextChanges(diffText('', `${'y'.repeat(300)}\n`), plainPalette, { indent: '' })
    expect(line).toBe(`+ ${'y'.repeat(119)}…`)
    expect(formatTextChanges(diffText('', 'bell\u0007\ttab\n'), plainPalette, { indent: '' })[1]).toBe('+ bell\\u0007\ttab')
  })

  it('nothing to print for no changes', () => {
    expect(formatTextChanges([], plainPalette)).toEqual([])
  })
})

describe('toDisplay', () => {
  it.each([
    { text: 'short', max: 10, shown: 'short' },
    { text: 'exactly10!', max: 10, shown: 'exactly10!' },
    { text: 'eleven char', max: 10, shown: 'eleven ch…' },
    { text: 'a\r\nb', max: 10, shown: 'a\\r\\nb' },
    { text: '\u009b31m', max: 10, shown: '\\u009b31m' },
    { text: `abcdefgh😀😀`, max: 10, shown: 'abcdefgh…' },
  ])('$text → $shown', ({ text, max, shown }) => {
    expect(toDisplay(text, max)).toBe(shown)
  })
})
