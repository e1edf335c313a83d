import stringWidth from 'string-width'

/**
 * Text measured, padded and cut in terminal columns, by string-width: a CJK character or an
 * emoji takes two columns, a combining accent none, a color code none. `.length` counts UTF-16
 * units instead — `ユーザー` is 4 of them in 8 columns, `⚡` 1 in 2, `é` written as e + U+0301
 * 2 in 1 — so a line fitted by `.length` wraps, and a table padded by it goes out of line.
 * Ambiguous-width characters (`→`, `…`) count as one column, as terminals outside CJK locales
 * draw them. Pure.
 */

/**
 * Characters that take one column each and never join the next into one character: printable
 * ASCII, Latin-1 (but the soft hyphen, which takes none), general punctuation (`…`, `‐`, `•`) and
 * arrows (`→`). A log line is made of these; string-width answers them in ~45 µs (it segments the
 * text and tests each character against emoji and Unicode-property patterns), this test in
 * ~0.1 µs — and the log measures each line up to five times. The unit test checks every character
 * here takes one column by string-width too.
 */
export const ONE_COLUMN_EACH = /^[\u0020-\u007E\u00A0-\u00AC\u00AE-\u00FF\u2010-\u2027\u2030-\u205E\u2190-\u21FF]*$/

/** The columns `text` takes. */
export function textWidth(text: string): number {
  return ONE_COLUMN_EACH.test(text) ? text.length : stringWidth(text)
}

/** `text` with spaces after it up to `columns` (String#padEnd, by columns). */
export function padEndColumns(text: string, columns: number): string {
  const missing = columns - textWidth(text)
  return missing > 0 ? text + ' '.repeat(missing) : text
}

/** `text` with spaces before it up to `columns` (String#padStart, by columns). */
export function padStartColumns(text: string, columns: number): string {
  const missing = columns - textWidth(text)
  return missing > 0 ? ' '.repeat(missing) + text : text
}

/** Characters as a reader sees them (grapheme clusters): an emoji sequence or a letter with its accents is one. */
const graphemes = new Intl.Segmenter()

/** The longest start of `text` that takes at most `columns`, cut between characters, never through one. */
export function startColumns(text: string, columns: number): string {
  if (textWidth(text) <= columns) return text
  let used = 0
  let end = 0
  for (const { segment, index } of graphemes.segment(text)) {
    used += textWidth(segment)
    if (used > columns) return text.slice(0, index)
    end = index + segment.length
  }
  return text.slice(0, end)
}

/** The longest end of `text` that takes at most `columns`, cut between characters. */
export function endColumns(text: string, columns: number): string {
  if (textWidth(text) <= columns) return text
  const pieces = [...graphemes.segment(text)]
  let used = 0
  for (let i = pieces.length - 1; i >= 0; i--) {
    used += textWidth(pieces[i]!.segment)
    if (used > columns) return text.slice(pieces[i]!.index + pieces[i]!.segment.length)
  }
  return text
}

/** `text` as is when it fits in `columns`, else its start and `…` in `columns` at most. */
export function fitColumns(text: string, columns: number): string {
  return textWidth(text) <= columns ? text : `${startColumns(text, Math.max(0, columns - 1))}…`
}
