/**
 * The body diff against the endpoint's previous response: a line diff of the two bodies, JSON
 * pretty-printed first so a changed field is a changed line, with long unchanged runs folded.
 */
import { diffLines } from 'diff/lib/diff/line.js'

export interface DiffLine {
  /** `+` only in the new body, `-` only in the old, ` ` in both. */
  readonly op: '+' | '-' | ' '
  readonly text: string
  /** 1-based line in the old body; null for an added line. */
  readonly beforeLine: number | null
  /** 1-based line in the new body; null for a removed line. */
  readonly afterLine: number | null
}

/** A run of unchanged lines left out. */
export interface FoldedLines {
  readonly op: 'fold'
  readonly count: number
}

/**
 * Myers' diff costs O(lines × edits); past these limits (two unrelated large bodies) it would
 * freeze the page, so the diff falls back to a coarser one that is still correct.
 */
const MAX_EDIT_LENGTH = 2_000
const TIMEOUT_MS = 100

/** JSON indented two spaces (as the tree shows it); any other text as it is. */
export function prettyForDiff(text: string, isJson: boolean): string {
  if (!isJson) return text
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}

function splitLines(text: string): string[] {
  if (text === '') return []
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** Every line of both texts, in diff order. CRLF and LF compare equal: line endings are not worth a screenful. */
export function diffTextLines(before: string, after: string): DiffLine[] {
  const was = before.replace(/\r\n/g, '\n')
  const now = after.replace(/\r\n/g, '\n')
  const parts = diffLines(was, now, { ignoreNewlineAtEof: true, maxEditLength: MAX_EDIT_LENGTH, timeout: TIMEOUT_MS }) ?? coarseDiff(was, now)
  const lines: DiffLine[] = []
  let beforeLine = 1
  let afterLine = 1
  for (const part of parts) {
    const op = part.added ? '+' : part.removed ? '-' : ' '
    for (const text of splitLines(part.value)) {
      lines.push({ op, text, beforeLine: op === '+' ? null : beforeLine++, afterLine: op === '-' ? null : afterLine++ })
    }
  }
  return lines
}

/** Common leading and trailing lines kept, everything between replaced: linear, never minimal. */
function coarseDiff(before: string, after: string): { value: string; added: boolean; removed: boolean }[] {
  const was = splitLines(before)
  const now = splitLines(after)
  let head = 0
  while (head < was.length && head < now.length && was[head] === now[head]) head++
  let tail = 0
  while (tail < was.length - head && tail < now.length - head && was[was.length - 1 - tail] === now[now.length - 1 - tail]) tail++
  const join = (lines: string[]) => (lines.length === 0 ? '' : `${lines.join('\n')}\n`)
  return [
    { value: join(was.slice(0, head)), added: false, removed: false },
    { value: join(was.slice(head, was.length - tail)), added: false, removed: true },
    { value: join(now.slice(head, now.length - tail)), added: true, removed: false },
    { value: join(was.slice(was.length - tail)), added: false, removed: false },
  ]
}

/** The changed lines with `context` unchanged lines either side; longer unchanged runs become one fold. */
export function foldUnchanged(lines: readonly DiffLine[], context = 3): (DiffLine | FoldedLines)[] {
  const near = new Array<boolean>(lines.length).fill(false)
  lines.forEach((line, i) => {
    if (line.op === ' ') return
    for (let j = Math.max(0, i - context); j <= Math.min(lines.length - 1, i + context); j++) near[j] = true
  })
  const rows: (DiffLine | FoldedLines)[] = []
  let folded = 0
  lines.forEach((line, i) => {
    if (near[i]) {
      if (folded > 0) rows.push({ op: 'fold', count: folded })
      folded = 0
      rows.push(line)
    } else {
      folded++
    }
  })
  if (folded > 0) rows.push({ op: 'fold', count: folded })
  return rows
}

export function countChanges(lines: readonly DiffLine[]): { added: number; removed: number } {
  let added = 0
  let removed = 0
  for (const line of lines) {
    if (line.op === '+') added++
    else if (line.op === '-') removed++
  }
  return { added, removed }
}
