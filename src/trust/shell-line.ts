import type { TrustStep } from './trust-step.js'

/**
 * Steps as the line a user pastes into a terminal to do by hand what devproxy could not: POSIX
 * sh quoting, or cmd/PowerShell double quotes on Windows; `sudo` before each command of a store
 * that needs root.
 */

export interface ShellLineOptions {
  /** Default: process.platform. */
  platform?: NodeJS.Platform
  /** Prefix every command with sudo. Default: false. */
  sudo?: boolean
}

export function shellLine(steps: readonly TrustStep[], { platform = process.platform, sudo = false }: ShellLineOptions = {}): string {
  const quote = platform === 'win32' ? quoteWindows : quotePosix
  return steps.map((step) => `${sudo ? 'sudo ' : ''}${words(step).map(quote).join(' ')}`).join(' && ')
}

function words(step: TrustStep): readonly string[] {
  switch (step.op) {
    case 'run':
      return [step.file, ...step.args]
    case 'copy':
      return ['cp', step.from, step.to]
    case 'remove':
      return ['rm', '-f', step.file]
    case 'mkdir':
      return ['mkdir', '-p', '-m', '700', step.dir]
  }
}

export function quotePosix(word: string): string {
  return /^[\w./@%+=:,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}

function quoteWindows(word: string): string {
  return /^[\w.\\/:@%+=,-]+$/.test(word) ? word : `"${word}"`
}
