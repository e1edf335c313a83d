import { describe, expect, it } from 'vitest'
import { describeHandshakeFailure } from '../../src/proxy/listen/handshake-failure.js'
import { onceEach } from '../../src/proxy/listen/once-each.js'
import { LocalCaError } from '../../src/tls/ca-error.js'

const failure = (code: string, message = 'x') => Object.assign(new Error(message), { code })

describe('describeHandshakeFailure: which failed TLS handshakes are worth a line', () => {
  it.each(['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN'])(
    'RFC 8446 §6.2: the client\'s %s alert means it does not trust the CA: run devproxy trust',
    (code) => {
      const notice = describeHandshakeFailure(failure(code), '::ffff:127.0.0.1')!
      expect(notice.key).toBe('distrust')
      expect(notice.message).toBe("TLS: a client at 127.0.0.1 refused devproxy's certificate: it does not trust devproxy's local CA yet")
      expect(notice.hint).toContain('devproxy trust')
    },
  )

  it('a name outside the CA: the CA error\'s own message and its re-issue hint, keyed by the name', () => {
    const error = new LocalCaError('host_outside_ca', 'the devproxy local CA cannot issue a certificate for bank.example: it only covers localhost', { host: 'bank.example', suggestion: 'devproxy trust --reissue --host bank.example' })
    const notice = describeHandshakeFailure(error, '127.0.0.1')!
    expect(notice.key).toBe('host_outside_ca:bank.example')
    expect(notice.message).toContain('bank.example')
    expect(notice.hint).toBe('devproxy trust --reissue --host bank.example')
  })

  it.each(['ECONNRESET', 'EPIPE', 'ERR_SSL_TLSV1_ALERT_USER_CANCELLED'])('%s (a connection dropped mid-handshake) is noise: no line', (code) => {
    expect(describeHandshakeFailure(failure(code), '127.0.0.1')).toBeUndefined()
  })

  it('anything else is named by OpenSSL\'s reason, without its file and line', () => {
    const notice = describeHandshakeFailure(failure('ERR_SSL_UNEXPECTED_MESSAGE', '805C0C9D3C7F0000:error:0A0000F4:SSL routines:ossl_statem_server_read_transition:unexpected message:../deps/openssl/openssl/ssl/statem/statem_srvr.c:312:\n'), '127.0.0.1')!
    expect(notice.message).toBe('TLS: a handshake from 127.0.0.1 failed: unexpected message')
  })
})

describe('onceEach: one line per kind of notice a minute', () => {
  it('the same key is passed on once, again after 60 s; other keys meanwhile', () => {
    let now = 0
    const said: string[] = []
    const notify = onceEach((notice) => said.push(notice.key), () => now)!
    const notice = (key: string) => ({ key, message: key, hint: '' })
    notify(notice('distrust'))
    notify(notice('distrust'))
    notify(notice('tls:x'))
    now = 59_999
    notify(notice('distrust'))
    now = 60_000
    notify(notice('distrust'))
    expect(said).toEqual(['distrust', 'tls:x', 'distrust'])
  })
})
