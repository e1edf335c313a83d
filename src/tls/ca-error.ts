import { DevproxyError } from '../errors.js'

/**
 * The local CA cannot be used: there is none yet where one was expected (`ca_missing`), its
 * files are unreadable, corrupt or do not belong together (`ca_unreadable`, `ca_invalid`), it
 * cannot be written (`ca_write_failed`), or a certificate was asked for a name it does not
 * cover (`host_outside_ca`) or for something that is not a host name (`host_invalid`).
 */
export class LocalCaError extends DevproxyError {
  /** The CA file at fault, absolute, when there is one. */
  readonly file: string | undefined
  /** The host a certificate was refused for. */
  readonly host: string | undefined

  constructor(code: LocalCaErrorCode, message: string, options: { suggestion?: string; cause?: unknown; file?: string; host?: string } = {}) {
    super(code, message, options)
    this.file = options.file
    this.host = options.host
  }
}

export type LocalCaErrorCode = 'ca_missing' | 'ca_unreadable' | 'ca_invalid' | 'ca_write_failed' | 'host_outside_ca' | 'host_invalid'
