import { DevproxyError } from '../errors.js'
import type { Palette } from '../terminal/palette.js'
import { moreChanges, toDisplay } from './text-diff.js'

export interface JsonChange {
  readonly op: '+' | '-' | '~'
  /** JSONPath (RFC 9535) of the value: `$`, `$.user.name`, `$.items[3]`, `$["weird key"]`. */
  readonly path: string
  readonly before?: unknown
  readonly after?: unknown
}

export interface JsonDiffOptions {
  /**
   * Paths whose values are not compared, nor anything under them: exact (`$.requestId`),
   * with wildcards (`$.items[*].id`, `$.*.updatedAt`) or at any depth (`$..updatedAt`).
   * Default: none.
   */
  readonly ignore?: readonly string[]
}

export interface JsonFormatOptions {
  /** Changes to print before `… N more changes`. Default 20. */
  readonly max?: number
  /** Default four spaces. */
  readonly indent?: string
}

/** One step of an ignore path; `deep` is `..`, any number of steps, then the next token. */
type PathToken = { readonly kind: 'key'; readonly key: string } | { readonly kind: 'index'; readonly index: number } | { readonly kind: 'any' } | { readonly kind: 'deep' }

/** How far one ignore path has matched the path walked so far. */
interface Cursor {
  readonly tokens: readonly PathToken[]
  readonly at: number
}

interface Frame {
  readonly before: unknown
  readonly after: unknown
  readonly parent: Frame | undefined
  readonly segment: string | number | undefined
  readonly cursors: readonly Cursor[]
  /** Built only when a change is reported here or below: most values never need theirs. */
  path?: string
}

/** Values are shortened past this many characters. */
const MAX_VALUE_CHARS = 80

/**
 * What changed between two JSON values: object key order ignored, arrays compared index by
 * index, a change of type reported once where it happens. An absent key and `null` differ.
 *
 * Iterative and linear in the size of the values, ignore paths included: a deeply nested
 * response cannot overflow the stack or stall the log.
 */
export function diffJson(before: unknown, after: unknown, options: JsonDiffOptions = {}): JsonChange[] {
  const cursors = (options.ignore ?? []).map((pattern) => ({ tokens: parseIgnorePath(pattern), at: 0 }))
  const changes: JsonChange[] = []
  const stack: Frame[] = [{ before, after, parent: undefined, segment: undefined, cursors, path: '$' }]
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    if (frame.cursors.length > 0 && frame.cursors.some((cursor) => cursor.at === cursor.tokens.length)) continue
    const { before: was, after: now } = frame
    if (was === now) continue
    const kind = kindOf(was)
    if (kind === kindOf(now) && (kind === 'array' || kind === 'object')) pushChildren(stack, frame)
    else if (kind === 'missing') changes.push({ op: '+', path: pathOf(frame), after: now })
    else if (now === undefined) changes.push({ op: '-', path: pathOf(frame), before: was })
    else changes.push({ op: '~', path: pathOf(frame), before: was, after: now })
  }
  return changes
}

/** The frame's path, built from the nearest ancestor that has one, without recursion. */
function pathOf(frame: Frame): string {
  const pending: Frame[] = []
  let known = frame
  for (; known.path === undefined && known.parent !== undefined; known = known.parent) pending.push(known)
  let path = known.path ?? '$'
  for (let i = pending.length - 1; i >= 0; i--) {
    const step = pending[i] as Frame
    path += formatSegment(step.segment ?? '')
    step.path = path
  }
  return path
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'missing'
  if (value === null) return 'null'
  return Array.isArray(value) ? 'array' : typeof value
}

/** Children in reverse, so they pop in document order: `before`'s keys first, then new ones. */
function pushChildren(stack: Frame[], frame: Frame): void {
  const child = (segment: string | number, before: unknown, after: unknown): Frame => ({
    before,
    after,
    parent: frame,
    segment,
    cursors: frame.cursors.length === 0 ? frame.cursors : advance(frame.cursors, segment),
  })
  if (Array.isArray(frame.before) && Array.isArray(frame.after)) {
    const [was, now] = [frame.before as unknown[], frame.after as unknown[]]
    for (let i = Math.max(was.length, now.length) - 1; i >= 0; i--) stack.push(child(i, was[i], now[i]))
    return
  }
  const was = frame.before as Record<string, unknown>
  const now = frame.after as Record<string, unknown>
  const keys = [...Object.keys(was), ...Object.keys(now).filter((key) => !Object.hasOwn(was, key))]
  const value = (object: Record<string, unknown>, key: string) => (Object.hasOwn(object, key) ? object[key] : undefined)
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i] as string
    stack.push(child(key, value(was, key), value(now, key)))
  }
}

/** Member-name shorthand (RFC 9535 §2.5.1.1), kept to letters, digits and `_`; brackets otherwise. */
const SHORTHAND = /^[\p{L}_][\p{L}\p{M}\p{N}_]*$/u

function formatSegment(segment: string | number): string {
  if (typeof segment === 'number') return `[${segment}]`
  return SHORTHAND.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`
}

function advance(cursors: readonly Cursor[], segment: string | number): Cursor[] {
  const next: Cursor[] = []
  const add = (tokens: readonly PathToken[], at: number) => {
    if (!next.some((cursor) => cursor.tokens === tokens && cursor.at === at)) next.push({ tokens, at })
  }
  for (const { tokens, at } of cursors) {
    const token = tokens[at]
    if (token?.kind !== 'deep') {
      if (matchesSegment(token, segment)) add(tokens, at + 1)
      continue
    }
    add(tokens, at)
    if (matchesSegment(tokens[at + 1], segment)) add(tokens, at + 2)
  }
  return next
}

function matchesSegment(token: PathToken | undefined, segment: string | number): boolean {
  if (token?.kind === 'any') return true
  if (token?.kind === 'key') return segment === token.key
  return token?.kind === 'index' && segment === token.index
}

/** `.name` / `..name` / `.*`, or a bracket: `[*]`, `[3]`, `["key"]`, `['key']`, each maybe after `..`. */
const STEP = /(\.\.?)([^.[]+)|(\.\.)?\[(\*|\d+|"(?:[^"\\]|\\.)*"|'[^'\\]*')\]/y

/** Parses one ignore path; throws a DevproxyError (`ignore_path_invalid`) that says how to write one. */
export function parseIgnorePath(pattern: string): PathToken[] {
  const invalid = () =>
    new DevproxyError('ignore_path_invalid', `invalid JSON path to ignore: ${JSON.stringify(pattern)}`, {
      suggestion: 'Write paths like $.requestId, $.items[*].id, $["weird key"] or $..updatedAt.',
    })
  if (!pattern.startsWith('$')) throw invalid()
  const tokens: PathToken[] = []
  STEP.lastIndex = 1
  while (STEP.lastIndex < pattern.length) {
    const match = STEP.exec(pattern)
    if (!match) throw invalid()
    const [, dots, name, bracketDots, bracket] = match
    if (dots === '..' || bracketDots === '..') tokens.push({ kind: 'deep' })
    if (name !== undefined) tokens.push(name === '*' ? { kind: 'any' } : { kind: 'key', key: name })
    else if (bracket === '*') tokens.push({ kind: 'any' })
    else if (bracket !== undefined && /^\d+$/.test(bracket)) tokens.push({ kind: 'index', index: Number(bracket) })
    else if (bracket !== undefined) {
      const key = unquote(bracket)
      if (key === undefined) throw invalid()
      tokens.push({ kind: 'key', key })
    }
  }
  return tokens
}

/** A bracketed name: double-quoted with JSON escapes, or single-quoted without any. */
function unquote(quoted: string): string | undefined {
  if (quoted.startsWith("'")) return quoted.slice(1, -1)
  try {
    return JSON.parse(quoted) as string
  } catch {
    return undefined
  }
}

/**
 * One line per change: `~ $.user.name: "Ann" → "Anna"`, `+ $.items[3]: {"id":4}`,
 * `- $.tags[1]: "x"`. At most `max`, then `… N more changes`.
 */
export function formatJsonChanges(changes: readonly JsonChange[], palette: Palette, options: JsonFormatOptions = {}): string[] {
  const { max = 20, indent = '    ' } = options
  const lines = changes.slice(0, max).map((change) => {
    const path = toDisplay(change.path, MAX_VALUE_CHARS)
    if (change.op === '+') return indent + palette.ok(`+ ${path}: ${compactJson(change.after)}`)
    if (change.op === '-') return indent + palette.error(`- ${path}: ${compactJson(change.before)}`)
    return indent + palette.warn(`~ ${path}: ${compactJson(change.before)} → ${compactJson(change.after)}`)
  })
  if (changes.length > max) lines.push(indent + palette.dim(moreChanges(changes.length - max)))
  return lines
}

/**
 * Compact JSON shortened with `…` past `maxChars`. Writing stops once past the limit, so a
 * 200 kB value costs no more to print than a small one.
 */
export function compactJson(value: unknown, maxChars = MAX_VALUE_CHARS): string {
  const sink = { text: '', limit: maxChars }
  writeJson(value, sink)
  return toDisplay(sink.text, maxChars)
}

function writeJson(value: unknown, sink: { text: string; readonly limit: number }): void {
  if (value === null || typeof value !== 'object') {
    // A long string needs no more than the part that will show.
    const shown = typeof value === 'string' ? value.slice(0, sink.limit + 1) : value
    sink.text += typeof shown === 'bigint' ? String(shown) : (JSON.stringify(shown) ?? String(shown))
    return
  }
  const isArray = Array.isArray(value)
  const keys = isArray ? undefined : Object.keys(value)
  const length = keys ? keys.length : (value as unknown[]).length
  sink.text += isArray ? '[' : '{'
  for (let i = 0; i < length && sink.text.length <= sink.limit; i++) {
    if (i > 0) sink.text += ','
    const key = keys?.[i]
    if (key !== undefined) sink.text += `${JSON.stringify(key)}:`
    writeJson(key !== undefined ? (value as Record<string, unknown>)[key] : (value as unknown[])[i], sink)
  }
  sink.text += isArray ? ']' : '}'
}
