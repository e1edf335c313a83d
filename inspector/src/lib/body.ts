/**
 * What a captured body is and how to show it: JSON as a tree, an event stream as its events, an
 * image previewed, other text as text, anything else as a hex dump. Decided from the bytes as
 * much as from the content type, which traffic can get wrong (or lie about).
 */
import type { BodyView } from '../../../src/inspector/api.js'

export type DecodedBody =
  | { readonly kind: 'empty' }
  | { readonly kind: 'json'; readonly text: string; readonly value: unknown }
  | { readonly kind: 'event-stream'; readonly text: string }
  /** `imageType` comes from the bytes' signature, never from the content type. */
  | { readonly kind: 'image'; readonly bytes: Uint8Array; readonly imageType: string }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'binary'; readonly bytes: Uint8Array }

export function decodeBase64(base64: string): Uint8Array {
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** `application/json; charset=utf-8` → `application/json`; '' for none. */
export function mediaTypeOf(contentType: string | null): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase()
}

function charsetOf(contentType: string | null): string | null {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')
  return match ? match[1]!.toLowerCase() : null
}

export function isJsonMediaType(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json') || mediaType === 'text/json'
}

const TEXT_MEDIA_TYPES = /^text\/|[/+](json|xml|javascript|ecmascript|x-www-form-urlencoded|graphql|yaml|x-yaml|csv|x-ndjson)$/

export function isTextMediaType(mediaType: string): boolean {
  return TEXT_MEDIA_TYPES.test(mediaType)
}

function strictDecoder(charset: string | null) {
  try {
    return new TextDecoder(charset ?? 'utf-8', { fatal: true })
  } catch {
    // A charset label the browser does not know: UTF-8 is the likeliest truth.
    return new TextDecoder('utf-8', { fatal: true })
  }
}

/**
 * The bytes as text in `charset` (UTF-8 by default), or null when they are not text: not valid in
 * that charset, or holding control characters no text has. A multi-byte character cut by the
 * capture limit at the very end is dropped rather than counted against the body.
 */
export function decodeText(bytes: Uint8Array, charset: string | null = null): string | null {
  let text: string
  try {
    text = strictDecoder(charset).decode(bytes, { stream: true })
  } catch {
    return null
  }
  // NUL and the C0 controls other than tab, newlines, form feed and ESC (terminal colours) mean binary.
  return /[\u0000-\u0008\u000b\u000e-\u001a\u001c-\u001f]/.test(text) ? null : text
}

/** The image format of `bytes` by its signature, for the formats every browser shows; null for others (SVG included: it can hold script). */
export function sniffImageType(bytes: Uint8Array): string | null {
  const at = (offset: number, signature: readonly number[]) => signature.every((byte, i) => bytes[offset + i] === byte)
  const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0))
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
  if (at(0, [0xff, 0xd8, 0xff])) return 'image/jpeg'
  if (at(0, ascii('GIF87a')) || at(0, ascii('GIF89a'))) return 'image/gif'
  if (at(0, ascii('RIFF')) && at(8, ascii('WEBP'))) return 'image/webp'
  if (at(4, ascii('ftypavif')) || at(4, ascii('ftypavis'))) return 'image/avif'
  if (at(0, ascii('BM')) && bytes.length > 14) return 'image/bmp'
  if (at(0, [0x00, 0x00, 0x01, 0x00]) && bytes.length > 6) return 'image/x-icon'
  return null
}

export function classifyBody(body: BodyView): DecodedBody {
  const bytes = decodeBase64(body.base64)
  if (bytes.length === 0) return { kind: 'empty' }
  const mediaType = mediaTypeOf(body.contentType)

  if (mediaType.startsWith('image/')) {
    const imageType = sniffImageType(bytes)
    if (imageType !== null) return { kind: 'image', bytes, imageType }
  }

  const text = decodeText(bytes, isTextMediaType(mediaType) ? charsetOf(body.contentType) : null)
  if (text === null) {
    const imageType = sniffImageType(bytes)
    return imageType === null ? { kind: 'binary', bytes } : { kind: 'image', bytes, imageType }
  }
  if (mediaType === 'text/event-stream') return { kind: 'event-stream', text }
  // Untyped bodies that look like JSON are shown as JSON too: many dev servers forget the type.
  if (isJsonMediaType(mediaType) || (mediaType === '' && /^\s*[[{]/.test(text))) {
    const value = parseJson(text)
    if (value !== undefined) return { kind: 'json', text, value }
  }
  return { kind: 'text', text }
}

/** The parsed value, or undefined when `text` is not JSON (a truncated capture, often). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}
