/** One problem in a config: where, what, and the likely fix (see config/checks.ts). */
export interface ConfigIssue {
  /** Where: `routes[1].timeoutMs`, `routes[0].headers.request["x-env"]`; `''` for the config itself. */
  readonly path: string
  /** What is expected and what was got: `must be a positive integer (got "30s")`. */
  readonly message: string
  /** The likely fix, when there is one: `did you mean "timeoutMs"?`. */
  readonly suggestion?: string
}

/**
 * One error root with a stable `code` per subclass (as undici does). Commands turn these into
 * a message plus a suggestion; nothing user-facing should surface as a stack trace.
 */
export class DevproxyError extends Error {
  readonly code: string
  /** What the user can do about it, shown under the message. */
  readonly suggestion: string | undefined

  constructor(code: string, message: string, options: { suggestion?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.suggestion = options.suggestion
  }
}

/** The config file is missing, does not load, or holds a value the proxy cannot use. */
export class ConfigError extends DevproxyError {
  /** The config file at fault, absolute, when there is one (not for `--target`). */
  readonly file: string | undefined

  constructor(message: string, options: { suggestion?: string; cause?: unknown; file?: string } = {}) {
    super('config_invalid', message, options)
    this.file = options.file
  }
}

/**
 * A config that loaded but holds values the proxy cannot use. The message has one line per
 * issue (`routes[1].timeoutMs must be a positive integer (got "30s")`); `issues` keeps them so
 * a caller can re-format them with the file name (see formatIssues in config/validate.ts).
 */
export class ConfigValidationError extends ConfigError {
  readonly issues: readonly ConfigIssue[]

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map((issue) => (issue.path === '' ? issue.message : `${issue.path} ${issue.message}`)).join('\n'), {
      suggestion: issues[0]?.suggestion,
    })
    this.issues = issues
  }
}

export class ConfigNotFoundError extends DevproxyError {
  constructor(file: string) {
    super('config_not_found', `no config file at ${file}`, {
      suggestion:
        'Run `devproxy init` to write one, pass `--config PATH`, or skip the file with `devproxy start --target http://localhost:3000` (or `--demo`).',
    })
  }
}

/** The listen address could not be bound. */
export class ListenError extends DevproxyError {
  /** The port asked for, and the flag that sets it (`--port`, `--https-port`). */
  readonly port: number | undefined
  readonly flag: string | undefined
  /** For `port_in_use`: a port found free just now, for the hint; undefined when none was. */
  readonly freePort: number | undefined

  constructor(
    code: 'port_in_use' | 'listen_failed',
    message: string,
    options: { suggestion?: string; cause?: unknown; port?: number; flag?: string; freePort?: number | undefined } = {},
  ) {
    super(code, message, options)
    this.port = options.port
    this.flag = options.flag
    this.freePort = options.freePort
  }
}

/**
 * Talking to a running proxy through its control API (`devproxy fault`, `devproxy status`):
 * none is running, its state file is stale or unreadable, or it refused the request.
 */
export class ControlError extends DevproxyError {
  constructor(code: ControlErrorCode, message: string, options: { suggestion?: string; cause?: unknown } = {}) {
    super(code, message, options)
  }
}

export type ControlErrorCode =
  | 'proxy_not_running'
  | 'proxy_stale'
  | 'proxy_ambiguous'
  | 'state_invalid'
  | 'state_write_failed'
  | 'control_unauthorized'
  | 'control_unreachable'
  | 'control_rejected'
  | 'fault_not_found'

/** The recording file cannot be created or written (`devproxy record --out`). */
export class RecordingError extends DevproxyError {
  constructor(file: string, cause: unknown) {
    super('recording_write_failed', `cannot write the recording ${file}: ${(cause as Error).message}`, {
      suggestion: 'Give --out a file path in a directory you can write to (and a disk with room).',
      cause,
    })
  }
}

/**
 * The command line itself is wrong: an unknown command or flag, a missing or extra argument, a
 * flag value the command cannot take. Exits 2, as oclif's own parse errors do.
 */
export class UsageError extends DevproxyError {
  constructor(code: UsageErrorCode, message: string, options: { suggestion?: string; cause?: unknown } = {}) {
    super(code, message, options)
  }
}

export type UsageErrorCode = 'unknown_command' | 'unknown_flag' | 'missing_argument' | 'unexpected_argument' | 'invalid_argument' | 'invalid_flag' | 'config_extension'
