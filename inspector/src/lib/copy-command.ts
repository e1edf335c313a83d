/**
 * "Copy as curl" and "copy as fetch": the request as the proxy received it, as a command a
 * developer can paste into a POSIX shell or a JavaScript console and run again.
 */
import { INTERNAL_REQUEST_FIELDS, REDACTED_SECRET, type HeaderDiffRow, type TransactionDetail } from '../../../src/inspector/api.js'
import { decodeBase64, decodeText } from './body.js'

export interface CopyableRequest {
  readonly method: string
  /** Absolute. */
  readonly url: string
  /**
   * The HTTP version it came over, for curl to use the same (`--http2`, `--http1.1`); absent: curl's
   * own choice (HTTP/1.1 for http://).
   */
  readonly httpVersion?: '1.0' | '1.1' | '2' | undefined
  readonly headers: readonly (readonly [name: string, value: string])[]
  /** UTF-8 text, or the bytes when the body is not text; null for none. */
  readonly body: string | Uint8Array | null
  /** The capture holds fewer bytes than were sent: the command sends only those. */
  readonly bodyTruncated: boolean
}

/**
 * Headers the tool sets itself from the URL and the body (or that only one connection hop may
 * carry, RFC 9110 §7.6.1); HTTP/2 pseudo-headers (`:authority`) are not headers at all.
 */
const LEFT_OUT = new Set(['host', 'content-length', 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade'])

const isAbsolute = (url: string) => /^[a-z][a-z\d+.-]*:\/\//i.test(url)

/**
 * A request field a copy (or a resend edit) carries: not devproxy's own (the resend marker, a
 * session), not one whose value the inspector showed blanked (a devproxy secret passing through:
 * nothing is left to send).
 */
export function isAppField(row: HeaderDiffRow): boolean {
  return row.before !== null && !row.name.startsWith(':') && !INTERNAL_REQUEST_FIELDS.includes(row.name.toLowerCase()) && !row.before.includes(REDACTED_SECRET)
}

const VERSIONS: Readonly<Record<string, CopyableRequest['httpVersion']>> = { 'HTTP/1.0': '1.0', 'HTTP/1.1': '1.1', 'HTTP/2.0': '2' }

/**
 * The request as received: a proxy-form target is already absolute, an origin-form one gets the
 * scheme and Host (or HTTP/2's :authority); the version it came over. `fallbackHost`: the proxy's
 * `host:port` for a request that named none (HTTP/1.0).
 */
export function requestFromDetail(detail: TransactionDetail, fallbackHost = 'localhost'): CopyableRequest {
  const { summary } = detail
  const url = isAbsolute(summary.url) ? summary.url : `${summary.scheme}://${summary.host ?? fallbackHost}${summary.url}`
  const headers: (readonly [string, string])[] = []
  for (const row of detail.headers.request) {
    if (!isAppField(row) || LEFT_OUT.has(row.name.toLowerCase())) continue
    // A header that came several times is one row with its values joined by newlines or commas; a
    // newline inside one header line would end it.
    for (const value of row.before!.split('\n')) headers.push([row.name, value])
  }
  let body: string | Uint8Array | null = null
  const view = detail.requestBody
  if (view !== null && view.size > 0) {
    const bytes = decodeBase64(view.base64)
    body = decodeText(bytes) ?? bytes
  }
  // Over plain http://, curl speaks HTTP/1.1 by itself; over https:// it would pick HTTP/2 when it can.
  const version = VERSIONS[summary.protocol]
  const httpVersion = version === '1.1' && summary.scheme === 'http' ? undefined : version
  return { method: summary.method, url, httpVersion, headers, body, bodyTruncated: view?.truncated ?? false }
}

const SHELL_SAFE = /^[\w@%+=:,./-]+$/

/** `value` as one word for a POSIX shell: single quotes, each `'` inside written `'\''`. */
export function shellQuote(value: string): string {
  if (SHELL_SAFE.test(value)) return value
  return `'${value.replace(/'/g, `'\\''`)}'`
}

/**
 * `bytes` as a POSIX `printf` format that writes them back exactly: printable ASCII as itself,
 * `%` and `\` escaped, every other byte as a three-digit octal escape (`\x` is not POSIX).
 */
export function printfFormat(bytes: Uint8Array): string {
  let format = ''
  for (const byte of bytes) {
    if (byte === 0x25) format += '%%'
    else if (byte === 0x5c) format += '\\\\'
    else if (byte >= 0x20 && byte < 0x7f) format += String.fromCharCode(byte)
    else format += `\\${byte.toString(8).padStart(3, '0')}`
  }
  return format
}

function truncationNote(request: CopyableRequest, comment: string): string[] {
  return request.bodyTruncated ? [`${comment} The captured body was truncated: this sends only the captured bytes.`] : []
}

export function buildCurl(request: CopyableRequest): string {
  const { method, url, headers, body } = request
  const args = [`curl ${shellQuote(url)}`]
  if (request.httpVersion !== undefined) args.push(`--http${request.httpVersion}`)
  const hasBody = body !== null
  if (method === 'HEAD') args.push('--head')
  else if (!(method === 'GET' && !hasBody) && !(method === 'POST' && hasBody)) args.push(`-X ${shellQuote(method)}`)
  let compressed = false
  for (const [name, value] of headers) {
    if (name.toLowerCase() === 'accept-encoding') {
      // curl would print the compressed bytes; --compressed asks for them and decodes.
      compressed = true
      continue
    }
    args.push(`-H ${shellQuote(`${name}: ${value}`)}`)
  }
  if (compressed) args.push('--compressed')
  let pipe = ''
  if (typeof body === 'string') args.push(`--data-raw ${shellQuote(body)}`)
  else if (body !== null) {
    pipe = `printf ${shellQuote(printfFormat(body))} | `
    args.push('--data-binary @-')
  }
  return [...truncationNote(request, '#'), pipe + args.join(' \\\n  ')].join('\n')
}

function base64Of(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

export function buildFetch(request: CopyableRequest): string {
  const { method, url, headers, body } = request
  const lines = [`await fetch(${JSON.stringify(url)}, {`, `  method: ${JSON.stringify(method)},`]
  if (headers.length > 0) {
    // Repeated names are joined, as the Headers class would join them.
    const merged = new Map<string, string>()
    for (const [name, value] of headers) merged.set(name, merged.has(name) ? `${merged.get(name)}, ${value}` : value)
    lines.push('  headers: {')
    lines.push([...merged].map(([name, value]) => `    ${JSON.stringify(name)}: ${JSON.stringify(value)}`).join(',\n'))
    lines.push('  },')
  }
  if (typeof body === 'string') lines.push(`  body: ${JSON.stringify(body)},`)
  else if (body !== null) lines.push(`  body: Uint8Array.from(atob(${JSON.stringify(base64Of(body))}), (c) => c.charCodeAt(0)),`)
  lines.push('});')
  return [...truncationNote(request, '//'), ...lines].join('\n')
}
