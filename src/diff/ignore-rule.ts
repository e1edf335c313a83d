import { TOKEN } from '../config/checks.js'
import { DevproxyError } from '../errors.js'
import { parseIgnorePath } from './json-diff.js'

/**
 * What to leave out of a diff (`devproxy diff --ignore`, `start --ignore`, `log.ignore`): a
 * header name, or a JSON path into bodies starting with `$`. Anything else would be taken for
 * a header name no response has and silently ignore nothing (`items[0]` meant `$.items[0]`).
 * Pure.
 */

/**
 * What is wrong with one rule, or undefined when it is a header name or a JSON path: the JSON
 * path parser's own error (`ignore_path_invalid`) for a malformed `$` path, else an
 * `ignore_invalid` error that suggests the JSON path the rule probably meant.
 */
export function ignoreRuleError(rule: string): DevproxyError | undefined {
  if (rule.startsWith('$')) return parseError(rule)
  if (TOKEN.test(rule)) return undefined
  const asPath = /^[.[]/.test(rule) ? `$${rule}` : `$.${rule}`
  return new DevproxyError('ignore_invalid', `${JSON.stringify(rule)} is neither a header name nor a JSON path`, {
    suggestion:
      parseError(asPath) === undefined
        ? `did you mean ${asPath}? (JSON paths start with $)`
        : 'Write a header name such as etag, or a JSON path such as $.requestId, $.items[*].id or $..updatedAt.',
  })
}

/** Throws the first bad rule's error; `flag` (`--ignore`) starts a message that does not say where it came from. */
export function assertIgnoreRules(rules: readonly string[], flag: string): void {
  for (const rule of rules) {
    const error = ignoreRuleError(rule)
    if (error === undefined) continue
    if (error.code !== 'ignore_invalid') throw error
    throw new DevproxyError(error.code, `${flag} ${error.message}`, { suggestion: error.suggestion })
  }
}

function parseError(path: string): DevproxyError | undefined {
  try {
    parseIgnorePath(path)
    return undefined
  } catch (error) {
    if (error instanceof DevproxyError) return error
    throw error
  }
}
