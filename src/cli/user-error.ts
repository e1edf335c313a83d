import type { DevproxyError } from '../errors.js'
import type { Palette } from '../log/palette.js'

/**
 * How a command shows a DevproxyError: the message as written (a config error may carry a
 * code frame, which must not be re-wrapped), then what to do about it. No stack trace.
 */
export function formatUserError(error: DevproxyError, palette: Palette): string {
  const [first = '', ...rest] = error.message.split('\n')
  const lines = [`${palette.error('error:')} ${first}`, ...rest.map((line) => `  ${line}`)]
  if (error.suggestion) lines.push(`${palette.dim('hint:')} ${error.suggestion}`)
  return lines.join('\n')
}
