import { parseCookie, parseSetCookie } from 'cookie'

/**
 * Cookie and Set-Cookie fields, read by one parser: the `cookie` package (jshttp's, Express's).
 * Its rules are RFC 6265 §5.2 as draft-ietf-httpbis-rfc6265bis revises them, which is what
 * browsers do: a field is cut at each ';', a pair at its first '=', a name and a value lose the
 * SP and HTAB around them (nothing else), and a pair without '=' is a cookie whose name is empty
 * (`theme-dark; Path=/` sets the nameless cookie `theme-dark`). Values are read as sent: the
 * package's percent-decoding is turned off, since a proxy compares and forwards bytes. Pure.
 *
 * The package answers with an object — one value per name, attributes it knows only, no order —
 * so where devproxy changes a field and must forward every other byte as it came (the
 * inspector's cookie dropped from a Cookie field here; a Set-Cookie's Domain and Path rewritten
 * in src/proxy/respond/cookie-rewrite.ts) the field is first cut at its ';', the one character
 * RFC 6265 keeps out of every name, value and attribute (§4.1.1, §4.2.1), and each piece read on
 * its own.
 */

const asSent = (value: string): string => value
const AS_SENT = { decode: asSent } as const

/** The name of the cookie a Set-Cookie line sets: `''` for a pair without '='. */
export function setCookieName(line: string): string {
  // Only the pair: the attributes (an Expires date parsed) are not needed for the name.
  const end = line.indexOf(';')
  return parseSetCookie(end === -1 ? line : line.slice(0, end), AS_SENT).name
}

/** One pair of a Cookie field: as sent but for the SP and HTAB around it, and its name (`''` for a pair without '='). */
export interface CookiePair {
  readonly name: string
  readonly pair: string
}

/** A Cookie field's pairs in order, duplicates kept (a browser sends two of one name for two paths, RFC 6265 §5.4); empty pieces are no pairs. */
export function cookieFieldPairs(field: string): CookiePair[] {
  const pairs: CookiePair[] = []
  for (const piece of field.split(';')) {
    const pair = trimWhitespace(piece)
    if (pair === '') continue
    // A piece without '=' parses to no cookie at all: its name is empty.
    const [name = ''] = Object.keys(parseCookie(pair, AS_SENT))
    pairs.push({ name, pair })
  }
  return pairs
}

/** Without the SP and HTAB at either end (RFC 6265 §5.2's WSP), and nothing else String#trim would take. */
function trimWhitespace(text: string): string {
  let start = 0
  let end = text.length
  while (start < end && (text[start] === ' ' || text[start] === '\t')) start++
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--
  return text.slice(start, end)
}
