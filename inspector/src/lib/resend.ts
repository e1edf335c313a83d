/**
 * The "edit and resend" form: a draft made from the request as received, and the ResendRequest
 * that carries only what the user changed (absent fields mean "as the original").
 */
import type { ResendRequest, TransactionDetail } from '../../../src/inspector/api.js'
import { decodeBase64, decodeText } from './body.js'
import { isAppField } from './copy-command.js'

export interface ResendDraft {
  readonly method: string
  /** Origin-form: `/api/users?x=1`. */
  readonly url: string
  /** `Name: value`, one a line. */
  readonly headersText: string
  readonly body: string
  /** The body is base64 (the original was not text). */
  readonly bodyBase64: boolean
}

/** `http://host/a?b` → `/a?b`; an origin-form target stays as it is. */
export function toOriginForm(url: string): string {
  if (!/^[a-z][a-z\d+.-]*:\/\//i.test(url)) return url
  try {
    const parsed = new URL(url)
    return `${parsed.pathname}${parsed.search}`
  } catch {
    return url
  }
}

export function draftFromDetail(detail: TransactionDetail): ResendDraft {
  const headersText = detail.headers.request
    .filter(isAppField)
    .map((row) => `${row.name}: ${row.before}`)
    .join('\n')
  let body = ''
  let bodyBase64 = false
  if (detail.requestBody !== null) {
    const text = decodeText(decodeBase64(detail.requestBody.base64))
    if (text === null) bodyBase64 = true
    body = text ?? detail.requestBody.base64
  }
  return { method: detail.summary.method, url: toOriginForm(detail.summary.url), headersText, body, bodyBase64 }
}

export type HeaderParse = { readonly headers: Record<string, string> } | { readonly error: string }

const TOKEN = /^[!#$%&'*+\-.^_`|~\w]+$/

/** `Name: value` lines (blank lines skipped) into an object; a repeated name joins its values with `, `. */
export function parseHeaderLines(text: string): HeaderParse {
  const headers: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue
    const colon = line.indexOf(':')
    const name = colon === -1 ? '' : line.slice(0, colon).trim()
    if (!TOKEN.test(name)) return { error: `line ${index + 1}: write a header as "Name: value"` }
    const value = line.slice(colon + 1).trim()
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value
  }
  return { headers }
}

export type ResendBuild = { readonly request: ResendRequest } | { readonly error: string }

/**
 * What to POST to …/resend for `draft`, given the draft the form started from. `bodyIncomplete`:
 * the capture holds only part of the original body, which the server will not resend (409), so
 * the body in the form goes along even unchanged.
 */
export function buildResendRequest(draft: ResendDraft, original: ResendDraft, bodyIncomplete = false): ResendBuild {
  const method = draft.method.trim().toUpperCase()
  if (!TOKEN.test(method)) return { error: 'the method must be a single word, such as GET or POST' }
  const url = draft.url.trim()
  if (!url.startsWith('/') && !(url === '*' && method === 'OPTIONS')) return { error: 'the URL must be a path starting with /, such as /api/users?page=2' }
  const request: { -readonly [K in keyof ResendRequest]: ResendRequest[K] } = {}
  if (method !== original.method) request.method = method
  if (url !== original.url) request.url = url
  if (draft.headersText !== original.headersText) {
    const parsed = parseHeaderLines(draft.headersText)
    if ('error' in parsed) return parsed
    request.headers = parsed.headers
  }
  if (bodyIncomplete || draft.body !== original.body || draft.bodyBase64 !== original.bodyBase64) {
    if (draft.bodyBase64 && !isBase64(draft.body)) return { error: 'the body is marked base64 but is not valid base64' }
    request.body = draft.bodyBase64 ? draft.body.replace(/\s+/g, '') : draft.body
    if (draft.bodyBase64) request.bodyBase64 = true
  }
  return { request }
}

function isBase64(text: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(text.replace(/\s+/g, '')) && text.replace(/\s+/g, '').length % 4 === 0
}
