import { Command } from '@oclif/core'

/**
 * The base of every devproxy command: one way to fail. Whatever a command throws — a
 * DevproxyError, oclif's parse errors, `this.error(…)` — is printed as `error:` and `hint:`
 * lines on stderr, or with `--json` as `{"error":{"code","message","hint"}}` (config errors
 * add `issues`), never as oclif's `› Error` block, a stack trace or the whole usage.
 */
export abstract class DevproxyCommand extends Command {
  /**
   * Where a `--json` failure goes: stdout, in place of the result, for commands that print one
   * result; start, record and replay keep stdout for the transactions and use stderr.
   */
  protected jsonFailureStream: 'stdout' | 'stderr' = 'stdout'

  override async catch(error: Error): Promise<unknown> {
    const [{ describeFailure, formatFailure, formatFailureJson }, { createLogger }] = await Promise.all([
      import('./user-error.js'),
      import('../log/logger.js'),
    ])
    const failure = describeFailure(error, { ...this.ctor, id: this.id ?? this.ctor.id }, this.config.bin)
    if (failure === undefined) throw error
    if (this.wantsJson()) (this.jsonFailureStream === 'stdout' ? process.stdout : process.stderr).write(formatFailureJson(failure))
    else process.stderr.write(formatFailure(failure, createLogger().palette))
    if (failure.internal && process.env.DEBUG) process.stderr.write(`${error.stack ?? ''}\n`)
    this.exit(failure.exit)
  }

  /** `--json` before any `--`, on a command that has the flag (its own, or oclif's enableJsonFlag). */
  protected wantsJson(): boolean {
    if (this.jsonEnabled()) return true
    if (!this.ctor.flags?.json) return false
    const end = this.argv.indexOf('--')
    const at = this.argv.indexOf('--json')
    return at !== -1 && (end === -1 || at < end)
  }
}
