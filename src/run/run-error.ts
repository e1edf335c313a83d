import { DevproxyError } from '../errors.js'

/**
 * A failure of `devproxy run` before its command ran: reported as every devproxy failure
 * (`error:` / `hint:`). A command that cannot be started gets a shell's exit code (127: not
 * found, 126: not executable), so a script that checks `$?` reads it as it would without devproxy.
 */
export class RunError extends DevproxyError {
  /** Read by describeFailure (src/cli/user-error.ts) as the exit code. */
  readonly oclif: { readonly exit: number }

  constructor(code: RunErrorCode, message: string, options: { suggestion: string; exit: number }) {
    super(code, message, { suggestion: options.suggestion })
    this.oclif = { exit: options.exit }
  }
}

export type RunErrorCode = 'command_not_found' | 'command_not_executable' | 'proxy_not_forward'
