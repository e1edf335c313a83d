import { diffLines } from 'diff'
import type { Palette } from '../terminal/palette.js'

export interface TextChange {
  /** `+` added, `-` removed, ` ` unchanged context next to a change. */
  readonly op: '+' | '-' | ' '
  /** The line, without its line ending. */
  readonly text: string
  /** 1-based line number in `before` of this line, or of the line it was inserted before (for `+`). */
  readonly beforeLine: number
  /** 1-based line number in `after` of this line, or of the line that replaced it (for `-`). */
  readonly afterLine: number
}

export interface TextFormatOptions {
  /** Changed lines to print before `… N more changes`. Default 20. */
  readonly max?: number
  /** Default four spaces. */
  readonly indent?: string
}

/** Lines are shortened past this many characters. */
const MAX_LINE_CHARS = 120

/**
 * Myers' diff costs O(lines × edits): past these limits (two unrelated 256 KiB pages) the log
 * line would stall the proxy, so the diff falls back to a coarser one that is still correct.
 */
const MAX_EDIT_LENGTH = 2_000
const TIMEOUT_MS = 50

/**
 * The changed lines between two texts, each with up to one unchanged line of context either
 * side. Line endings are normalised first: CRLF against LF alone is not worth a screenful.
 */
export function diffText(before: string, after: string): TextChange[] {
  const options = { stripTrailingCr: true, ignoreNewlineAtEof: true, maxEditLength: MAX_EDIT_LENGTH, timeout: TIMEOUT_MS }
  const parts = diffLines(before, after, options) ?? coarseDiff(before, after)
  const rows: TextChange[] = []
  let beforeLine = 1
  let afterLine = 1
  for (const part of parts) {
    const op = part.added ? '+' : part.removed ? '-' : ' '
    for (const text of splitLines(part.value)) {
      rows.push({ op, text, beforeLine, afterLine })
      if (op !== '+') beforeLine++
      if (op !== '-') afterLine++
    }
  }
  const changed = (row: TextChange | undefined) => row !== undefined && row.op !== ' '
  return rows.filter((row, i) => changed(row) || changed(rows[i - 1]) || changed(rows[i + 1]))
}

/** Common leading and trailing lines kept, everything between replaced: linear, never minimal. */
function coarseDiff(before: string, after: string): { value: string; added: boolean; removed: boolean }[] {
  const was = splitLines(before.replace(/\r\n/g, '\n'))
  const now = splitLines(after.replace(/\r\n/g, '\n'))
  let head = 0
  while (head < was.length && head < now.length && was[head] === now[head]) head++
  let tail = 0
  while (tail < was.length - head && tail < now.length - head && was[was.length - 1 - tail] === now[now.length - 1 - tail]) tail++
  const block = (lines: string[], added: boolean, removed: boolean) => ({ value: lines.map((line) => `${line}\n`).join(''), added, removed })
  return [
    block(was.slice(0, head), false, false),
    block(was.slice(head, was.length - tail), false, true),
    block(now.slice(head, now.length - tail), true, false),
    block(was.slice(was.length - tail), false, false),
  ]
}

function splitLines(value: string): string[] {
  if (value === '') return []
  const lines = value.split('\n')
  if (value.endsWith('\n')) lines.pop()
  return lines
}

/**
 * Unified-diff style: a dim `@@ -12 +13 @@` at the start of each run of lines, then `- old`,
 * `+ new` and `  context`. At most `max` changed lines, then `… N more changes`.
 */
export function formatTextChanges(changes: readonly TextChange[], palette: Palette, options: TextFormatOptions = {}): string[] {
  const { max = 20, indent = '    ' } = options
  const lines: string[] = []
  let shown = 0
  let previous: TextChange | undefined
  for (const change of changes) {
    const contiguous = previous !== undefined && follows(previous, change)
    // Past the cap, only the trailing context of the last change shown.
    if (shown === max && (change.op !== ' ' || !contiguous)) break
    if (!contiguous) lines.push(indent + palette.dim(`@@ -${change.beforeLine} +${change.afterLine} @@`))
    const text = toDisplay(change.text, MAX_LINE_CHARS)
    if (change.op === '+') lines.push(indent + palette.ok(`+ ${text}`))
    else if (change.op === '-') lines.push(indent + palette.error(`- ${text}`))
    else lines.push(indent + palette.dim(`  ${text}`))
    if (change.op !== ' ') shown++
    previous = change
  }
  const total = changes.filter((change) => change.op !== ' ').length
  if (total > shown) lines.push(indent + palette.dim(moreChanges(total - shown)))
  return lines
}

function follows(previous: TextChange, next: TextChange): boolean {
  return next.beforeLine === previous.beforeLine + (previous.op === '+' ? 0 : 1) && next.afterLine === previous.afterLine + (previous.op === '-' ? 0 : 1)
}

/** `… 1 more change`, `… 12 more changes`. */
export function moreChanges(count: number): string {
  return `… ${count} more change${count === 1 ? '' : 's'}`
}

const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g

/**
 * Text safe to print on one terminal line: control characters escaped (a body holding ANSI
 * sequences must not repaint the log), and shortened with `…` past `maxChars`.
 */
export function toDisplay(text: string, maxChars: number): string {
  const visible = text.slice(0, maxChars + 1).replace(CONTROL, (char) => escapeControl(char))
  if (visible.length <= maxChars) return visible
  const cut = visible.slice(0, maxChars - 1)
  // Never leave half a surrogate pair before the ellipsis.
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`
}

function escapeControl(char: string): string {
  if (char === '\n') return '\\n'
  if (char === '\r') return '\\r'
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
}
