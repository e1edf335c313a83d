import { isUtf8 } from 'node:buffer'
import { createHash } from 'node:crypto'
import { formatBytes } from '../terminal/format.js'
import { compactJson, diffJson, formatJsonChanges, type JsonChange, type JsonDiffOptions } from './json-diff.js'
import type { Palette } from '../terminal/palette.js'
import { diffText, formatTextChanges, type TextChange, toDisplay } from './text-diff.js'

/** A captured body, already decoded from gzip/br/deflate (the shape decode-body.ts returns). */
export interface DiffableBody {
  readonly contentType: string | undefined
  /** The decoded bytes: the whole body, or its first part when `truncated`. */
  readonly bytes: Buffer
  /** True when the body was over the capture cap (or did not finish). */
  readonly truncated: boolean
  /** The whole body's size as it went over the wire, in bytes. */
  readonly totalBytes: number
}

export interface BodyDigest {
  readonly bytes: number
  /** Hex SHA-256 of the bytes captured. */
  readonly sha256: string
}

export type BodyDiff =
  | { readonly kind: 'json'; readonly changes: readonly JsonChange[] }
  | { readonly kind: 'text'; readonly changes: readonly TextChange[] }
  | { readonly kind: 'binary'; readonly before: BodyDigest; readonly after: BodyDigest; readonly same: boolean }
  | { readonly kind: 'same' }
  /** `json`, `text`, `binary` or `empty`. */
  | { readonly kind: 'kinds-differ'; readonly before: string; readonly after: string }
  /** Sizes are the whole bodies' sizes on the wire; hashes cover what was captured. */
  | { readonly kind: 'truncated'; readonly note: string; readonly before: BodyDigest; readonly after: BodyDigest; readonly same: boolean }

export interface BodyFormatOptions {
  /** Changes to print before `… N more changes`. Default 20. */
  readonly max?: number
  /** Default four spaces. */
  readonly indent?: string
}

export type ClassifiedBody = { readonly kind: 'json'; readonly value: unknown } | { readonly kind: 'text'; readonly text: string } | { readonly kind: 'binary' }

const TEXT_TYPE = /^text\/|xml|javascript|^application\/x-www-form-urlencoded$/
const JSON_TYPE = /^application\/json$|\+json$/

/**
 * JSON when the content type says so (`application/json`, `…+json`), or when there is no type
 * or a text one and the body is an object or array that parses. Text for text types, XML,
 * JavaScript and forms, or any valid UTF-8 without NULs. Binary otherwise.
 */
export function classifyBody(body: DiffableBody): ClassifiedBody {
  const type = mediaType(body.contentType)
  const bytes = body.truncated ? withoutPartialCharacter(body.bytes) : body.bytes
  if (JSON_TYPE.test(type) || ((type === '' || type.startsWith('text/')) && looksLikeJson(bytes))) {
    const value = parseJson(decodeText(bytes, undefined))
    if (value !== undefined) return { kind: 'json', value }
  }
  if (TEXT_TYPE.test(type) || (isUtf8(bytes) && !bytes.includes(0))) return { kind: 'text', text: decodeText(bytes, body.contentType) }
  return { kind: 'binary' }
}

/** Starts with `{` or `[`, after an optional UTF-8 BOM and whitespace: worth a parse. */
function looksLikeJson(bytes: Buffer): boolean {
  return /^(?:\xef\xbb\xbf)?\s*[[{]/.test(bytes.subarray(0, 64).toString('latin1'))
}

/** `application/json; charset=utf-8` → `application/json`. */
function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase()
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** Decodes with the declared charset when the runtime knows it, UTF-8 otherwise; drops a BOM. */
function decodeText(bytes: Buffer, contentType: string | undefined): string {
  const charset = /;\s*charset="?([^";\s]+)/i.exec(contentType ?? '')?.[1]
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes)
  } catch {
    return new TextDecoder().decode(bytes)
  }
}

/** A capture cut at the cap can end mid-character; without that tail it is still valid UTF-8. */
function withoutPartialCharacter(bytes: Buffer): Buffer {
  let start = bytes.length - 1
  // Back over continuation bytes (10xxxxxx) to the last character's lead byte.
  while (start > 0 && start > bytes.length - 4 && ((bytes[start] ?? 0) & 0xc0) === 0x80) start--
  const lead = bytes[start] ?? 0
  const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1
  return start + length > bytes.length ? bytes.subarray(0, start) : bytes
}

export function digestBody(body: DiffableBody, bytes = body.bytes.length): BodyDigest {
  return { bytes, sha256: createHash('sha256').update(body.bytes).digest('hex') }
}

/**
 * What changed between two bodies of one endpoint: JSON structurally (with `ignore` paths),
 * text line by line, binary by size and hash. A body over the capture cap on either side is
 * compared by size and hash only: a diff of two prefixes would report changes that are not there.
 */
export function diffBodies(before: DiffableBody, after: DiffableBody, options: JsonDiffOptions = {}): BodyDiff {
  if (before.truncated || after.truncated) {
    const digests = { before: digestBody(before, before.totalBytes), after: digestBody(after, after.totalBytes) }
    const same = before.truncated === after.truncated && sameDigest(digests.before, digests.after)
    return { kind: 'truncated', note: 'body over the capture cap: compared by size and hash of the captured part only', ...digests, same }
  }
  if (before.bytes.equals(after.bytes)) return { kind: 'same' }
  const was = classifyBody(before)
  const now = classifyBody(after)
  if (was.kind === 'json' && now.kind === 'json') {
    const changes = diffJson(was.value, now.value, options)
    // Reordered keys or ignored fields only: nothing worth a line.
    return changes.length === 0 ? { kind: 'same' } : { kind: 'json', changes }
  }
  if (was.kind === 'text' && now.kind === 'text') return { kind: 'text', changes: diffText(was.text, now.text) }
  if (was.kind === 'binary' && now.kind === 'binary') return { kind: 'binary', before: digestBody(before), after: digestBody(after), same: false }
  const label = (body: DiffableBody, classified: ClassifiedBody) => (body.bytes.length === 0 ? 'empty' : classified.kind)
  return { kind: 'kinds-differ', before: label(before, was), after: label(after, now) }
}

function sameDigest(a: BodyDigest, b: BodyDigest): boolean {
  return a.bytes === b.bytes && a.sha256 === b.sha256
}

/**
 * One line for a body seen for the first time: `{"id":1,"name":"Ann"} (object, 2 keys, 24 B)`,
 * `<!doctype html> (text/html, 120 lines, 3.4 KiB)`, `binary image/png, 33 KiB, sha256 1a2b3c4d…`.
 */
export function summarizeBody(body: DiffableBody): string {
  if (body.bytes.length === 0 && !body.truncated) return '(empty)'
  const size = body.truncated ? `${formatBytes(body.totalBytes)}, first ${formatBytes(body.bytes.length)} captured` : formatBytes(body.bytes.length)
  const type = mediaType(body.contentType)
  const classified = classifyBody(body)
  if (classified.kind === 'json') return `${compactJson(classified.value, 40)} (${describeJson(classified.value)}, ${size})`
  if (classified.kind === 'text') {
    const first = /\S[^\n]*/.exec(classified.text)?.[0].trimEnd() ?? ''
    return `${toDisplay(first, 60)} (${type || 'text'}, ${plural(countLines(classified.text), 'line')}, ${size})`
  }
  const hash = body.truncated ? '' : `, sha256 ${digestBody(body).sha256.slice(0, 8)}…`
  return `binary${type ? ` ${type}` : ''}, ${size}${hash}`
}

function describeJson(value: unknown): string {
  if (Array.isArray(value)) return `array of ${plural(value.length, 'item')}`
  if (value !== null && typeof value === 'object') return `object, ${plural(Object.keys(value).length, 'key')}`
  return `json ${value === null ? 'null' : typeof value}`
}

function countLines(text: string): number {
  let count = text.endsWith('\n') ? 0 : 1
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) count++
  return count
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

/** The lines under a transaction for `-vv`: the changes, or `(no body changes)`. */
export function formatBodyDiff(diff: BodyDiff, palette: Palette, options: BodyFormatOptions = {}): string[] {
  const indent = options.indent ?? '    '
  const line = (color: 'dim' | 'warn', text: string) => [indent + palette[color](text)]
  const digest = (d: BodyDigest) => `${formatBytes(d.bytes)} sha256 ${d.sha256.slice(0, 8)}…`
  switch (diff.kind) {
    case 'same':
      return line('dim', '(no body changes)')
    case 'json':
      return diff.changes.length === 0 ? line('dim', '(no body changes)') : formatJsonChanges(diff.changes, palette, options)
    case 'text':
      return diff.changes.length === 0 ? line('dim', '(bodies differ only in line endings or byte-order mark)') : formatTextChanges(diff.changes, palette, options)
    case 'binary':
      return diff.same ? line('dim', '(no body changes)') : line('warn', `~ body: ${digest(diff.before)} → ${digest(diff.after)}`)
    case 'kinds-differ':
      return line('warn', `~ body: ${diff.before} → ${diff.after}`)
    case 'truncated':
      return [...line('dim', `(${diff.note})`), ...(diff.same ? line('dim', '(no body changes)') : line('warn', `~ body: ${digest(diff.before)} → ${digest(diff.after)}`))]
  }
}
