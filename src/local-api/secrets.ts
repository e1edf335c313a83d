import { randomBytes } from 'node:crypto'
import { REDACTED_SECRET } from './redacted-secret.js'

/**
 * devproxy's own secrets — the control token (state file), the inspector's one-time login token
 * and its sessions — and how anything that shows or records traffic keeps them out. Each secret
 * names itself (`devproxy_session_…`), as GitHub's `ghp_` tokens do, so it can be recognised
 * wherever it turns up: in any header field (a bearer, a cookie, the session header), a URL or a
 * body, whichever devproxy sees it pass (a second proxy in front of the first one, a route to a
 * control port). Pure but for the random bytes.
 */

export type SecretKind = 'control' | 'login' | 'session'

/** 32 random bytes, base64url (43 characters): the part of a secret that is secret. */
const SECRET_BYTES = 32

/** `devproxy_<kind>_<43 base64url characters>`. */
export function newSecret(kind: SecretKind): string {
  return `devproxy_${kind}_${randomBytes(SECRET_BYTES).toString('base64url')}`
}

export { REDACTED_SECRET }

/** Every secret devproxy makes, anywhere in a text. */
const SECRET = /devproxy_(?:control|login|session)_[A-Za-z0-9_-]{43}/g

/** A quick look first: the prefix, before any regular expression runs. */
const PREFIX = 'devproxy_'

export function hasSecret(text: string): boolean {
  if (!text.includes(PREFIX)) return false
  SECRET.lastIndex = 0
  return SECRET.test(text)
}

/** `text` with each secret replaced by {@link REDACTED_SECRET}; the same string when it holds none. */
export function redactSecrets(text: string): string {
  return text.includes(PREFIX) ? text.replace(SECRET, REDACTED_SECRET) : text
}

/** The same for bytes (a captured body): a copy only when they hold a secret. Secrets are ASCII, so latin1 keeps every other byte as it was. */
export function redactSecretBytes(bytes: Buffer): Buffer {
  if (!bytes.includes(PREFIX)) return bytes
  const text = bytes.toString('latin1')
  const redacted = redactSecrets(text)
  return redacted === text ? bytes : Buffer.from(redacted, 'latin1')
}

type HeaderValue = string | number | readonly string[] | string[] | undefined
type Headers<V> = Readonly<Record<string, V>>

/** A header map with each secret in its values redacted; the same object when none holds one (the usual case costs one scan). */
export function redactHeaderSecrets<V extends HeaderValue>(headers: Headers<V>): Headers<V> {
  let found = false
  for (const name in headers) {
    const value = headers[name]
    if (typeof value === 'string' ? value.includes(PREFIX) : Array.isArray(value) && value.some((one) => one.includes(PREFIX))) {
      found = true
      break
    }
  }
  if (!found) return headers
  const copy: Record<string, HeaderValue> = {}
  for (const name in headers) {
    const value = headers[name]
    copy[name] = typeof value === 'string' ? redactSecrets(value) : Array.isArray(value) ? value.map(redactSecrets) : value
  }
  return copy as Headers<V>
}
