/**
 * RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1
 * request message that lacks a Host header field and to any that contains more than one Host
 * header field line". Node refuses a missing Host itself but keeps the first of two, so the
 * proxy would route on one and an upstream (or a cache) might act on the other.
 */
export function hostFieldCount(rawHeaders: readonly string[]): number {
  let count = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!
    if (name.length === 4 && name.toLowerCase() === 'host') count++
  }
  return count
}
