import { readFile } from 'node:fs/promises'
import { extname, resolve } from 'node:path'
import {
  checkObject,
  child,
  isPlainObject,
  issue,
  issueAt,
  MAX_TIMER_MS,
  must,
  nonNegativeInteger,
  TOKEN,
  type Check,
  type ConfigIssue,
  type Shape,
} from '../config/checks.js'
import type { HookAnswer } from './config-types.js'
import { DevproxyError } from '../errors.js'
import { kindOf } from './request-info.js'

/**
 * From a HookAnswer (what an `onRequest` hook returns, or a mock's answer) to the status,
 * header fields and bytes devproxy sends. The field checks are exported so a config's mocks
 * are held, at load time, to the same rules as an answer computed at request time.
 */

/** An answer ready to send: defaults applied, header names lower-case, the body framed. */
export interface Answer {
  readonly status: number
  /** Lower-case names; `content-length` matches `body` (none for 204 and 304, RFC 9110 §8.6). */
  readonly headers: Record<string, string | string[]>
  readonly body: Buffer
  readonly delayMs: number
}

export type AnswerErrorCode = 'answer_invalid' | 'answer_file_unreadable'

/** An answer devproxy cannot send; `where` names who gave it (`onRequest`, `mock[2]`). */
export class AnswerError extends DevproxyError {
  readonly where: string

  constructor(code: AnswerErrorCode, where: string, message: string, options: { suggestion?: string; cause?: unknown } = {}) {
    super(code, message, options)
    this.where = where
  }
}

/**
 * Whether a hook's return value is meant as an answer: a plain object. undefined and null are
 * "no answer"; so is anything else, as an expression-bodied arrow
 * (`(ctx) => ctx.headers.x = '1'`) returns whatever its expression was.
 */
export function isAnswerLike(value: unknown): boolean {
  return isPlainObject(value)
}

/** Checks and normalises an answer; `file` is read relative to `baseDir`. Throws AnswerError. */
export async function prepareAnswer(answer: unknown, where: string, baseDir: string): Promise<Answer> {
  const issues: ConfigIssue[] = []
  checkObject(answer, '', RUNTIME_SHAPE, issues)
  if (!isPlainObject(answer)) throw invalidAnswer(where, answer, issues)
  checkOneBody(answer, '', issues)
  checkBodyAllowed(answer, '', issues)
  const json = answer.json === undefined ? undefined : encodeJson(answer.json, 'json')
  if (json !== undefined && 'issue' in json) issues.push(json.issue)
  if (issues.length > 0) throw invalidAnswer(where, answer, issues)

  const fields = answer as HookAnswer
  const status = fields.status ?? 200
  const headers = lowerCaseNames(fields.headers ?? {})
  let body: Buffer = Buffer.alloc(0)
  if (json !== undefined && 'text' in json) {
    body = Buffer.from(json.text, 'utf8')
    headers['content-type'] ??= 'application/json; charset=utf-8'
  } else if (typeof fields.body === 'string') body = Buffer.from(fields.body, 'utf8')
  else if (fields.body instanceof Uint8Array) body = Buffer.from(fields.body)
  else if (fields.file !== undefined) {
    body = await readAnswerFile(resolve(baseDir, fields.file), where, baseDir)
    headers['content-type'] ??= contentTypeOf(fields.file)
  }
  // devproxy frames the body it sends; a length or coding from the user could only contradict it.
  delete headers['content-length']
  delete headers['transfer-encoding']
  if (status !== 204 && status !== 304) headers['content-length'] = String(body.length)
  return { status, headers, body, delayMs: fields.delayMs ?? 0 }
}

// ---- the fields, shared with the config's mocks (src/mocks/validate-mocks.ts) --------------

const ANSWER_EXAMPLE = '{ status: 200, json: { ok: true } }'

/** Where the answer's bytes come from: at most one of these. */
export const BODY_FIELDS = ['json', 'body', 'file'] as const

/** Statuses that have no content (RFC 9110 §6.4.1: 204, 304; §15.3.6: 205). */
const NO_CONTENT = new Set([204, 205, 304])

const checkStatus: Check = (value, path, issues) => {
  if (!Number.isInteger(value) || (value as number) < 100 || (value as number) > 599) {
    issues.push(issue(path, 'must be an integer status from 200 to 599', value))
  } else if ((value as number) < 200) {
    const why = '1xx responses are interim (RFC 9110 §15.2): the client keeps waiting for a final one, so an answer cannot be 1xx'
    issues.push(issue(path, 'must be a final status from 200 to 599', value, why))
  }
}

function checkHeaders(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (!isPlainObject(value)) {
    issues.push(issueAt(path, `must be an object of header names to values, such as { "cache-control": "no-store" } (got ${kindOf(value)})`, undefined))
    return
  }
  const seen = new Map<string, string>()
  for (const [name, field] of Object.entries(value)) {
    const at = child(path, name)
    const lower = name.toLowerCase()
    const earlier = seen.get(lower)
    if (!TOKEN.test(name)) issues.push(issueAt(at, 'is not a valid header name: use letters, digits and "-" (RFC 9110 token characters)', undefined))
    else if (earlier !== undefined) issues.push(issueAt(at, `names the same field as ${JSON.stringify(earlier)} (names are case-insensitive)`, 'keep one of them'))
    seen.set(lower, name)
    if (Array.isArray(field)) field.forEach((one: unknown, index) => checkHeaderValue(one, child(at, index), issues))
    else checkHeaderValue(field, at, issues)
  }
}

/**
 * A value is sent as is, so a line break in it would start a header field (or a body) of its own.
 * The issue names the field and the kind of value, never the value: header values are where
 * credentials live, and an answer's error body is copied into chats (issue 27).
 */
function checkHeaderValue(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (typeof value !== 'string') issues.push(issueAt(path, `must be a string or an array of strings (got ${kindOf(value)})`, undefined))
  else if (/[\r\n\0]/.test(value)) issues.push(issueAt(path, 'must be a single line: header values cannot contain line breaks (CR, LF) or NUL', undefined))
  else if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) issues.push(issueAt(path, 'must contain only printable Latin-1 characters', undefined))
}

function checkJson(value: unknown, path: string, issues: ConfigIssue[]): void {
  const encoded = encodeJson(value, path)
  if ('issue' in encoded) issues.push(encoded.issue)
}

function encodeJson(value: unknown, path: string): { text: string } | { issue: ConfigIssue } {
  const expected = 'must be a value JSON can represent'
  try {
    const text = JSON.stringify(value) as string | undefined
    return text === undefined ? { issue: issue(path, expected, value) } : { text }
  } catch (error) {
    // What JSON.stringify threw says what is wrong (a BigInt, a cycle) better than the value
    // could; V8's cycle message goes on for several lines, the first says it.
    return { issue: issueAt(path, `${expected}: ${(error as Error).message.split('\n', 1)[0]}`, undefined) }
  }
}

/** The checks of each HookAnswer field, by name. */
export const ANSWER_FIELD_CHECKS: Readonly<Record<keyof HookAnswer, Check>> = {
  status: checkStatus,
  headers: checkHeaders,
  json: checkJson,
  body: must('must be a string or bytes (a Uint8Array or Buffer)', (value) => typeof value === 'string' || value instanceof Uint8Array),
  file: must('must be a file path relative to the config file, such as "fixtures/user.json"', (value) => typeof value === 'string' && value !== ''),
  delayMs: nonNegativeInteger(MAX_TIMER_MS),
}

const ANSWER_KEYS = Object.keys(ANSWER_FIELD_CHECKS)

const ANSWER_SHAPE: Shape = {
  expected: `must be an answer object such as ${ANSWER_EXAMPLE}`,
  fields: ANSWER_FIELD_CHECKS,
}

// At request time json is encoded once, for the check and the body together.
const RUNTIME_SHAPE: Shape = { ...ANSWER_SHAPE, fields: { ...ANSWER_FIELD_CHECKS, json: () => {} } }

/** An answer as plain data (a mock's `sequence` entry): its fields, one body, a status that allows it. */
export const checkAnswer: Check = (value, path, issues) => {
  checkObject(value, path, ANSWER_SHAPE, issues)
  if (!isPlainObject(value)) return
  checkOneBody(value, path, issues)
  checkBodyAllowed(value, path, issues)
}

function checkOneBody(answer: Record<string, unknown>, path: string, issues: ConfigIssue[]): void {
  const given = BODY_FIELDS.filter((field) => answer[field] !== undefined)
  if (given.length > 1) {
    issues.push(issueAt(path, `has ${given.join(' and ')}: an answer takes at most one of json, body and file`, `keep ${given[0]} and remove the others`))
  }
}

/** A 204, 205 or 304 with a body would be cut by the client, or read as the start of the next response. */
export function checkBodyAllowed(answer: Record<string, unknown>, path: string, issues: ConfigIssue[]): void {
  const status = answer.status
  if (typeof status !== 'number' || !NO_CONTENT.has(status)) return
  for (const field of BODY_FIELDS) {
    if (answer[field] === undefined) continue
    issues.push(issue(child(path, field), `cannot be sent with status ${status}, which has no content (RFC 9110 §6.4.1)`, answer[field], 'remove it, or use status 200'))
  }
}

function invalidAnswer(where: string, answer: unknown, issues: readonly ConfigIssue[]): AnswerError {
  const lines = issues.map((found) => (found.path === '' ? found.message : `${found.path} ${found.message}`))
  const unknownKey = isPlainObject(answer) && Object.keys(answer).some((key) => !ANSWER_KEYS.includes(key))
  const fields = unknownKey ? ` (an answer's fields are ${ANSWER_KEYS.join(', ')})` : ''
  return new AnswerError('answer_invalid', where, `${where} answer: ${lines.join('; ')}${fields}`, {
    suggestion: issues.find((found) => found.suggestion !== undefined)?.suggestion,
  })
}

function lowerCaseNames(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const lower: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = Array.isArray(value) ? [...value] : value
  return lower
}

async function readAnswerFile(file: string, where: string, baseDir: string): Promise<Buffer> {
  try {
    return await readFile(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    const suggestion = code === 'ENOENT' ? `file is relative to the config file's directory (${baseDir})` : undefined
    throw new AnswerError('answer_file_unreadable', where, `${where} answer: cannot read file ${file} (${code})`, { suggestion, cause: error })
  }
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.json': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.xml': 'application/xml',
  '.csv': 'text/csv; charset=utf-8',
}

/** From the file's extension; bytes of unknown kind are `application/octet-stream` (RFC 9110 §8.3). */
function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
}
