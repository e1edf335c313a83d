/**
 * RFC 9113 §8.2.1, the fields of an HTTP/2 message, judged as the HPACK decoder reads them
 * (hpack-decoder.ts). A request with one such field is malformed (§8.1.1): the proxy refuses it
 * (h2-guard.ts) instead of forwarding it without the field, as nghttp2 inside Node would.
 *
 * - A name is a token (RFC 9110 §5.1) in lower case: no character in 0x00–0x20, 0x41–0x5A or
 *   0x7F–0xFF, no colon but the first character of a pseudo-header field, never empty.
 * - A value has no NUL, LF or CR, and neither starts nor ends with SP or HTAB. Other control
 *   characters are refused too (§8.2.1 allows it; RFC 9110 §5.5 has no place for them, and
 *   Node's HTTP/1.1 parser answers 400 to them): HTTP/2 gets what HTTP/1.1 gets.
 */

/** RFC 9110 §5.6.2 tchar, lower case only (RFC 9113 §8.2.1). */
const NAME_CHAR = new Uint8Array(128)
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") NAME_CHAR[c.charCodeAt(0)] = 1

/** What is wrong with the field, in words for the log; undefined when nothing is. */
export function h2FieldProblem(name: string, value: string): string | undefined {
  return nameProblem(name) ?? valueProblem(name, value)
}

function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a field with an empty name'
  const start = name.charCodeAt(0) === 0x3a /* ':' */ && name.length > 1 ? 1 : 0
  for (let i = start; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c < 128 && NAME_CHAR[c] === 1) continue
    if (c >= 0x41 && c <= 0x5a) return `the field name ${show(name)} has upper case`
    return `the field name ${show(name)} has ${describe(c)}`
  }
  return undefined
}

function valueProblem(name: string, value: string): string | undefined {
  const last = value.length - 1
  for (let i = 0; i <= last; i++) {
    const c = value.charCodeAt(i)
    if (c >= 0x20 && c !== 0x7f) {
      if (c === 0x20 && (i === 0 || i === last)) return `the value of ${show(name)} ${i === 0 ? 'starts' : 'ends'} with whitespace`
      continue
    }
    if (c === 0x09) {
      if (i === 0 || i === last) return `the value of ${show(name)} ${i === 0 ? 'starts' : 'ends'} with whitespace`
      continue
    }
    return `the value of ${show(name)} has ${describe(c)}`
  }
  return undefined
}

function describe(c: number): string {
  if (c === 0x00) return 'a NUL'
  if (c === 0x0a) return 'a line feed'
  if (c === 0x0d) return 'a carriage return'
  if (c === 0x20) return 'a space'
  if (c === 0x3a) return 'a colon'
  return `the character 0x${c.toString(16).padStart(2, '0')}`
}

/** A name shown in a message: printable, and short. */
function show(name: string): string {
  const printable = name.replace(/[^\x21-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
  return `"${printable.length > 60 ? `${printable.slice(0, 57)}...` : printable}"`
}
