import { describe, expect, it } from 'vitest'
import { hasSecret, newSecret, REDACTED_SECRET, redactHeaderSecrets, redactSecretBytes, redactSecrets } from '../../src/local-api/secrets.js'

/**
 * devproxy's own secrets name themselves, so whatever shows or records traffic can blank them
 * wherever they turn up (issue 27 item 8). Each rule is a row.
 */

const session = newSecret('session')
const control = newSecret('control')
const login = newSecret('login')

describe('newSecret', () => {
  it.each([
    ['control', control],
    ['login', login],
    ['session', session],
  ])('%s: devproxy_<kind>_ and 32 random bytes, base64url (43 characters)', (kind, secret) => {
    expect(secret).toMatch(new RegExp(`^devproxy_${kind}_[A-Za-z0-9_-]{43}$`))
    expect(newSecret(kind as 'control')).not.toBe(secret)
  })
})

describe('redactSecrets', () => {
  it.each<[string, string, string]>([
    ['a bearer', `Bearer ${control}`, `Bearer ${REDACTED_SECRET}`],
    ['a cookie among others', `a=1; devproxy_inspector_1=${session}; b=2`, `a=1; devproxy_inspector_1=${REDACTED_SECRET}; b=2`],
    ['a query', `/inspector/login?token=${login}&x=1`, `/inspector/login?token=${REDACTED_SECRET}&x=1`],
    ['JSON', `{"session":"${session}","token":"${login}"}`, `{"session":"${REDACTED_SECRET}","token":"${REDACTED_SECRET}"}`],
    ['nothing of devproxy', 'Bearer eyJhbGciOi.devproxy.x', 'Bearer eyJhbGciOi.devproxy.x'],
    ['the prefix without a secret', 'devproxy_session_short', 'devproxy_session_short'],
    ['another kind of name', `devproxy_other_${'a'.repeat(43)}`, `devproxy_other_${'a'.repeat(43)}`],
  ])('%s', (_what, text, shown) => {
    expect(redactSecrets(text)).toBe(shown)
    expect(hasSecret(text)).toBe(text !== shown)
  })

  it('gives the very same string when there is nothing to blank (no copy on the common path)', () => {
    const text = 'x'.repeat(100)
    expect(redactSecrets(text)).toBe(text)
  })
})

describe('redactSecretBytes', () => {
  it('blanks a secret in bytes and keeps every other byte (binary included) as it was', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0x00, 0xc3]), Buffer.from(`"${session}"`), Buffer.from([0x80])])
    const shown = redactSecretBytes(bytes)
    expect(shown.subarray(0, 3)).toEqual(Buffer.from([0xff, 0x00, 0xc3]))
    expect(shown.subarray(3, -1).toString()).toBe(`"${REDACTED_SECRET}"`)
    expect(shown.at(-1)).toBe(0x80)
  })

  it('the same buffer when it holds no secret', () => {
    const bytes = Buffer.from('{"a":"devproxy_"}')
    expect(redactSecretBytes(bytes)).toBe(bytes)
  })
})

describe('redactHeaderSecrets', () => {
  it('blanks secrets in any field, list values too; the same object when none holds one', () => {
    const headers = { 'x-devproxy-session': session, authorization: `Bearer ${control}`, 'set-cookie': ['a=1', `b=${session}`], 'content-length': 3 as number | string, accept: '*/*' }
    expect(redactHeaderSecrets(headers)).toEqual({
      'x-devproxy-session': REDACTED_SECRET,
      authorization: `Bearer ${REDACTED_SECRET}`,
      'set-cookie': ['a=1', `b=${REDACTED_SECRET}`],
      'content-length': 3,
      accept: '*/*',
    })
    const plain = { accept: '*/*' }
    expect(redactHeaderSecrets(plain)).toBe(plain)
  })
})
