/**
 * What a failed TLS handshake on the HTTPS port is worth telling the user. Most are noise
 * (a browser closing a speculative connection); two are the first thing a new user meets and
 * deserve a line saying what to do: a client that does not trust devproxy's CA yet, and a name
 * the CA cannot issue for.
 */
export interface ListenerNotice {
  /** Same key, same notice: the caller may say it once. */
  readonly key: string
  readonly message: string
  readonly hint: string
}

/** TLS alerts a client sends when it does not accept the certificate (RFC 8446 §6.2). */
const DISTRUST_CODES = new Set(['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN'])

/** Connections cut before or during the handshake: nothing the user needs to hear about. */
const QUIET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ERR_SSL_TLSV1_ALERT_USER_CANCELLED'])

export function describeHandshakeFailure(error: NodeJS.ErrnoException & { suggestion?: string; host?: string }, client: string | undefined): ListenerNotice | undefined {
  const from = client === undefined ? 'a client' : `a client at ${client.replace(/^::ffff:/, '')}`
  const code = error.code ?? ''
  if (code === 'host_outside_ca' || code === 'host_invalid') {
    return { key: `${code}:${error.host ?? error.message}`, message: `TLS: refused ${from}: ${error.message}`, hint: error.suggestion ?? '' }
  }
  if (DISTRUST_CODES.has(code)) {
    return {
      key: 'distrust',
      message: `TLS: ${from} refused devproxy's certificate: it does not trust devproxy's local CA yet`,
      hint: 'Run devproxy trust (browsers, curl, the system); for Node clients set NODE_EXTRA_CA_CERTS as it prints.',
    }
  }
  if (QUIET_CODES.has(code)) return undefined
  return {
    key: `tls:${code}`,
    message: `TLS: a handshake from ${from.replace(/^a client at /, '')} failed: ${shortReason(error.message)}`,
    hint: 'Not a TLS client, or one speaking a protocol version or cipher devproxy does not offer (TLS 1.2 and 1.3 are).',
  }
}

/**
 * OpenSSL 3's reason without the rest: `<id>:error:<code>:<library>:<function>:<reason>:<file>:<line>:`
 * → `<reason>` (`unexpected message`); any other message as it is.
 */
function shortReason(message: string): string {
  const parts = message.split(':')
  return parts[1] === 'error' && parts.length >= 6 ? parts[5]!.trim() || message : message.trim()
}
